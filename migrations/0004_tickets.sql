-- Tickets, their assignees, and their history (activities).

CREATE TABLE tickets (
    tenant_id        bigint      NOT NULL,
    id               int         NOT NULL,
    summary          text        NOT NULL,
    description      text        NOT NULL DEFAULT '',
    request_type_id  int,
    queue_id         int         NOT NULL,
    status_id        int         NOT NULL,
    priority_id      int         NOT NULL,
    source_id        int,
    category_ids     int[]       NOT NULL DEFAULT '{}',
    tags             text[]      NOT NULL DEFAULT '{}',
    custom_fields    jsonb       NOT NULL DEFAULT '{}',
    contact_id       int         NOT NULL,
    company_id       int         NOT NULL,
    contact_group_id int,
    is_closed        boolean     NOT NULL DEFAULT false,
    -- Bumped by every change; the ETag.
    version          int         NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    closed_at        timestamptz,
    archived_at      timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, request_type_id) REFERENCES request_types (tenant_id, id),
    FOREIGN KEY (tenant_id, queue_id) REFERENCES queues (tenant_id, id),
    FOREIGN KEY (tenant_id, status_id) REFERENCES statuses (tenant_id, id),
    FOREIGN KEY (tenant_id, priority_id) REFERENCES priorities (tenant_id, id),
    FOREIGN KEY (tenant_id, source_id) REFERENCES sources (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_group_id) REFERENCES contact_groups (tenant_id, id)
);
CREATE INDEX tickets_contact ON tickets (tenant_id, contact_id, updated_at DESC);
CREATE INDEX tickets_company ON tickets (tenant_id, company_id, updated_at DESC);
CREATE INDEX tickets_group ON tickets (tenant_id, contact_group_id, updated_at DESC) WHERE contact_group_id IS NOT NULL;
CREATE INDEX tickets_queue ON tickets (tenant_id, queue_id, is_closed, updated_at DESC);
CREATE INDEX tickets_updated ON tickets (tenant_id, updated_at DESC);

CREATE TABLE ticket_assignees (
    tenant_id   bigint      NOT NULL,
    ticket_id   int         NOT NULL,
    member_id   int         NOT NULL,
    assigned_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, ticket_id, member_id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);
CREATE INDEX ticket_assignees_member ON ticket_assignees (tenant_id, member_id);

-- Every change to a ticket: who, when, what changed, from, to.
CREATE TABLE ticket_activities (
    tenant_id  bigint      NOT NULL,
    id         bigint      GENERATED ALWAYS AS IDENTITY,
    ticket_id  int         NOT NULL,
    kind       text        NOT NULL,
    field      text,
    old_value  jsonb,
    new_value  jsonb,
    actor_kind text        NOT NULL CHECK (actor_kind IN ('member', 'contact', 'api_key', 'system')),
    actor_id   text        NOT NULL,
    actor_name text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
);
CREATE INDEX ticket_activities_ticket ON ticket_activities (tenant_id, ticket_id, id);
