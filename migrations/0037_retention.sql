-- The retention job removes what grows without bound in batches, oldest first. These small BRIN
-- indexes find old rows of the append-mostly tables without scanning them, at next to no cost to
-- the writes.
CREATE INDEX events_age ON events USING brin (created_at);
CREATE INDEX webhook_deliveries_age ON webhook_deliveries USING brin (created_at);
CREATE INDEX email_messages_age ON email_messages USING brin (created_at);
CREATE INDEX email_inbound_age ON email_inbound USING brin (received_at);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX login_codes_expiry ON login_codes (expires_at);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
