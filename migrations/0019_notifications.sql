-- Notifications to one contact (client portal) or one member (tech portal): read or unread.
CREATE TABLE notifications (
    tenant_id      bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id             bigint      GENERATED ALWAYS AS IDENTITY,
    recipient_kind text        NOT NULL CHECK (recipient_kind IN ('contact', 'member')),
    recipient_id   int         NOT NULL,
    title          text        NOT NULL,
    body           text        NOT NULL DEFAULT '',
    link           text,
    -- Who sent it, as `api_key:{id}` or `member:{id}`.
    sent_by        text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    read_at        timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX notifications_inbox ON notifications (tenant_id, recipient_kind, recipient_id, id DESC);
CREATE INDEX notifications_unread ON notifications (tenant_id, recipient_kind, recipient_id)
    WHERE read_at IS NULL;
