-- Webhook subscriptions and their deliveries. A delivery row is written by a trigger in the same
-- transaction as the event, so nothing committed is lost; workers claim due deliveries with
-- FOR UPDATE SKIP LOCKED and a lease, so each is sent by one worker at a time and retried (with the
-- same body and id) after a crash.

CREATE TABLE webhooks (
    tenant_id            bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id                   uuid        NOT NULL,
    description          text        NOT NULL DEFAULT '',
    url                  text        NOT NULL,
    event_types          text[]      NOT NULL,
    queue_ids            int[]       NOT NULL DEFAULT '{}',
    status_ids           int[]       NOT NULL DEFAULT '{}',
    enabled              boolean     NOT NULL DEFAULT true,
    -- The signing secret, encrypted with the server key.
    secret_sealed        bytea       NOT NULL,
    consecutive_failures int         NOT NULL DEFAULT 0,
    paused_until         timestamptz,
    disabled_reason      text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id)
);

CREATE TABLE webhook_deliveries (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       bigint      NOT NULL,
    webhook_id      uuid        NOT NULL,
    event_id        uuid        NOT NULL,
    -- Exactly the bytes sent on every attempt.
    body            text        NOT NULL,
    state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        int         NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhooks (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_of ON webhook_deliveries (tenant_id, webhook_id, id DESC);

CREATE TABLE webhook_attempts (
    delivery_id   bigint      NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at  timestamptz NOT NULL DEFAULT now(),
    status_code   int,
    latency_ms    int         NOT NULL,
    error         text,
    response_head text
);
CREATE INDEX webhook_attempts_of ON webhook_attempts (delivery_id, attempted_at);

-- Each event becomes a delivery for every enabled subscription that wants it.
CREATE FUNCTION fan_out_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ticket_queue int;
    ticket_status int;
BEGIN
    IF NEW.entity_type = 'ticket' THEN
        SELECT queue_id, status_id INTO ticket_queue, ticket_status
        FROM tickets WHERE tenant_id = NEW.tenant_id AND id = NEW.entity_id::int;
    END IF;
    INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_id, body)
    SELECT w.tenant_id, w.id, NEW.id,
           jsonb_build_array(jsonb_build_object(
               'id', NEW.id, 'type', NEW.type,
               'entity', jsonb_build_object('type', NEW.entity_type, 'id', NEW.entity_id),
               'payload', NEW.payload, 'createdOn', NEW.created_at))::text
    FROM webhooks w
    WHERE w.tenant_id = NEW.tenant_id AND w.enabled AND NEW.type = ANY (w.event_types)
      AND (cardinality(w.queue_ids) = 0 OR ticket_queue = ANY (w.queue_ids))
      AND (cardinality(w.status_ids) = 0 OR ticket_status = ANY (w.status_ids));
    RETURN NULL;
END $$;
CREATE TRIGGER events_fan_out AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION fan_out_event();
