-- Live (unarchived) tickets per queue, status and open/closed, kept by statement-level triggers, so
-- a queue view's total is a sum of a few rows rather than a count of every matching ticket.

CREATE TABLE ticket_counts (
    tenant_id bigint  NOT NULL,
    queue_id  int     NOT NULL,
    status_id int     NOT NULL,
    is_closed boolean NOT NULL,
    live      bigint  NOT NULL,
    PRIMARY KEY (tenant_id, queue_id, status_id, is_closed)
);

CREATE FUNCTION count_live_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ticket_counts AS c (tenant_id, queue_id, status_id, is_closed, live)
        SELECT tenant_id, queue_id, status_id, is_closed, count(*) FROM new_rows
        WHERE archived_at IS NULL GROUP BY 1, 2, 3, 4
        ON CONFLICT (tenant_id, queue_id, status_id, is_closed) DO UPDATE SET live = c.live + EXCLUDED.live;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE ticket_counts c SET live = c.live - d.n
        FROM (SELECT tenant_id, queue_id, status_id, is_closed, count(*) AS n FROM old_rows
              WHERE archived_at IS NULL GROUP BY 1, 2, 3, 4) d
        WHERE c.tenant_id = d.tenant_id AND c.queue_id = d.queue_id AND c.status_id = d.status_id
          AND c.is_closed = d.is_closed;
    ELSE
        -- Most updates move nothing: only non-zero differences are written.
        INSERT INTO ticket_counts AS c (tenant_id, queue_id, status_id, is_closed, live)
        SELECT tenant_id, queue_id, status_id, is_closed, sum(d) FROM (
            SELECT tenant_id, queue_id, status_id, is_closed, 1 AS d FROM new_rows WHERE archived_at IS NULL
            UNION ALL
            SELECT tenant_id, queue_id, status_id, is_closed, -1 FROM old_rows WHERE archived_at IS NULL) x
        GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0
        ON CONFLICT (tenant_id, queue_id, status_id, is_closed) DO UPDATE SET live = c.live + EXCLUDED.live;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER tickets_counted_on_insert AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_live_tickets();
CREATE TRIGGER tickets_counted_on_update AFTER UPDATE ON tickets
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_live_tickets();
CREATE TRIGGER tickets_counted_on_delete AFTER DELETE ON tickets
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION count_live_tickets();

INSERT INTO ticket_counts (tenant_id, queue_id, status_id, is_closed, live)
SELECT tenant_id, queue_id, status_id, is_closed, count(*) FROM tickets
WHERE archived_at IS NULL GROUP BY 1, 2, 3, 4;
