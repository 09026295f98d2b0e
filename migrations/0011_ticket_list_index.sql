-- The tech portal's queue view (live tickets of a queue, open or closed, newest change first) reads
-- this index alone, in order, and counts from it without visiting the table.
CREATE INDEX tickets_live_queue ON tickets (tenant_id, queue_id, is_closed, updated_at DESC, id DESC)
    WHERE archived_at IS NULL;
DROP INDEX tickets_queue;
-- The default listing (every live ticket, newest change first).
CREATE INDEX tickets_live_updated ON tickets (tenant_id, updated_at DESC, id DESC) WHERE archived_at IS NULL;
