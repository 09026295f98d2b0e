//! What the ticket use cases share: the ticket as loaded, who looks at it, who acts on it,
//! and the limits of what may be written.

use crate::{
    auth::{Actor as PrincipalActor, Principal},
    domain::{Reference, Tenant, tickets::Scope},
    error::Result,
    repo::{
        self,
        attachments::AttachmentRow,
        tickets::{ActivityRow, NoteRow, TicketRow},
    },
    state::AppState,
};

pub const MAX_SUMMARY: usize = 250;

pub const MAX_DESCRIPTION: usize = 100_000;

pub const MAX_ASSIGNEES: usize = 20;

/// The most tickets one bulk update may change.
pub const MAX_BULK: usize = 100;

pub const MAX_NOTE: usize = 100_000;

pub const MAX_HOURS: f64 = 24.0;

/// A ticket with its assignees, categories, notes, files and history. What reaches a contact
/// passes through `for_contact` first.
pub struct TicketDetails {
    pub row: TicketRow,
    pub assignees: Vec<Reference>,
    pub categories: Vec<Reference>,
    pub notes: Vec<NoteRow>,
    pub activities: Vec<ActivityRow>,
    pub attachments: Vec<AttachmentRow>,
}

impl TicketDetails {
    /// What a contact may see: no internal notes, none of their files, no history.
    pub fn for_contact(mut self) -> Self {
        self.notes.retain(|n| !n.is_internal);
        self.attachments.retain(|a| !a.is_internal);
        self.activities.clear();
        self
    }
}

/// Who asks to see tickets.
#[derive(Clone, Copy)]
pub enum Viewer {
    /// Members and API keys see every ticket of the tenant.
    Staff,
    Contact {
        id: i32,
        company_id: i32,
    },
}

/// Who did something, as a ticket's history names them.
pub struct Actor {
    pub kind: &'static str,
    pub id: String,
    pub name: String,
}

impl Actor {
    /// As an attachment's uploader is stored.
    pub fn owner(&self) -> (&str, &str) {
        (self.kind, &self.id)
    }

    pub async fn of(state: &AppState, tenant: &Tenant, principal: &Principal) -> Result<Self> {
        Ok(match &principal.actor {
            PrincipalActor::Member { id, .. } => {
                let m = crate::service::members::signed_in(state, tenant, *id).await?;
                Actor {
                    kind: "member",
                    id: id.to_string(),
                    name: crate::domain::full_name(&m.first_name, &m.last_name),
                }
            }
            PrincipalActor::Contact { id, .. } => {
                let c = crate::service::contacts::signed_in(state, tenant, *id).await?;
                Actor {
                    kind: "contact",
                    id: id.to_string(),
                    name: crate::domain::full_name(&c.first_name, &c.last_name),
                }
            }
            PrincipalActor::ApiKey { id, .. } => {
                let key = repo::credentials::get_api_key(&state.pool, tenant.id, id).await?;
                Actor {
                    kind: "api_key",
                    id: id.clone(),
                    name: key
                        .map_or_else(|| "API key".to_string(), |k| format!("API key {}", k.name)),
                }
            }
        })
    }
}

/// Which of a contact's tickets, and which page of them.
pub struct ContactListing {
    pub scope: Scope,
    /// Open only (`Some(false)`), closed only (`Some(true)`), or both.
    pub closed: Option<bool>,
    /// Only tickets awaiting approval.
    pub awaiting_approval: bool,
    pub skip: i64,
    pub take: i64,
}

/// The version a client last saw (`If-Match`); a change is refused when the ticket has moved on.
#[derive(Clone, Copy, Debug)]
pub enum Precondition {
    None,
    Version(i32),
    /// An `If-Match` that names no version of ours.
    Unmatchable,
}

/// A staff search: filters, order and page.
pub struct Search {
    pub filter: repo::tickets::TicketFilter,
    pub order: repo::tickets::TicketOrder,
    pub descending: bool,
    pub skip: i64,
    pub take: i64,
}
