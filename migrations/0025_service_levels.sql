-- Office hours (calendars), service-level policies, and the clocks each ticket keeps against its
-- policy's targets.

CREATE TABLE calendars (
    tenant_id  bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id         int         NOT NULL,
    name       text        NOT NULL,
    -- The time zone, weekly hours, holidays and exceptions (domain::office_hours::Schedule).
    schedule   jsonb       NOT NULL,
    is_default boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX calendars_one_default ON calendars (tenant_id) WHERE is_default;

-- A company may work to its own calendar (cleared when the calendar is deleted).
ALTER TABLE companies ADD COLUMN calendar_id int;

CREATE TABLE sla_policies (
    tenant_id         bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id                int         NOT NULL,
    name              text        NOT NULL,
    position          int         NOT NULL DEFAULT 0,
    enabled           boolean     NOT NULL DEFAULT true,
    conditions        jsonb       NOT NULL,
    targets           jsonb       NOT NULL,
    business_hours    boolean     NOT NULL DEFAULT true,
    calendar_id       int,
    pause_status_ids  int[]       NOT NULL DEFAULT '{}',
    warn_before_secs  int         NOT NULL DEFAULT 1800,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, calendar_id) REFERENCES calendars (tenant_id, id)
);

-- A ticket's clocks under the policy that applies to it (no row: no policy applies).
CREATE TABLE ticket_slas (
    tenant_id        bigint      NOT NULL,
    ticket_id        int         NOT NULL,
    policy_id        int,
    policy_name      text        NOT NULL,
    -- Counted on these office hours; NULL with business_hours false: every hour.
    calendar_id      int,
    business_hours   boolean     NOT NULL,
    warn_before_secs int         NOT NULL,
    pause_status_ids int[]       NOT NULL DEFAULT '{}',
    -- The next-response target, started by each contact reply that waits for staff.
    next_response_secs int,
    paused_since     timestamptz,
    paused_secs      bigint      NOT NULL DEFAULT 0,
    -- Each target's clock (domain::sla::Clock); NULL when the policy sets no such target or,
    -- for the next response, while no contact reply waits for one.
    first_response   jsonb,
    next_response    jsonb,
    resolution       jsonb,
    -- Kept from the clocks for lists, filters and the sweeper:
    due_at           timestamptz, -- the earliest due time of a running clock
    first_response_breach_at timestamptz,
    next_response_breach_at  timestamptz,
    resolution_breach_at     timestamptz,
    breach_at        timestamptz, -- the earliest of the three
    alarm_at         timestamptz, -- when the sweeper next has a warning or breach to tell
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, ticket_id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ticket_slas_due ON ticket_slas (tenant_id, due_at) WHERE due_at IS NOT NULL;
CREATE INDEX ticket_slas_breach ON ticket_slas (tenant_id, breach_at) WHERE breach_at IS NOT NULL;
CREATE INDEX ticket_slas_alarm ON ticket_slas (alarm_at) WHERE alarm_at IS NOT NULL;

-- SLA warnings and breaches are staff's business: on live streams they reach members only.
CREATE OR REPLACE FUNCTION ticket_event_to_live() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t tickets%ROWTYPE;
    hidden boolean;
BEGIN
    SELECT * INTO t FROM tickets WHERE tenant_id = NEW.tenant_id AND id = NEW.entity_id::int;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    hidden := coalesce((NEW.payload #>> '{change,to,isInternal}')::boolean, false)
              OR NEW.type LIKE 'ticket.sla\_%'
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
