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
