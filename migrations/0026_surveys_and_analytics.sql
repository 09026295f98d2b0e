-- Satisfaction surveys sent when tickets close, the facts analytics reads about each ticket, and
-- mail for SLA warnings, breaches and surveys.

CREATE TABLE surveys (
    tenant_id        bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id               int         NOT NULL,
    name             text        NOT NULL,
    question         text        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('five_star', 'csat', 'nps', 'thumbs')),
    ask_comment      boolean     NOT NULL DEFAULT true,
    position         int         NOT NULL DEFAULT 0,
    enabled          boolean     NOT NULL DEFAULT true,
    -- Which closing tickets it is sent for; empty: all.
    queue_ids        int[]       NOT NULL DEFAULT '{}',
    request_type_ids int[]       NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

-- At most one survey per ticket: sent at its first close, answered (and changed) within a window.
-- The question is kept as sent, so deleting or editing the survey changes no answer.
CREATE TABLE survey_responses (
    tenant_id       bigint      NOT NULL,
    ticket_id       int         NOT NULL,
    survey_id       int,
    survey_name     text        NOT NULL,
    kind            text        NOT NULL,
    question        text        NOT NULL,
    ask_comment     boolean     NOT NULL,
    contact_id      int         NOT NULL,
    -- Who the ticket was with when it closed, for filters and analytics.
    company_id      int         NOT NULL,
    queue_id        int         NOT NULL,
    request_type_id int,
    member_id       int,
    sent_at         timestamptz NOT NULL DEFAULT now(),
    answer_until    timestamptz NOT NULL,
    rating          smallint,
    -- The rating on a 0–100 scale, comparable across kinds.
    score           smallint CHECK (score BETWEEN 0 AND 100),
    satisfied       boolean,
    comment         text,
    answered_at     timestamptz,
    PRIMARY KEY (tenant_id, ticket_id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id) ON DELETE CASCADE,
    CHECK ((rating IS NULL) = (answered_at IS NULL))
);
CREATE INDEX survey_responses_sent ON survey_responses (tenant_id, sent_at);
CREATE INDEX survey_responses_answered ON survey_responses (tenant_id, answered_at)
    WHERE answered_at IS NOT NULL;
CREATE INDEX survey_responses_contact ON survey_responses (tenant_id, contact_id, sent_at DESC);

-- One row per ticket, kept as the ticket changes, so analytics reads a period without visiting
-- tickets: who it was with, and when (and after how much working time) it was answered and closed.
CREATE TABLE ticket_facts (
    tenant_id           bigint      NOT NULL,
    ticket_id           int         NOT NULL,
    created_at          timestamptz NOT NULL,
    queue_id            int         NOT NULL,
    company_id          int         NOT NULL,
    request_type_id     int,
    -- The first assignee (lowest id) while it has one.
    member_id           int,
    first_response_at   timestamptz,
    -- Working seconds (of the ticket's office hours; every second without them).
    first_response_secs bigint,
    closed_at           timestamptz,
    resolution_secs     bigint,
    -- Whether each SLA target was met in time (NULL: no such target, or not yet decided).
    first_response_met  boolean,
    resolution_met      boolean,
    next_responses_met  int         NOT NULL DEFAULT 0,
    next_responses_missed int       NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, ticket_id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id) ON DELETE CASCADE
);
-- Each report range is read from one of these alone (index-only scans): they carry what it needs.
CREATE INDEX ticket_facts_created ON ticket_facts (tenant_id, created_at)
    INCLUDE (queue_id, company_id, member_id, request_type_id);
CREATE INDEX ticket_facts_closed ON ticket_facts (tenant_id, closed_at)
    INCLUDE (queue_id, company_id, member_id, request_type_id, resolution_secs, resolution_met,
             next_responses_met, next_responses_missed)
    WHERE closed_at IS NOT NULL;
CREATE INDEX ticket_facts_responded ON ticket_facts (tenant_id, first_response_at)
    INCLUDE (queue_id, company_id, member_id, request_type_id, first_response_secs, first_response_met)
    WHERE first_response_at IS NOT NULL;

-- Open tickets per combination of their dimensions, kept by statement-level triggers, so a report's
-- backlog sums a few rows instead of counting every open ticket. 0 stands for no assignee or
-- request type.
CREATE TABLE ticket_open_counts (
    tenant_id       bigint NOT NULL,
    queue_id        int    NOT NULL,
    company_id      int    NOT NULL,
    member_id       int    NOT NULL,
    request_type_id int    NOT NULL,
    open            bigint NOT NULL,
    PRIMARY KEY (tenant_id, queue_id, company_id, member_id, request_type_id)
);

CREATE FUNCTION count_open_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ticket_open_counts AS c (tenant_id, queue_id, company_id, member_id,
                                             request_type_id, open)
        SELECT tenant_id, queue_id, company_id, coalesce(member_id, 0), coalesce(request_type_id, 0),
               count(*)
        FROM new_rows WHERE closed_at IS NULL GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (tenant_id, queue_id, company_id, member_id, request_type_id)
            DO UPDATE SET open = c.open + EXCLUDED.open;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE ticket_open_counts c SET open = c.open - d.n
        FROM (SELECT tenant_id, queue_id, company_id, coalesce(member_id, 0) AS member_id,
                     coalesce(request_type_id, 0) AS request_type_id, count(*) AS n
              FROM old_rows WHERE closed_at IS NULL GROUP BY 1, 2, 3, 4, 5) d
        WHERE c.tenant_id = d.tenant_id AND c.queue_id = d.queue_id AND c.company_id = d.company_id
          AND c.member_id = d.member_id AND c.request_type_id = d.request_type_id;
    ELSE
        -- Most updates (a reply, a working time) move nothing: only differences are written.
        INSERT INTO ticket_open_counts AS c (tenant_id, queue_id, company_id, member_id,
                                             request_type_id, open)
        SELECT tenant_id, queue_id, company_id, member_id, request_type_id, sum(d) FROM (
            SELECT tenant_id, queue_id, company_id, coalesce(member_id, 0) AS member_id,
                   coalesce(request_type_id, 0) AS request_type_id, 1 AS d
            FROM new_rows WHERE closed_at IS NULL
            UNION ALL
            SELECT tenant_id, queue_id, company_id, coalesce(member_id, 0),
                   coalesce(request_type_id, 0), -1
            FROM old_rows WHERE closed_at IS NULL) x
        GROUP BY 1, 2, 3, 4, 5 HAVING sum(d) <> 0
        ON CONFLICT (tenant_id, queue_id, company_id, member_id, request_type_id)
            DO UPDATE SET open = c.open + EXCLUDED.open;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER ticket_facts_open_on_insert AFTER INSERT ON ticket_facts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_open_facts();
CREATE TRIGGER ticket_facts_open_on_update AFTER UPDATE ON ticket_facts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_open_facts();
CREATE TRIGGER ticket_facts_open_on_delete AFTER DELETE ON ticket_facts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION count_open_facts();

-- Tickets made before analytics: their dimensions and times (durations counted in every hour).
INSERT INTO ticket_facts (tenant_id, ticket_id, created_at, queue_id, company_id, request_type_id,
                          member_id, closed_at, resolution_secs)
SELECT t.tenant_id, t.id, t.created_at, t.queue_id, t.company_id, t.request_type_id,
       (SELECT min(a.member_id) FROM ticket_assignees a
         WHERE a.tenant_id = t.tenant_id AND a.ticket_id = t.id),
       CASE WHEN t.is_closed THEN coalesce(t.closed_at, t.updated_at) END,
       CASE WHEN t.is_closed
            THEN extract(epoch FROM coalesce(t.closed_at, t.updated_at) - t.created_at)::bigint END
FROM tickets t;

-- Mail for SLA warnings and breaches (to assignees) and for surveys (to the contact).
CREATE OR REPLACE FUNCTION plan_email() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.type IN ('ticket.created', 'ticket.note_added', 'ticket.status_changed', 'ticket.closed',
                    'ticket.assigned', 'ticket.approval_requested', 'ticket.sla_warning',
                    'ticket.sla_breached', 'survey.sent')
       AND EXISTS (SELECT 1 FROM email_settings s WHERE s.tenant_id = NEW.tenant_id AND s.enabled) THEN
        INSERT INTO email_jobs (tenant_id, source) VALUES (NEW.tenant_id, 'event:' || NEW.id);
    END IF;
    RETURN NULL;
END $$;

-- A flow's ticket snapshot carries the ticket's service level and survey rating.
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
                      ELSE NEW.entity_type = 'ticket' END
      AND (cardinality(coalesce(f.queue_ids, w.queue_ids)) = 0
           OR t.queue_id = ANY (coalesce(f.queue_ids, w.queue_ids)))
      AND (cardinality(coalesce(f.status_ids, w.status_ids)) = 0
           OR t.status_id = ANY (coalesce(f.status_ids, w.status_ids)))
      AND (cardinality(w.priority_ids) = 0 OR t.priority_id = ANY (w.priority_ids))
      AND (cardinality(w.company_ids) = 0 OR t.company_id = ANY (w.company_ids));
    RETURN NULL;
END $$;
