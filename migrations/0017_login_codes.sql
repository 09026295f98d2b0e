-- Passwordless sign-in: one-time codes a contact signs in with (a deep link's `auth_token`).
-- Each is usable once, for 15 minutes, and dies after five wrong guesses.
CREATE TABLE login_codes (
    tenant_id       bigint      NOT NULL,
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id      int         NOT NULL,
    -- SHA-256 of `{contact_id}:{code}`.
    code_hash       bytea       NOT NULL,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    failed_attempts int         NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX login_codes_live ON login_codes (tenant_id, contact_id, expires_at) WHERE used_at IS NULL;
