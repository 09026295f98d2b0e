-- Inbound mail. A mailbox is where customers write (support@…): deskd polls it over IMAP, or a
-- mail provider posts each message to its inbound endpoint with the mailbox's secret. Every message
-- received is recorded by its Message-ID in the same transaction as the ticket or note it became,
-- so no message is processed twice, across restarts and instances.

CREATE TABLE email_mailboxes (
    tenant_id             bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id                    uuid        NOT NULL,
    name                  text        NOT NULL,
    -- The address customers write to; mail from it is deskd's own and is ignored.
    address               text        NOT NULL,
    -- Where new tickets go.
    queue_id              int         NOT NULL,
    -- What a message from an unknown address does: `create` the contact (in the company whose
    -- contacts share its domain, else `default_company_id`), or `reject` it.
    unknown_senders       text        NOT NULL DEFAULT 'reject' CHECK (unknown_senders IN ('create', 'reject')),
    default_company_id    int,
    -- SHA-256 of the inbound endpoint's secret.
    inbound_secret_hash   bytea       NOT NULL,
    -- IMAP polling, when a host is set.
    imap_host             text,
    imap_port             int         CHECK (imap_port BETWEEN 1 AND 65535),
    imap_tls              text        CHECK (imap_tls IN ('implicit', 'starttls', 'none')),
    imap_user             text,
    imap_password_sealed  bytea,
    imap_folder           text        NOT NULL DEFAULT 'INBOX',
    -- Processed messages move here (when set) or are marked \Seen.
    processed_folder      text,
    enabled               boolean     NOT NULL DEFAULT true,
    -- Where polling got to: messages above `last_uid` in a folder of this UIDVALIDITY are new.
    uid_validity          bigint,
    last_uid              bigint      NOT NULL DEFAULT 0,
    -- One instance polls a mailbox at a time: it holds the lease.
    lease_until           timestamptz,
    next_poll_at          timestamptz NOT NULL DEFAULT now(),
    poll_failures         int         NOT NULL DEFAULT 0,
    last_polled_at        timestamptz,
    last_error            text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id)
);

CREATE TABLE email_inbound (
    tenant_id   bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          bigint      GENERATED ALWAYS AS IDENTITY,
    mailbox_id  uuid        NOT NULL,
    message_id  text        NOT NULL,
    sender      text        NOT NULL,
    subject     text        NOT NULL,
    -- `ticket` (opened one), `note` (added a reply), `ignored` (noise, loops) or `rejected`.
    outcome     text        NOT NULL CHECK (outcome IN ('ticket', 'note', 'ignored', 'rejected')),
    ticket_id   int,
    reason      text,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, message_id),
    FOREIGN KEY (tenant_id, mailbox_id) REFERENCES email_mailboxes (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX email_inbound_log ON email_inbound (tenant_id, mailbox_id, id DESC);
