-- When a subscription's latest counted failure was recorded: an attempt that began before it
-- failed for the same reason (sends that fail together count once), so failures in a row are
-- counted in the order attempts were made.
ALTER TABLE webhooks ADD COLUMN last_failure_at timestamptz;
