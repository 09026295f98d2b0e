-- The ticket conversation: public comments and internal notes, each optionally carrying time worked.

CREATE TABLE ticket_notes (
    tenant_id      bigint        NOT NULL,
    id             int           NOT NULL,
    ticket_id      int           NOT NULL,
    body           text          NOT NULL,
    is_internal    boolean       NOT NULL DEFAULT false,
    author_kind    text          NOT NULL CHECK (author_kind IN ('member', 'contact', 'api_key', 'system')),
    author_id      text          NOT NULL,
    author_name    text          NOT NULL,
    -- A time entry, when the note records work (minute precision).
    time_start     timestamptz,
    time_end       timestamptz,
    actual_hours   numeric(7, 2),
    billable_hours numeric(7, 2),
    created_at     timestamptz   NOT NULL DEFAULT now(),
    updated_at     timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id),
    CHECK (time_start IS NULL OR time_end IS NULL OR time_start <= time_end)
);
CREATE INDEX ticket_notes_ticket ON ticket_notes (tenant_id, ticket_id, id);
CREATE INDEX ticket_notes_time ON ticket_notes (tenant_id, author_kind, author_id, time_start) WHERE time_start IS NOT NULL;
