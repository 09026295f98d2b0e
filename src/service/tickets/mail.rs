//! Tickets and notes written from email (email-to-ticket), inside the caller's transaction so the
//! message is recorded as processed in the same commit.

use sqlx::PgConnection;

use super::{
    conversation::{attach_to_note, write_note},
    create::insert,
    settle::{Draft, contact_actor, settle},
    types::Actor,
};
use crate::{
    domain::{Tenant, full_name},
    error::Result,
    files::StoredFile,
    repo::{self, configuration::NamedList, tickets::NoteRow},
    service::attachments::{self, Enclosures},
    state::AppState,
};

/// Who wrote a message deskd received.
#[derive(Clone, Copy, Debug)]
pub enum Author {
    Contact(i32),
    Member(i32),
}

async fn actor(state: &AppState, tenant: &Tenant, author: Author) -> Result<Actor> {
    match author {
        Author::Contact(id) => contact_actor(state, tenant, id).await,
        Author::Member(id) => {
            let m = crate::service::members::signed_in(state, tenant, id).await?;
            Ok(Actor {
                kind: "member",
                id: id.to_string(),
                name: full_name(&m.first_name, &m.last_name),
            })
        }
    }
}

/// Opens a ticket for the contact in `queue`, with the `Email` source, the message's text as the
/// description and its files attached.
#[allow(clippy::too_many_arguments)]
pub async fn open_from_email(
    conn: &mut PgConnection,
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    queue: i32,
    summary: String,
    description: String,
    files: Vec<StoredFile>,
) -> Result<i32> {
    let email_source =
        repo::configuration::named::list(&state.pool, NamedList::Sources, tenant.id, false)
            .await?
            .into_iter()
            .find(|s| s.name.eq_ignore_ascii_case("Email"))
            .map(|s| s.id);
    let draft = Draft {
        summary,
        description,
        request_type_id: None,
        queue_id: Some(queue),
        status_id: None,
        priority_id: None,
        source_id: email_source,
        category_ids: vec![],
        tags: vec![],
        custom_fields: Default::default(),
        contact_id: contact,
        contact_group_id: None,
    };
    let fields = settle(conn, tenant.id, draft).await?;
    let actor = actor(state, tenant, Author::Contact(contact)).await?;
    let id = insert(conn, tenant.id, &fields, &[], &actor).await?;
    let enclosures = Enclosures { ids: vec![], files };
    attachments::attach(conn, tenant.id, actor.owner(), id, None, &enclosures).await?;
    Ok(id)
}

/// Adds a reply as a note by its author (public unless `internal`), with its files.
#[allow(clippy::too_many_arguments)]
pub async fn reply_from_email(
    conn: &mut PgConnection,
    state: &AppState,
    tenant: &Tenant,
    ticket: i32,
    author: Author,
    body: &str,
    internal: bool,
    files: Vec<StoredFile>,
) -> Result<NoteRow> {
    let actor = actor(state, tenant, author).await?;
    let mut note = write_note(conn, tenant.id, ticket, &actor, body, internal, None).await?;
    let enclosures = Enclosures { ids: vec![], files };
    attach_to_note(conn, tenant.id, &actor, &mut note, &enclosures).await?;
    Ok(note)
}
