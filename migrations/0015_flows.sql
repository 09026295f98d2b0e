-- Power Automate flows subscribe through the connector's triggers. A flow subscription is a
-- webhook row of another kind: the same durable deliveries, retries, pausing and log, but its body
-- is one object (what the trigger's schema describes), and the flow removes it with a token.

-- Workflows: named ticket events with filters that admins define and flows attach to.
CREATE TABLE workflows (
    tenant_id   bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          uuid        NOT NULL,
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    event_types text[]      NOT NULL,
    queue_ids   int[]       NOT NULL DEFAULT '{}',
    status_ids  int[]       NOT NULL DEFAULT '{}',
    enabled     boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id)
);

ALTER TABLE webhooks
    ADD COLUMN kind text NOT NULL DEFAULT 'webhook'
        CHECK (kind IN ('webhook', 'ticket_flow', 'workflow_flow')),
    -- SHA-256 of the token a flow deletes its subscription with.
    ADD COLUMN token_hash bytea,
    ADD COLUMN priority_ids int[] NOT NULL DEFAULT '{}',
    ADD COLUMN company_ids int[] NOT NULL DEFAULT '{}',
    -- A workflow's flow takes its events and filters from the workflow.
    ADD COLUMN workflow_id uuid,
    ADD FOREIGN KEY (tenant_id, workflow_id) REFERENCES workflows (tenant_id, id) ON DELETE CASCADE,
    ADD CHECK ((kind = 'webhook') = (token_hash IS NULL)),
    ADD CHECK ((kind = 'workflow_flow') = (workflow_id IS NOT NULL));

-- RFC 3339 in UTC with `Z`, as the API writes times.
CREATE FUNCTION utc_text(at timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- Each event becomes a delivery for every enabled subscription that wants it: webhooks get
-- DeskDirector's array of envelopes, flows one object with a snapshot of the ticket (built in the
-- same statement, and only when a flow is among the receivers).
CREATE OR REPLACE FUNCTION fan_out_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t tickets%ROWTYPE;
BEGIN
    IF NEW.entity_type = 'ticket' THEN
        SELECT * INTO t FROM tickets WHERE tenant_id = NEW.tenant_id AND id = NEW.entity_id::int;
    END IF;
    INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_id, body)
    SELECT w.tenant_id, w.id, NEW.id,
           CASE WHEN w.kind = 'webhook' THEN
               jsonb_build_array(jsonb_build_object(
                   'id', NEW.id, 'type', NEW.type,
                   'entity', jsonb_build_object('type', NEW.entity_type, 'id', NEW.entity_id),
                   'payload', NEW.payload, 'createdOn', utc_text(NEW.created_at)))::text
           ELSE
               (NEW.payload || jsonb_build_object(
                   'eventId', NEW.id, 'eventType', NEW.type, 'occurredOn', utc_text(NEW.created_at),
                   'ticket', (
                       SELECT jsonb_build_object(
                                  'id', t.id, 'summary', t.summary,
                                  'queue', jsonb_build_object('id', q.id, 'name', q.name),
                                  'status', jsonb_build_object('id', s.id, 'name', s.name),
                                  'priority', jsonb_build_object('id', p.id, 'name', p.name),
                                  'account', jsonb_build_object('id', co.id, 'name', co.name),
                                  'contact', jsonb_build_object('id', c.id,
                                                 'name', trim(c.first_name || ' ' || c.last_name)),
                                  'isClosed', t.is_closed,
                                  'createdOn', utc_text(t.created_at),
                                  'modifiedOn', utc_text(t.updated_at))
                       FROM queues q, statuses s, priorities p, companies co, contacts c
                       WHERE q.tenant_id = t.tenant_id AND q.id = t.queue_id
                         AND s.tenant_id = t.tenant_id AND s.id = t.status_id
                         AND p.tenant_id = t.tenant_id AND p.id = t.priority_id
                         AND co.tenant_id = t.tenant_id AND co.id = t.company_id
                         AND c.tenant_id = t.tenant_id AND c.id = t.contact_id),
                   'workflow', CASE WHEN f.id IS NULL THEN NULL
                               ELSE jsonb_build_object('id', f.id::text, 'name', f.name) END))::text
           END
    FROM webhooks w
    LEFT JOIN workflows f ON f.tenant_id = w.tenant_id AND f.id = w.workflow_id
    WHERE w.tenant_id = NEW.tenant_id AND w.enabled AND coalesce(f.enabled, true)
      AND NEW.type = ANY (coalesce(f.event_types, w.event_types))
      AND (w.kind = 'webhook' OR NEW.entity_type = 'ticket')
      AND (cardinality(coalesce(f.queue_ids, w.queue_ids)) = 0
           OR t.queue_id = ANY (coalesce(f.queue_ids, w.queue_ids)))
      AND (cardinality(coalesce(f.status_ids, w.status_ids)) = 0
           OR t.status_id = ANY (coalesce(f.status_ids, w.status_ids)))
      AND (cardinality(w.priority_ids) = 0 OR t.priority_id = ANY (w.priority_ids))
      AND (cardinality(w.company_ids) = 0 OR t.company_id = ANY (w.company_ids));
    RETURN NULL;
END $$;
