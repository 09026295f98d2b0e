-- A tenant's plan: the rate limits that differ from the server's defaults (absent = default).
ALTER TABLE tenants
    ADD COLUMN rate_limits jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(rate_limits) = 'object');
