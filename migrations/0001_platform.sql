-- The platform spine: tenants, people, credentials, signing keys.
-- Every tenant-owned table leads its primary key, unique keys and indexes with tenant_id,
-- so the schema can be distributed by tenant_id (Citus) without rework.

CREATE TABLE tenants (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug         text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    name         text        NOT NULL,
    status       text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    cors_origins text[]      NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- The routing table for custom domains: looked up by host before any tenant is known.
CREATE TABLE tenant_domains (
    domain     text        PRIMARY KEY CHECK (domain = lower(domain)),
    tenant_id  bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenant_domains_tenant ON tenant_domains (tenant_id);

-- Per-tenant integer ids, as DeskDirector numbers its entities per site.
CREATE TABLE id_counters (
    tenant_id  bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    entity     text   NOT NULL,
    last_value int    NOT NULL,
    PRIMARY KEY (tenant_id, entity)
);

CREATE TABLE members (
    tenant_id     bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id            int         NOT NULL,
    email         text        NOT NULL,
    first_name    text        NOT NULL,
    last_name     text        NOT NULL DEFAULT '',
    role          text        NOT NULL CHECK (role IN ('tech', 'admin', 'master_admin')),
    password_hash text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    archived_at   timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX members_email ON members (tenant_id, lower(email)) WHERE archived_at IS NULL;

CREATE TABLE companies (
    tenant_id   bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          int         NOT NULL,
    name        text        NOT NULL,
    identifier  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX companies_identifier ON companies (tenant_id, lower(identifier)) WHERE archived_at IS NULL;

CREATE TABLE contacts (
    tenant_id     bigint      NOT NULL,
    id            int         NOT NULL,
    company_id    int         NOT NULL,
    email         text        NOT NULL,
    first_name    text        NOT NULL,
    last_name     text        NOT NULL DEFAULT '',
    phone         text,
    password_hash text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    archived_at   timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies (tenant_id, id)
);
CREATE UNIQUE INDEX contacts_email ON contacts (tenant_id, lower(email)) WHERE archived_at IS NULL;
CREATE INDEX contacts_company ON contacts (tenant_id, company_id);

-- Secrets below are stored only as SHA-256 hashes of the full token.
CREATE TABLE api_keys (
    tenant_id    bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           text        NOT NULL,
    name         text        NOT NULL,
    key_hash     bytea       NOT NULL,
    key_prefix   text        NOT NULL,
    scope        text        NOT NULL CHECK (scope IN ('read', 'read_write')),
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys (tenant_id, key_hash);

CREATE TABLE personal_access_tokens (
    tenant_id    bigint      NOT NULL,
    id           text        NOT NULL,
    member_id    int         NOT NULL,
    name         text        NOT NULL,
    token_hash   bytea       NOT NULL,
    token_prefix text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);
CREATE UNIQUE INDEX personal_access_tokens_hash ON personal_access_tokens (tenant_id, token_hash);
CREATE INDEX personal_access_tokens_member ON personal_access_tokens (tenant_id, member_id);

CREATE TABLE sessions (
    tenant_id    bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id_hash      bytea       NOT NULL,
    user_kind    text        NOT NULL CHECK (user_kind IN ('contact', 'member')),
    user_id      int         NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    PRIMARY KEY (tenant_id, id_hash)
);
CREATE INDEX sessions_user ON sessions (tenant_id, user_kind, user_id);

-- Sign-in attempts that were not successful (yet), counted per account and per client address
-- over a sliding minute. An attempt is written before its password is checked, so concurrent
-- guesses cannot slip past the count; a successful one is deleted again.
CREATE TABLE login_failures (
    tenant_id    bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           bigint      GENERATED ALWAYS AS IDENTITY,
    throttle_key text        NOT NULL,
    failed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX login_failures_key ON login_failures (tenant_id, throttle_key, failed_at);
CREATE INDEX login_failures_age ON login_failures (tenant_id, failed_at);

-- Access-token signing keys (Ed25519), shared by all tenants; private halves encrypted with the server key.
CREATE TABLE signing_keys (
    kid              text        PRIMARY KEY,
    private_key_enc  bytea       NOT NULL,
    public_key       bytea       NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    retire_after     timestamptz NOT NULL
);
