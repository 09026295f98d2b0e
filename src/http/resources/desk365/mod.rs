//! Desk365's API v3 on the tenant's host (`/apis/v3/…`): its paths, names, numbers, dates and
//! errors over deskd's own services, so an integration written for Desk365 works when only its
//! base URL and key change. The key is the tenant's API key, sent bare in `Authorization`.

mod conversations;
mod people;
pub mod shape;
mod surveys;
mod tickets;
mod writes;

use axum::{
    extract::{FromRequest, Request},
    http::header,
    response::IntoResponse,
};
use serde::{Deserialize, de::DeserializeOwned};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use self::shape::{Context, Desk365Ticket, Include};
use crate::{
    auth::{Actor, Principal, extractors::AdminCaller},
    domain::Tenant,
    error::{Error, Result},
    http::multipart::{WithFiles, read_with_files},
    service::{
        lookups::{self, Listed, PageFacts, Wanted},
        tickets::TicketDetails,
    },
    state::AppState,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ping))
        .routes(routes!(tickets::list_tickets))
        .routes(routes!(tickets::ticket_details))
        .routes(routes!(writes::create_ticket))
        .routes(routes!(writes::create_ticket_with_attachment))
        .routes(routes!(writes::update_ticket))
        .routes(routes!(conversations::activities))
        .routes(routes!(conversations::conversations))
        .routes(routes!(conversations::add_reply))
        .routes(routes!(conversations::add_reply_with_attachment))
        .routes(routes!(conversations::add_note))
        .routes(routes!(people::contacts))
        .routes(routes!(people::contact_details))
        .routes(routes!(people::companies))
        .routes(routes!(people::company_details))
        .routes(routes!(surveys::surveys))
        .routes(routes!(surveys::survey_details))
        .routes(routes!(surveys::survey_ratings))
        .routes(routes!(
            crate::http::resources::attachments::download_attachment
        ))
}

/// Check the key: answers `pong`.
#[utoipa::path(get, path = "/ping", responses((status = 200, body = String, content_type = "text/plain")))]
pub async fn ping(_: AdminCaller) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "pong",
    )
}

/// `1`/`true` on, `0`/`false`/absent off.
fn flag(value: &Option<String>, field: &str) -> Result<bool> {
    match value.as_deref().map(str::trim) {
        None | Some("" | "0" | "false") => Ok(false),
        Some("1" | "true") => Ok(true),
        Some(_) => Err(Error::bad_request(field, format!("{field} is 1 or 0"))),
    }
}

/// The `ticket_number` query parameter.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketNumber {
    pub ticket_number: Option<String>,
}

impl TicketNumber {
    fn parse(value: &Option<String>) -> Result<i32> {
        let value = value
            .as_deref()
            .ok_or_else(|| Error::bad_request("ticket_number", "ticket_number is required"))?;
        value
            .trim()
            .parse()
            .map_err(|_| Error::bad_request("ticket_number", "ticket_number is a ticket's number"))
    }
}

/// The one live row of `list` with this name; a name nothing has is a 400 naming the field.
async fn one_named(
    state: &AppState,
    tenant: &Tenant,
    list: Listed,
    name: &str,
    field: &str,
) -> Result<i32> {
    lookups::ids_named(state, tenant, list, &[name.to_string()])
        .await?
        .first()
        .copied()
        .ok_or_else(|| Error::bad_request(field, format!("no {field} is named {name}")))
}

/// Who a write is recorded as: the key, or the agent an `agent_email` names.
struct WriteAs;

impl WriteAs {
    fn caller(caller: &AdminCaller) -> Principal {
        caller.principal.clone()
    }

    async fn agent(
        state: &AppState,
        caller: &AdminCaller,
        email: Option<&str>,
    ) -> Result<Principal> {
        let Some(email) = email.filter(|e| !e.is_empty()) else {
            return Ok(Self::caller(caller));
        };
        let found = lookups::members_by_email(state, &caller.tenant, &[email.to_string()]).await?;
        let (id, role) = found.first().copied().ok_or_else(|| {
            Error::bad_request("agent_email", format!("no agent has the email {email}"))
        })?;
        if role == crate::domain::MemberRole::MasterAdmin && !caller.principal.is_master_admin() {
            return Err(Error::forbidden(
                "only a master admin may write as a master admin",
            ));
        }
        Ok(Principal {
            actor: Actor::Member { id, role },
            credential: None,
            ..caller.principal.clone()
        })
    }
}

/// What a page of tickets shows beside deskd's answer, read once for the page.
struct Facts(PageFacts);

impl Facts {
    async fn load(
        state: &AppState,
        tenant: &Tenant,
        rows: &[TicketDetails],
        surveys: bool,
    ) -> Result<Self> {
        let wanted = Wanted {
            surveys,
            assignee_emails: true,
            ..Wanted::default()
        };
        Ok(Self(
            lookups::page_facts(state, tenant, rows, wanted).await?,
        ))
    }

    fn ticket(&self, d: &TicketDetails, include: Include) -> Desk365Ticket {
        let facts = &self.0;
        let cx = Context {
            priorities: &facts.ranked.priorities,
            sources: &facts.ranked.sources,
            milestones: facts.milestones.get(&d.row.id),
            survey: facts.surveys.get(&d.row.id),
        };
        Desk365Ticket::of(d, &cx, include)
    }
}

/// A JSON body, or `multipart/form-data` with the JSON in a `ticket_object` (or `reply_object`)
/// part and files in the others.
pub struct Objects<T>(pub WithFiles<T>);

impl<T: DeserializeOwned> FromRequest<AppState> for Objects<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Error> {
        let names = ["ticket_object", "reply_object"];
        Ok(Self(read_with_files(request, state, &names).await?))
    }
}

/// The multipart form of a write with files (as OpenAPI shows it).
#[derive(utoipa::ToSchema)]
pub struct TicketObjectForm {
    /// The JSON body (`ticket_object` for a ticket, `reply_object` for a reply).
    #[schema(value_type = Object)]
    pub ticket_object: String,
    /// Files to attach: every part with a file name.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub files: Vec<String>,
}
