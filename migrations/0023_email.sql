-- Outbound mail. A tenant's sender (its SMTP server), its templates (only those an admin replaced;
-- the shipped defaults live in code) and its notification rules (only those changed from the
-- defaults). Mail is planned from events: a trigger writes an `email_jobs` row in the same
-- transaction as the event, so nothing committed is lost; a worker turns each job into one message
-- per recipient and sends them, retrying with back-off.

CREATE TABLE email_settings (
    tenant_id             bigint      PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    enabled               boolean     NOT NULL DEFAULT false,
    smtp_host             text        NOT NULL,
    smtp_port             int         NOT NULL CHECK (smtp_port BETWEEN 1 AND 65535),
    tls                   text        NOT NULL CHECK (tls IN ('implicit', 'starttls', 'none')),
    smtp_user             text,
    -- Encrypted with the server key; never returned.
    smtp_password_sealed  bytea,
    from_name             text        NOT NULL,
    from_address          text        NOT NULL,
    reply_to              text,
    -- Optional DKIM signing: the domain, selector and sealed RSA private key (PKCS#1 or PKCS#8 PEM).
    dkim_domain           text,
    dkim_selector         text,
    dkim_key_sealed       bytea,
    updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE email_templates (
    tenant_id  bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind       text        NOT NULL,
    subject    text        NOT NULL,
    html       text        NOT NULL,
    -- NULL: generated from the HTML.
    text       text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, kind)
);

CREATE TABLE email_rules (
    tenant_id  bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    rule       text        NOT NULL,
    enabled    boolean     NOT NULL,
    -- `status_changed` only: the statuses that mail the contact.
    status_ids int[]       NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, rule)
);

-- A person who does not want the mail of a rule (rules that must reach them cannot be refused).
CREATE TABLE email_opt_outs (
    tenant_id   bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    person_kind text        NOT NULL CHECK (person_kind IN ('contact', 'member')),
    person_id   int         NOT NULL,
    rule        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, person_kind, person_id, rule)
);

-- What may mail someone, waiting to be planned into messages: an event (`event:{id}`) or a
-- broadcast sent also by email (`broadcast:{id}`).
CREATE TABLE email_jobs (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    source          text        NOT NULL,
    attempts        int         NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, source)
);
CREATE INDEX email_jobs_due ON email_jobs (next_attempt_at);

-- One message to one recipient: the outbox and, once sent, the send log. The rendered message is
-- sealed (a login code must not rest in clear) and dropped once sent; what the log shows stays.
CREATE TABLE email_messages (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- The job it was planned from; NULL for login codes and test sends. One message per source,
    -- rule and recipient, however often planning is retried.
    source          text,
    rule            text        NOT NULL,
    template        text        NOT NULL,
    recipient       text        NOT NULL,
    person_kind     text        CHECK (person_kind IN ('contact', 'member')),
    person_id       int,
    ticket_id       int,
    subject         text        NOT NULL,
    -- The RFC 5322 Message-ID (without brackets): replies thread by it.
    message_id      text        NOT NULL,
    raw_sealed      bytea,
    state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts        int         NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- The SMTP server's last answer, or why the send failed.
    last_answer     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    UNIQUE (tenant_id, source, rule, recipient)
);
CREATE INDEX email_messages_due ON email_messages (next_attempt_at) WHERE state = 'pending';
CREATE INDEX email_messages_log ON email_messages (tenant_id, id DESC);
CREATE INDEX email_messages_thread ON email_messages (tenant_id, message_id);

-- The events that can mail someone become jobs, when the tenant sends mail at all.
CREATE FUNCTION plan_email() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.type IN ('ticket.created', 'ticket.note_added', 'ticket.status_changed', 'ticket.closed',
                    'ticket.assigned', 'ticket.approval_requested')
       AND EXISTS (SELECT 1 FROM email_settings s WHERE s.tenant_id = NEW.tenant_id AND s.enabled) THEN
        INSERT INTO email_jobs (tenant_id, source) VALUES (NEW.tenant_id, 'event:' || NEW.id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER events_plan_email AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION plan_email();

-- Broadcasts can also go out by mail.
ALTER TABLE broadcasts ADD COLUMN also_email boolean NOT NULL DEFAULT false;
