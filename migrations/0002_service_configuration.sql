-- Service configuration: queues (boards) with their own statuses, priorities, sources, and the
-- service catalogue (service groups and request types). Every row is tenant-owned, ids per tenant.

CREATE TABLE queues (
    tenant_id   bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          int         NOT NULL,
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX queues_name ON queues (tenant_id, lower(name)) WHERE archived_at IS NULL;

-- Each queue has its own statuses: open or closed, exactly one default (where new tickets start),
-- and at most one status each for "approval granted" and "approval declined".
CREATE TABLE statuses (
    tenant_id     bigint      NOT NULL,
    id            int         NOT NULL,
    queue_id      int         NOT NULL,
    name          text        NOT NULL,
    is_closed     boolean     NOT NULL DEFAULT false,
    is_default    boolean     NOT NULL DEFAULT false,
    approval_role text        CHECK (approval_role IN ('granted', 'declined')),
    sort_order    int         NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    archived_at   timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, queue_id) REFERENCES queues (tenant_id, id),
    CHECK (NOT (is_default AND is_closed))
);
CREATE UNIQUE INDEX statuses_name ON statuses (tenant_id, queue_id, lower(name)) WHERE archived_at IS NULL;
CREATE UNIQUE INDEX statuses_default ON statuses (tenant_id, queue_id) WHERE is_default AND archived_at IS NULL;
CREATE UNIQUE INDEX statuses_approval ON statuses (tenant_id, queue_id, approval_role)
    WHERE approval_role IS NOT NULL AND archived_at IS NULL;

CREATE TABLE priorities (
    tenant_id   bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          int         NOT NULL,
    name        text        NOT NULL,
    sort_order  int         NOT NULL DEFAULT 0,
    colour      text        NOT NULL CHECK (colour ~ '^#[0-9a-f]{6}$'),
    is_default  boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX priorities_name ON priorities (tenant_id, lower(name)) WHERE archived_at IS NULL;
CREATE UNIQUE INDEX priorities_default ON priorities (tenant_id) WHERE is_default AND archived_at IS NULL;

CREATE TABLE sources (
    tenant_id   bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          int         NOT NULL,
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX sources_name ON sources (tenant_id, lower(name)) WHERE archived_at IS NULL;

CREATE TABLE service_groups (
    tenant_id   bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          int         NOT NULL,
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX service_groups_name ON service_groups (tenant_id, lower(name)) WHERE archived_at IS NULL;

-- Request types (service types): what a contact can ask for, and where such tickets start.
CREATE TABLE request_types (
    tenant_id           bigint      NOT NULL,
    id                  int         NOT NULL,
    name                text        NOT NULL,
    description         text        NOT NULL DEFAULT '',
    service_group_id    int,
    default_queue_id    int         NOT NULL,
    default_priority_id int         NOT NULL,
    requires_approval   boolean     NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    archived_at         timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, service_group_id) REFERENCES service_groups (tenant_id, id),
    FOREIGN KEY (tenant_id, default_queue_id) REFERENCES queues (tenant_id, id),
    FOREIGN KEY (tenant_id, default_priority_id) REFERENCES priorities (tenant_id, id)
);
CREATE UNIQUE INDEX request_types_name ON request_types (tenant_id, lower(name)) WHERE archived_at IS NULL;
CREATE INDEX request_types_group ON request_types (tenant_id, service_group_id);

-- Categories and tags that tickets are filed under.
CREATE TABLE categories (
    tenant_id   bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          int         NOT NULL,
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX categories_name ON categories (tenant_id, lower(name)) WHERE archived_at IS NULL;

CREATE TABLE tags (
    tenant_id   bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          int         NOT NULL,
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX tags_name ON tags (tenant_id, lower(name)) WHERE archived_at IS NULL;

-- Custom ticket fields: a typed value per ticket under `key`, validated by its definition.
CREATE TABLE custom_fields (
    tenant_id   bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          int         NOT NULL,
    key         text        NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,49}$'),
    label       text        NOT NULL,
    field_type  text        NOT NULL CHECK (field_type IN ('text', 'number', 'date', 'boolean', 'single_choice', 'multiple_choice')),
    required    boolean     NOT NULL DEFAULT false,
    choices     text[]      NOT NULL DEFAULT '{}',
    min_value   double precision,
    max_value   double precision,
    max_length  int,
    sort_order  int         NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX custom_fields_key ON custom_fields (tenant_id, key) WHERE archived_at IS NULL;
