//! The configuration every new tenant starts with.

use sqlx::PgConnection;

use crate::{
    domain::{TenantId, configuration::ApprovalRole},
    repo::configuration::{
        NamedList, named,
        priorities::{self, PriorityFields},
        queues,
        request_types::{self, RequestTypeFields},
        statuses::{self, StatusFields},
    },
};

/// Name, closed, default, approval role: the statuses every queue starts with.
const STATUSES: &[(&str, bool, bool, Option<ApprovalRole>)] = &[
    ("New", false, true, None),
    ("In Progress", false, false, None),
    ("Waiting on Customer", false, false, None),
    (
        "Approval Granted",
        false,
        false,
        Some(ApprovalRole::Granted),
    ),
    (
        "Approval Declined",
        true,
        false,
        Some(ApprovalRole::Declined),
    ),
    ("Resolved", true, false, None),
    ("Closed", true, false, None),
];
const PRIORITIES: &[(&str, &str, bool)] = &[
    ("Low", "#4caf50", false),
    ("Medium", "#2196f3", true),
    ("High", "#ff9800", false),
    ("Urgent", "#f44336", false),
];
const SOURCES: &[&str] = &[
    "Email",
    "Microsoft Teams",
    "Portal",
    "Phone",
    "Web form",
    "Web widget",
];

/// A new tenant's configuration: the `Support` queue with the usual statuses, the four priorities,
/// the six sources, and a `General request` type in a `General` service group.
pub async fn seed(conn: &mut PgConnection, tenant: TenantId) -> Result<(), sqlx::Error> {
    let queue = queues::insert(conn, tenant, "Support", "The default queue").await?;
    insert_statuses(conn, tenant, queue.id).await?;
    let mut medium = 0;
    for (order, (name, colour, is_default)) in PRIORITIES.iter().enumerate() {
        let fields = PriorityFields {
            name,
            sort_order: order as i32,
            colour,
            is_default: *is_default,
        };
        let p = priorities::insert(conn, tenant, &fields).await?;
        if *is_default {
            medium = p.id;
        }
    }
    for name in SOURCES {
        named::insert(conn, NamedList::Sources, tenant, name, "").await?;
    }
    let group = named::insert(
        conn,
        NamedList::ServiceGroups,
        tenant,
        "General",
        "Everyday requests",
    )
    .await?;
    let fields = RequestTypeFields {
        name: "General request",
        description: "Anything that fits no other request type",
        service_group_id: Some(group.id),
        default_queue_id: queue.id,
        default_priority_id: medium,
        requires_approval: false,
        form_id: None,
        form_placement: Default::default(),
    };
    request_types::insert(conn, tenant, &fields).await?;
    Ok(())
}

/// The standard statuses of a new queue (New … Closed, and the two approval statuses).
pub async fn insert_statuses(
    conn: &mut PgConnection,
    tenant: TenantId,
    queue: i32,
) -> Result<(), sqlx::Error> {
    for (order, (name, is_closed, is_default, approval_role)) in STATUSES.iter().enumerate() {
        let fields = StatusFields {
            name,
            is_closed: *is_closed,
            is_default: *is_default,
            approval_role: *approval_role,
            sort_order: order as i32,
        };
        statuses::insert(conn, tenant, queue, &fields).await?;
    }
    Ok(())
}
