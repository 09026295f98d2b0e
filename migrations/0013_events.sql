-- Domain events: every change to tickets, notes, contacts and companies, written in the same
-- transaction as the change. The change feed pages them by (transaction id, sequence): an event is
-- served only once every transaction that started before it has ended, so a reader that resumes
-- from its cursor can neither skip an event that committed late nor see one twice.

CREATE TABLE events (
    tenant_id   bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    seq         bigint      GENERATED ALWAYS AS IDENTITY,
    xid         xid8        NOT NULL DEFAULT pg_current_xact_id(),
    id          uuid        NOT NULL,
    type        text        NOT NULL,
    entity_type text        NOT NULL,
    entity_id   text        NOT NULL,
    payload     jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX events_feed ON events (tenant_id, xid, seq);
CREATE UNIQUE INDEX events_id ON events (id);
