-- Task lists on tickets (checklists), and the templates admins keep to add them from.

CREATE TABLE task_templates (
    tenant_id  bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id         uuid        NOT NULL,
    name       text        NOT NULL,
    tasks      text[]      NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX task_templates_name ON task_templates (tenant_id, lower(name));

CREATE TABLE ticket_task_lists (
    tenant_id   bigint      NOT NULL,
    id          uuid        NOT NULL,
    ticket_id   int         NOT NULL,
    name        text        NOT NULL,
    -- The template it was made from; kept as a plain id, as the template may be deleted later.
    template_id uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
);
CREATE INDEX ticket_task_lists_ticket ON ticket_task_lists (tenant_id, ticket_id, created_at);

CREATE TABLE ticket_tasks (
    tenant_id    bigint      NOT NULL,
    id           uuid        NOT NULL,
    list_id      uuid        NOT NULL,
    position     int         NOT NULL,
    text         text        NOT NULL,
    completed_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, list_id, position),
    FOREIGN KEY (tenant_id, list_id) REFERENCES ticket_task_lists (tenant_id, id) ON DELETE CASCADE
);
