-- The Learning Center: knowledge-base articles in Markdown, in sections of categories, each
-- article for an audience, drafted and published, with every saved revision kept, files from the
-- attachment store, views and "was this helpful" votes, and full-text search.

CREATE TABLE learning_categories (
    tenant_id   bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          int         NOT NULL,
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    position    int         NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE learning_sections (
    tenant_id   bigint      NOT NULL,
    id          int         NOT NULL,
    category_id int         NOT NULL,
    name        text        NOT NULL,
    position    int         NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, category_id) REFERENCES learning_categories (tenant_id, id)
);
CREATE INDEX learning_sections_category ON learning_sections (tenant_id, category_id);

CREATE TABLE learning_articles (
    tenant_id         bigint      NOT NULL,
    id                int         NOT NULL,
    section_id        int         NOT NULL,
    title             text        NOT NULL,
    body              text        NOT NULL,
    -- The body rendered and sanitised, and its plain words (for search and excerpts).
    body_html         text        NOT NULL,
    body_text         text        NOT NULL,
    state             text        NOT NULL CHECK (state IN ('draft', 'published')),
    audience          text        NOT NULL DEFAULT 'everyone'
        CHECK (audience IN ('everyone', 'companies', 'contact_groups', 'members')),
    company_ids       int[]       NOT NULL DEFAULT '{}',
    contact_group_ids int[]       NOT NULL DEFAULT '{}',
    position          int         NOT NULL DEFAULT 0,
    revision          int         NOT NULL DEFAULT 1,
    view_count        bigint      NOT NULL DEFAULT 0,
    helpful_count     int         NOT NULL DEFAULT 0,
    unhelpful_count   int         NOT NULL DEFAULT 0,
    search            tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', left(body_text, 200000)), 'B')) STORED,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    published_at      timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, section_id) REFERENCES learning_sections (tenant_id, id)
);
CREATE INDEX learning_articles_section ON learning_articles (tenant_id, section_id, position, id);
CREATE INDEX learning_articles_search ON learning_articles USING gin (search);

-- Every saved version of an article, numbered from 1.
CREATE TABLE learning_article_revisions (
    tenant_id  bigint      NOT NULL,
    article_id int         NOT NULL,
    revision   int         NOT NULL,
    title      text        NOT NULL,
    body       text        NOT NULL,
    state      text        NOT NULL,
    edited_by  text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, article_id, revision),
    FOREIGN KEY (tenant_id, article_id) REFERENCES learning_articles (tenant_id, id) ON DELETE CASCADE
);

-- Images and files an article keeps from the attachment store.
CREATE TABLE learning_article_files (
    tenant_id     bigint NOT NULL,
    article_id    int    NOT NULL,
    attachment_id uuid   NOT NULL,
    PRIMARY KEY (tenant_id, article_id, attachment_id),
    FOREIGN KEY (tenant_id, article_id) REFERENCES learning_articles (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, attachment_id) REFERENCES attachments (tenant_id, id)
);

-- One vote per person and article; a later vote replaces the earlier.
CREATE TABLE learning_votes (
    tenant_id  bigint      NOT NULL,
    article_id int         NOT NULL,
    voter_kind text        NOT NULL,
    voter_id   text        NOT NULL,
    helpful    boolean     NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, article_id, voter_kind, voter_id),
    FOREIGN KEY (tenant_id, article_id) REFERENCES learning_articles (tenant_id, id) ON DELETE CASCADE
);
