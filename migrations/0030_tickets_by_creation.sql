-- Lists newest-created first (deskd's `sort=-created`, Desk365's default order) page from an index
-- range instead of sorting every live ticket of the tenant.
CREATE INDEX tickets_live_created ON tickets (tenant_id, created_at DESC, id DESC)
    WHERE archived_at IS NULL;
