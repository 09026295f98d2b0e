-- Forms: definitions admins edit as a draft and publish as numbered versions, the results contacts
-- and staff submit (each keeping the version it was filled in), and request types that carry one.

CREATE TABLE forms (
    tenant_id         bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id                int         NOT NULL,
    name              text        NOT NULL,
    -- The definition being edited (`domain::forms::FormDefinition`), checked on every save.
    draft             jsonb       NOT NULL,
    -- Contacts may fill it in on its own, not only when raising a ticket of a request type.
    standalone        boolean     NOT NULL DEFAULT false,
    published_version int,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    archived_at       timestamptz,
    PRIMARY KEY (tenant_id, id)
);

-- A published version never changes; results point at the one they were filled in.
CREATE TABLE form_versions (
    tenant_id    bigint      NOT NULL,
    form_id      int         NOT NULL,
    version      int         NOT NULL CHECK (version > 0),
    definition   jsonb       NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, form_id, version),
    FOREIGN KEY (tenant_id, form_id) REFERENCES forms (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE forms ADD FOREIGN KEY (tenant_id, id, published_version)
    REFERENCES form_versions (tenant_id, form_id, version) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE form_results (
    tenant_id      bigint      NOT NULL,
    -- From a sequence, not a per-tenant counter: a counter's row would be held by every
    -- submitting transaction until it commits.
    id             bigint      GENERATED ALWAYS AS IDENTITY,
    form_id        int         NOT NULL,
    version        int         NOT NULL,
    -- Who filled it in: a contact in the portal, or staff (a member or an API key).
    contact_id     int,
    submitter_kind text        NOT NULL CHECK (submitter_kind IN ('contact', 'member', 'api_key')),
    submitter_id   text        NOT NULL,
    ticket_id      int,
    -- Typed answers by question identifier, and each answer as a person reads it.
    answers        jsonb       NOT NULL,
    display        jsonb       NOT NULL,
    submitted_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, form_id, version) REFERENCES form_versions (tenant_id, form_id, version),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX form_results_form ON form_results (tenant_id, form_id, submitted_at DESC, id DESC);
CREATE INDEX form_results_ticket ON form_results (tenant_id, ticket_id) WHERE ticket_id IS NOT NULL;

-- A request type's form is answered when the ticket is raised, and shown in its description or as
-- its first public note.
ALTER TABLE request_types
    ADD COLUMN form_id int,
    ADD COLUMN form_placement text NOT NULL DEFAULT 'description'
        CHECK (form_placement IN ('description', 'note')),
    ADD FOREIGN KEY (tenant_id, form_id) REFERENCES forms (tenant_id, id);

-- A stand-alone result holds the files its answers name, so they are not swept as pending.
ALTER TABLE attachments ADD COLUMN form_result_id bigint;
DROP INDEX attachments_pending;
CREATE INDEX attachments_pending ON attachments (created_at)
    WHERE ticket_id IS NULL AND form_result_id IS NULL;

-- Form submissions reach ticket flows: a result on a ticket is a ticket event (with its snapshot),
-- a stand-alone one is about the form result.
CREATE OR REPLACE FUNCTION fan_out_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t tickets%ROWTYPE;
BEGIN
    IF NEW.entity_type = 'ticket' THEN
        SELECT * INTO t FROM tickets WHERE tenant_id = NEW.tenant_id AND id = NEW.entity_id::int;
    END IF;
    INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_id, body)
    SELECT w.tenant_id, w.id, NEW.id,
           CASE WHEN NEW.entity_type = 'chat' THEN
               jsonb_build_array(NEW.payload)::text
           WHEN w.kind = 'webhook' THEN
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
                                  'modifiedOn', utc_text(t.updated_at),
                                  'sla', (SELECT jsonb_build_object(
                                              'policyName', l.policy_name,
                                              'dueAt', utc_text(l.due_at),
                                              'isBreached', coalesce(l.breach_at < now(), false),
                                              'isPaused', l.paused_since IS NOT NULL)
                                          FROM ticket_slas l
                                          WHERE l.tenant_id = t.tenant_id AND l.ticket_id = t.id),
                                  'surveyRating', (SELECT r.rating FROM survey_responses r
                                                   WHERE r.tenant_id = t.tenant_id
                                                     AND r.ticket_id = t.id))
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
      AND CASE w.kind WHEN 'webhook' THEN true
                      WHEN 'chat_flow' THEN NEW.entity_type = 'chat'
                      ELSE NEW.entity_type IN ('ticket', 'form_result') END
      AND (cardinality(coalesce(f.queue_ids, w.queue_ids)) = 0
           OR t.queue_id = ANY (coalesce(f.queue_ids, w.queue_ids)))
      AND (cardinality(coalesce(f.status_ids, w.status_ids)) = 0
           OR t.status_id = ANY (coalesce(f.status_ids, w.status_ids)))
      AND (cardinality(w.priority_ids) = 0 OR t.priority_id = ANY (w.priority_ids))
      AND (cardinality(w.company_ids) = 0 OR t.company_id = ANY (w.company_ids));
    RETURN NULL;
END $$;
