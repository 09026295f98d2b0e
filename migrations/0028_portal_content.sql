-- The client portal's look and contents: branding, content pages and the menu, each page and item
-- shown to an audience (everyone, chosen companies, or members of chosen contact groups).

-- Files a tenant resource keeps (a logo, a favicon, a page's or an article's images): never swept
-- as pending, never attached to a ticket.
ALTER TABLE attachments ADD COLUMN kept boolean NOT NULL DEFAULT false;
DROP INDEX attachments_pending;
CREATE INDEX attachments_pending ON attachments (created_at)
    WHERE ticket_id IS NULL AND form_result_id IS NULL AND NOT kept;

CREATE TABLE portal_branding (
    tenant_id       bigint      PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    -- Shown instead of the tenant's name when set.
    portal_name     text        NOT NULL DEFAULT '',
    logo_id         uuid,
    favicon_id      uuid,
    primary_color   text CHECK (primary_color ~ '^#[0-9a-f]{6}$'),
    accent_color    text CHECK (accent_color ~ '^#[0-9a-f]{6}$'),
    support_email   text,
    support_phone   text,
    -- Where the portal's pages live (a custom domain or a separate front-end host); deep links
    -- redirect there. Empty: this host's `/portal`.
    portal_base_url text,
    sign_in_options text[]      NOT NULL DEFAULT '{password,login_code}',
    updated_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, logo_id) REFERENCES attachments (tenant_id, id),
    FOREIGN KEY (tenant_id, favicon_id) REFERENCES attachments (tenant_id, id)
);

CREATE TABLE content_pages (
    tenant_id         bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id                int         NOT NULL,
    title             text        NOT NULL,
    body              text        NOT NULL,
    -- The body rendered and sanitised when it is saved.
    body_html         text        NOT NULL,
    audience          text        NOT NULL DEFAULT 'everyone'
        CHECK (audience IN ('everyone', 'companies', 'contact_groups')),
    company_ids       int[]       NOT NULL DEFAULT '{}',
    contact_group_ids int[]       NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE menu_items (
    tenant_id         bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id                int         NOT NULL,
    label             text        NOT NULL,
    icon              text        NOT NULL DEFAULT '',
    position          int         NOT NULL DEFAULT 0,
    kind              text        NOT NULL CHECK (kind IN ('external_site', 'content_page',
                                      'request_type', 'form', 'learning_category')),
    url               text,
    -- External sites: the contact's access token goes along as `access_token`.
    pass_access_token boolean     NOT NULL DEFAULT false,
    open_in_new_tab   boolean     NOT NULL DEFAULT false,
    target_id         int,
    audience          text        NOT NULL DEFAULT 'everyone'
        CHECK (audience IN ('everyone', 'companies', 'contact_groups')),
    company_ids       int[]       NOT NULL DEFAULT '{}',
    contact_group_ids int[]       NOT NULL DEFAULT '{}',
    enabled           boolean     NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CHECK ((kind = 'external_site') = (url IS NOT NULL)),
    CHECK ((kind = 'external_site') = (target_id IS NULL))
);
CREATE INDEX menu_items_order ON menu_items (tenant_id, position, id);
