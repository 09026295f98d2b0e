-- Each count is spread over up to 16 rows (a slot per writing backend), so transactions that
-- create or move tickets in the same queue and status at once no longer wait for each other on
-- one row until commit. Readers already sum the rows they match; a slot may go below zero (a
-- ticket counted in one slot and moved by a backend writing another), the sum stays exact.
ALTER TABLE ticket_counts ADD COLUMN slot smallint NOT NULL DEFAULT 0;
ALTER TABLE ticket_counts DROP CONSTRAINT ticket_counts_pkey,
    ADD PRIMARY KEY (tenant_id, queue_id, status_id, is_closed, slot);

CREATE OR REPLACE FUNCTION count_live_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ticket_counts AS c (tenant_id, queue_id, status_id, is_closed, slot, live)
        SELECT tenant_id, queue_id, status_id, is_closed, pg_backend_pid() % 16, count(*) FROM new_rows
        WHERE archived_at IS NULL GROUP BY 1, 2, 3, 4
        ON CONFLICT (tenant_id, queue_id, status_id, is_closed, slot)
            DO UPDATE SET live = c.live + EXCLUDED.live;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO ticket_counts AS c (tenant_id, queue_id, status_id, is_closed, slot, live)
        SELECT tenant_id, queue_id, status_id, is_closed, pg_backend_pid() % 16, -count(*) FROM old_rows
        WHERE archived_at IS NULL GROUP BY 1, 2, 3, 4
        ON CONFLICT (tenant_id, queue_id, status_id, is_closed, slot)
            DO UPDATE SET live = c.live + EXCLUDED.live;
    ELSE
        -- Most updates move nothing: only non-zero differences are written.
        INSERT INTO ticket_counts AS c (tenant_id, queue_id, status_id, is_closed, slot, live)
        SELECT tenant_id, queue_id, status_id, is_closed, pg_backend_pid() % 16, sum(d) FROM (
            SELECT tenant_id, queue_id, status_id, is_closed, 1 AS d FROM new_rows WHERE archived_at IS NULL
            UNION ALL
            SELECT tenant_id, queue_id, status_id, is_closed, -1 FROM old_rows WHERE archived_at IS NULL) x
        GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0
        ON CONFLICT (tenant_id, queue_id, status_id, is_closed, slot)
            DO UPDATE SET live = c.live + EXCLUDED.live;
    END IF;
    RETURN NULL;
END $$;
