-- Contact roles, and contact groups ("teams") inside a company.

ALTER TABLE contacts
    ADD COLUMN is_approver boolean NOT NULL DEFAULT false,
    ADD COLUMN is_vip boolean NOT NULL DEFAULT false,
    -- Sees every ticket of the company, not only their own and their groups'.
    ADD COLUMN sees_company_tickets boolean NOT NULL DEFAULT false;

CREATE TABLE contact_groups (
    tenant_id   bigint      NOT NULL,
    id          int         NOT NULL,
    company_id  int         NOT NULL,
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies (tenant_id, id)
);
CREATE UNIQUE INDEX contact_groups_name ON contact_groups (tenant_id, company_id, lower(name)) WHERE archived_at IS NULL;

-- Managers see and act on the group's tickets; members share them.
CREATE TABLE contact_group_members (
    tenant_id  bigint      NOT NULL,
    group_id   int         NOT NULL,
    contact_id int         NOT NULL,
    role       text        NOT NULL CHECK (role IN ('manager', 'member')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, group_id, contact_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES contact_groups (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX contact_group_members_contact ON contact_group_members (tenant_id, contact_id);
