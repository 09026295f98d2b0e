//! Tickets: their rows and fields, the history, the notes, and the staff search. Every ticket
//! read names what it references, through the column list below.

pub mod find;
pub mod history;
pub mod listed;
pub mod notes;
pub mod read;
pub mod rows;
pub mod words;
pub mod write;

pub use find::*;
pub use history::*;
pub use notes::*;
pub use read::*;
pub use rows::*;
pub use write::*;

// Names come from scalar subqueries, not joins: nine joined tables cost PostgreSQL more to plan
// (milliseconds, on every execution of a custom plan) than the primary-key lookups cost to run.
/// The columns of a [`TicketRow`], read from `tickets t`.
macro_rules! columns {
    () => {
        "t.id, t.summary, t.description,
        t.request_type_id, (SELECT name FROM request_types WHERE tenant_id = t.tenant_id AND id = t.request_type_id) AS request_type_name,
        t.queue_id, (SELECT name FROM queues WHERE tenant_id = t.tenant_id AND id = t.queue_id) AS queue_name,
        t.status_id, (SELECT name FROM statuses WHERE tenant_id = t.tenant_id AND id = t.status_id) AS status_name,
        t.priority_id, (SELECT name FROM priorities WHERE tenant_id = t.tenant_id AND id = t.priority_id) AS priority_name,
        t.source_id, (SELECT name FROM sources WHERE tenant_id = t.tenant_id AND id = t.source_id) AS source_name,
        t.category_ids, t.tags, t.custom_fields,
        t.contact_id, (SELECT trim(first_name || ' ' || last_name) FROM contacts WHERE tenant_id = t.tenant_id AND id = t.contact_id) AS contact_name,
        t.company_id, (SELECT name FROM companies WHERE tenant_id = t.tenant_id AND id = t.company_id) AS company_name,
        t.contact_group_id, (SELECT name FROM contact_groups WHERE tenant_id = t.tenant_id AND id = t.contact_group_id) AS contact_group_name,
        t.is_closed, t.approval, t.merged_into, t.version, t.created_at, t.updated_at, t.closed_at, t.archived_at,
        (SELECT to_jsonb(s) FROM ticket_slas s WHERE s.tenant_id = t.tenant_id AND s.ticket_id = t.id) AS sla,
        (SELECT to_jsonb(r) FROM survey_responses r WHERE r.tenant_id = t.tenant_id AND r.ticket_id = t.id AND r.answered_at IS NOT NULL) AS survey"
    };
}
use columns;
