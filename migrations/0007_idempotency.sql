-- Answers to POSTs made with an Idempotency-Key, replayed to retries for 24 hours.
CREATE TABLE idempotency_keys (
    tenant_id     bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- Who asked: `api_key:{id}`, `member:{id}` or `contact:{id}`; one caller's keys never meet another's.
    caller        text        NOT NULL,
    key           text        NOT NULL,
    request_hash  bytea       NOT NULL,
    -- NULL while the first request is still running.
    status        int,
    content_type  text,
    body          bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, caller, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (tenant_id, created_at);
