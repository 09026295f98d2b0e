-- Real-time chat between contacts and members, members' presence, and the live events that the
-- portal's and tech portal's event streams carry.

-- How long a contact's chat request may wait for a member before it is missed.
CREATE TABLE chat_settings (
    tenant_id         bigint PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    missed_after_secs int    NOT NULL CHECK (missed_after_secs BETWEEN 1 AND 86400)
);

CREATE TABLE chat_sessions (
    tenant_id       bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- DeskDirector's shape: `{unix seconds}-{4 digits}`.
    id              text        NOT NULL,
    name            text        NOT NULL,
    type            text        NOT NULL CHECK (type IN ('request', 'push')),
    status          text        NOT NULL CHECK (status IN ('created', 'handled', 'missed', 'completed', 'callback')),
    -- The statuses it had before the current one, oldest first (`created` is not repeated).
    past_status     text[]      NOT NULL DEFAULT '{}',
    creator_kind    text        NOT NULL CHECK (creator_kind IN ('contact', 'member')),
    creator_id      int         NOT NULL,
    -- The ticket the chat is about (or was turned into).
    ticket_id       int,
    -- The contact's callback request: `{type, phone?, note?, preferredTime?}`.
    callback        jsonb,
    handled_at      timestamptz,
    closed_at       timestamptz,
    closed_by_kind  text,
    closed_by_id    int,
    close_note      text,
    last_message_id text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
);
CREATE INDEX chat_sessions_waiting ON chat_sessions (created_at) WHERE status = 'created';
CREATE INDEX chat_sessions_recent ON chat_sessions (tenant_id, created_at DESC);

-- Everyone in a chat: invited (not yet joined), active, or left.
CREATE TABLE chat_users (
    tenant_id  bigint      NOT NULL,
    session_id text        NOT NULL,
    user_kind  text        NOT NULL CHECK (user_kind IN ('contact', 'member')),
    user_id    int         NOT NULL,
    state      text        NOT NULL CHECK (state IN ('invited', 'active', 'left')),
    -- When they first joined; null while only invited.
    joined_at  timestamptz,
    -- When they left (null while in it): a contact who left reads the chat only up to then.
    left_at    timestamptz,
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, session_id, user_kind, user_id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES chat_sessions (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX chat_users_of ON chat_users (tenant_id, user_kind, user_id);

CREATE TABLE chat_messages (
    tenant_id   bigint      NOT NULL,
    session_id  text        NOT NULL,
    seq         bigint      GENERATED ALWAYS AS IDENTITY,
    -- DeskDirector's shape: `{unix ms}-{hex sequence}-{userId}`.
    id          text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('message', 'system')),
    -- Null for system messages written by an API key.
    author_kind text,
    author_id   int,
    body        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, seq),
    FOREIGN KEY (tenant_id, session_id) REFERENCES chat_sessions (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX chat_messages_of ON chat_messages (tenant_id, session_id, seq);

CREATE TABLE member_presence (
    tenant_id  bigint      NOT NULL,
    member_id  int         NOT NULL,
    status     text        NOT NULL CHECK (status IN ('online', 'away', 'busy', 'offline')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, member_id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);

-- What the event streams carry, each with who may receive it, ordered like the change feed by
-- (transaction id, sequence) so a stream resumed from its last event id misses and repeats
-- nothing. Kept for a day (the server prunes older rows). Every insert wakes the listening
-- instances through NOTIFY (one per tenant and transaction: PostgreSQL folds repeats).
CREATE TABLE live_events (
    tenant_id        bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    seq              bigint      GENERATED ALWAYS AS IDENTITY,
    xid              xid8        NOT NULL DEFAULT pg_current_xact_id(),
    type             text        NOT NULL,
    payload          jsonb       NOT NULL,
    -- Who receives it: every member, these members, these contacts, and for ticket events the
    -- contacts who see their company's tickets or manage the ticket's group, and (when the ticket
    -- has an approval) its company's approvers.
    all_members      boolean     NOT NULL DEFAULT false,
    member_ids       int[]       NOT NULL DEFAULT '{}',
    contact_ids      int[]       NOT NULL DEFAULT '{}',
    company_id       int,
    contact_group_id int,
    approval         boolean     NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX live_events_order ON live_events (tenant_id, xid, seq);
CREATE INDEX live_events_age ON live_events (created_at);

CREATE FUNCTION wake_live_streams() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('deskd_live', NEW.tenant_id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER live_events_wake AFTER INSERT ON live_events
    FOR EACH ROW EXECUTE FUNCTION wake_live_streams();

-- Every ticket event reaches the streams: members get all; the contacts who may see the ticket
-- (its contact, company-wide viewers, the group's managers, approvers while it has an approval) get
-- it unless it is an internal note or the ticket is archived. Only the ticket and what happened
-- travel; the portal reads the ticket as the viewer may see it.
CREATE FUNCTION ticket_event_to_live() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t tickets%ROWTYPE;
    hidden boolean;
BEGIN
    SELECT * INTO t FROM tickets WHERE tenant_id = NEW.tenant_id AND id = NEW.entity_id::int;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    hidden := coalesce((NEW.payload #>> '{change,to,isInternal}')::boolean, false)
              OR (t.archived_at IS NOT NULL AND NEW.type <> 'ticket.archived');
    INSERT INTO live_events (tenant_id, type, payload, all_members, contact_ids, company_id,
                             contact_group_id, approval)
    VALUES (NEW.tenant_id, NEW.type,
            jsonb_build_object('ticketId', t.id, 'eventType', NEW.type,
                               'change', NEW.payload #>> '{change,type}',
                               'occurredOn', utc_text(NEW.created_at)),
            true,
            CASE WHEN hidden THEN '{}'::int[] ELSE ARRAY[t.contact_id] END,
            CASE WHEN hidden THEN NULL ELSE t.company_id END,
            CASE WHEN hidden THEN NULL ELSE t.contact_group_id END,
            NOT hidden AND t.approval IS NOT NULL);
    RETURN NULL;
END $$;
CREATE TRIGGER events_to_live AFTER INSERT ON events
    FOR EACH ROW WHEN (NEW.entity_type = 'ticket') EXECUTE FUNCTION ticket_event_to_live();

-- A new notification reaches its recipient's streams, shaped as the inbox lists it.
CREATE FUNCTION notification_to_live() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO live_events (tenant_id, type, payload, member_ids, contact_ids)
    VALUES (NEW.tenant_id, 'notification',
            jsonb_build_object('id', NEW.id, 'title', NEW.title, 'body', NEW.body, 'link', NEW.link,
                               'isRead', false, 'createdOn', utc_text(NEW.created_at), 'readOn', NULL),
            CASE WHEN NEW.recipient_kind = 'member' THEN ARRAY[NEW.recipient_id] ELSE '{}'::int[] END,
            CASE WHEN NEW.recipient_kind = 'contact' THEN ARRAY[NEW.recipient_id] ELSE '{}'::int[] END);
    RETURN NULL;
END $$;
CREATE TRIGGER notifications_to_live AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION notification_to_live();

-- Chat flows: the connector's "When a chat session is created or updated".
ALTER TABLE webhooks DROP CONSTRAINT webhooks_kind_check;
ALTER TABLE webhooks ADD CONSTRAINT webhooks_kind_check
    CHECK (kind IN ('webhook', 'ticket_flow', 'workflow_flow', 'chat_flow'));

-- Chat events (`New Chat Session`, `Chat Session Status Changed`) carry a ChatSession as their
-- payload; webhooks and chat flows receive DeskDirector's array of ChatSessions. Ticket flows and
-- workflow flows take ticket events only, chat flows chat events only; the rest is as before.
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
      AND CASE w.kind WHEN 'webhook' THEN true
                      WHEN 'chat_flow' THEN NEW.entity_type = 'chat'
                      ELSE NEW.entity_type = 'ticket' END
      AND (cardinality(coalesce(f.queue_ids, w.queue_ids)) = 0
           OR t.queue_id = ANY (coalesce(f.queue_ids, w.queue_ids)))
      AND (cardinality(coalesce(f.status_ids, w.status_ids)) = 0
           OR t.status_id = ANY (coalesce(f.status_ids, w.status_ids)))
      AND (cardinality(w.priority_ids) = 0 OR t.priority_id = ANY (w.priority_ids))
      AND (cardinality(w.company_ids) = 0 OR t.company_id = ANY (w.company_ids));
    RETURN NULL;
END $$;
