//! The history: every change is an activity and, in the same transaction, a domain event.

use serde_json::{Value, json};
use sqlx::PgConnection;

use super::types::Actor;
use crate::{
    domain::TenantId,
    error::Result,
    repo::{self, tickets::NewActivity},
    service::{analytics, events, sla, surveys},
};

/// One entry of a ticket's history: the kind of change and, for a field, from what to what.
pub(super) struct Entry<'a> {
    kind: &'a str,
    field: Option<&'a str>,
    from: Option<Value>,
    to: Option<Value>,
}

impl<'a> Entry<'a> {
    /// A change of the ticket as a whole: `created`, `closed`, `archived`, …
    pub(super) fn of(kind: &'a str) -> Self {
        Self::new(kind, None, None, None)
    }

    pub(super) fn new(
        kind: &'a str,
        field: Option<&'a str>,
        from: Option<Value>,
        to: Option<Value>,
    ) -> Self {
        Self {
            kind,
            field,
            from,
            to,
        }
    }
}

/// Writes the entry to the ticket's history and, in the same transaction, as domain events; then
/// keeps what follows from it: the SLA clocks, the analytics facts, and the survey a close sends.
pub(super) async fn record(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    actor: &Actor,
    entry: Entry<'_>,
) -> Result<()> {
    let (kind, field) = (entry.kind, entry.field);
    let happening = sla::Happening::of(kind, field, entry.to.as_ref(), actor.kind);
    write(conn, tenant, ticket, actor, entry).await?;
    let met = match happening {
        Some(happening) => sla::on_entry(conn, tenant, ticket, happening).await?,
        None => vec![],
    };
    analytics::facts::on_entry(conn, tenant, ticket, kind, happening, &met).await?;
    if kind == "closed"
        && let Some(sent) = surveys::send_on_close(conn, tenant, ticket).await?
    {
        let to =
            Some(json!({"surveyId": sent.survey_id, "name": sent.survey_name, "kind": sent.kind}));
        let entry = Entry::new("survey_sent", Some("survey"), None, to);
        write(conn, tenant, ticket, actor, entry).await?;
    }
    Ok(())
}

/// The history entry and its events, nothing more.
async fn write(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    actor: &Actor,
    entry: Entry<'_>,
) -> Result<()> {
    let Entry {
        kind,
        field,
        from: old_value,
        to: new_value,
    } = entry;
    let event_types = events::ticket_event_types(kind, field);
    let payload = (!event_types.is_empty()).then(|| {
        json!({
            "ticketId": ticket,
            "change": {"type": kind, "field": field, "from": old_value, "to": new_value},
            "by": {"userType": actor.kind, "id": actor.id, "name": actor.name},
        })
    });
    let activity = NewActivity {
        kind,
        field,
        old_value,
        new_value,
        actor_kind: actor.kind,
        actor_id: &actor.id,
        actor_name: &actor.name,
    };
    repo::tickets::insert_activity(conn, tenant, ticket, &activity).await?;
    // Every entry of the history is also a domain event, in the same transaction.
    for event_type in event_types {
        let payload = payload.clone().unwrap_or_default();
        events::record(
            conn,
            tenant,
            event_type,
            "ticket",
            ticket.to_string(),
            payload,
        )
        .await?;
    }
    Ok(())
}

/// Records a contact's survey answer in the ticket's history (a `survey.responded` event), and
/// gives the ticket a new version, as its `survey` changed.
pub async fn record_survey_answer(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    actor: &Actor,
    answer: Value,
) -> Result<()> {
    repo::tickets::touch(&mut *conn, tenant, ticket).await?;
    let entry = Entry::new("survey_responded", Some("survey"), None, Some(answer));
    write(conn, tenant, ticket, actor, entry).await
}

/// Records a change to something a ticket holds (its task lists): a new version, and a history
/// entry for `field` (so a `ticket.updated` event), in the caller's transaction.
pub async fn record_change(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    actor: &Actor,
    field: &str,
    new_value: Value,
) -> Result<()> {
    repo::tickets::touch(&mut *conn, tenant, ticket).await?;
    record(
        conn,
        tenant,
        ticket,
        actor,
        Entry::new("field_changed", Some(field), None, Some(new_value)),
    )
    .await
}
