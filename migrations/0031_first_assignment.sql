-- When each ticket was first given an assignee, kept with its other facts, so a page of tickets
-- reads it with one primary-key lookup instead of searching the ticket's history.
ALTER TABLE ticket_facts ADD COLUMN first_assigned_at timestamptz;

UPDATE ticket_facts f SET first_assigned_at = x.at
FROM (SELECT tenant_id, ticket_id, min(at) AS at FROM (
          SELECT tenant_id, ticket_id, created_at AS at FROM ticket_activities WHERE kind = 'assigned'
          UNION ALL
          SELECT tenant_id, ticket_id, assigned_at FROM ticket_assignees) given
      GROUP BY tenant_id, ticket_id) x
WHERE f.tenant_id = x.tenant_id AND f.ticket_id = x.ticket_id;
