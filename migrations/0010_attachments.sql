-- Files attached to tickets and notes. The bytes live under the data directory, named by their
-- SHA-256 within the tenant's folder; this table holds what the API shows and who may see it.
-- An upload starts pending (no ticket) and is linked to a ticket, and perhaps a note, later.

CREATE TABLE attachments (
    tenant_id     bigint      NOT NULL REFERENCES tenants (id),
    id            uuid        NOT NULL,
    sha256        text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    file_name     text        NOT NULL,
    -- Detected from the bytes, never taken from the client.
    content_type  text        NOT NULL,
    size_bytes    bigint      NOT NULL CHECK (size_bytes >= 0),
    uploader_kind text        NOT NULL CHECK (uploader_kind IN ('member', 'contact', 'api_key')),
    uploader_id   text        NOT NULL,
    ticket_id     int,
    note_id       int,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id),
    FOREIGN KEY (tenant_id, note_id) REFERENCES ticket_notes (tenant_id, id),
    CHECK (note_id IS NULL OR ticket_id IS NOT NULL)
);
CREATE INDEX attachments_ticket ON attachments (tenant_id, ticket_id, created_at) WHERE ticket_id IS NOT NULL;
CREATE INDEX attachments_pending ON attachments (created_at) WHERE ticket_id IS NULL;
CREATE INDEX attachments_content ON attachments (tenant_id, sha256);
