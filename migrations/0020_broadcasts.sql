-- Broadcasts: messages admins write to every contact, to chosen companies or to contact groups,
-- shown until they expire or the contact dismisses them.
CREATE TABLE broadcasts (
    tenant_id   bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          bigint      GENERATED ALWAYS AS IDENTITY,
    title       text        NOT NULL,
    body        text        NOT NULL DEFAULT '',
    audience    text        NOT NULL CHECK (audience IN ('everyone', 'companies', 'groups')),
    company_ids int[]       NOT NULL DEFAULT '{}',
    group_ids   int[]       NOT NULL DEFAULT '{}',
    expires_at  timestamptz,
    sent_by     text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE broadcast_dismissals (
    tenant_id    bigint      NOT NULL,
    broadcast_id bigint      NOT NULL,
    contact_id   int         NOT NULL,
    dismissed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, broadcast_id, contact_id),
    FOREIGN KEY (tenant_id, broadcast_id) REFERENCES broadcasts (tenant_id, id) ON DELETE CASCADE
);
