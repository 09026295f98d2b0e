//! Desk365's conversations: a ticket's replies and notes, adding a reply (with files) or a note.

use axum::{Json, extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    Objects, TicketNumber, WriteAs, flag,
    shape::{FacadeActivity, date},
};
use crate::{
    auth::extractors::AdminCaller,
    domain::tickets::NoteInput,
    error::{Error, Result},
    files::StoredFile,
    http::extract::{ApiJson, ApiQuery},
    markdown,
    repo::tickets::NoteRow,
    service::tickets::{self, Viewer},
    state::AppState,
};

#[derive(Serialize, ToSchema)]
pub struct Desk365Attachment {
    pub file_name: String,
    /// Where the file is downloaded with the same key.
    pub url: String,
}

/// A reply or note. `type`: `reply` (an agent's public reply), `contact_reply`, or
/// `private_note`.
#[derive(Serialize, ToSchema)]
pub struct Desk365Conversation {
    pub id: i32,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub private: bool,
    /// HTML.
    pub body: String,
    pub body_text: String,
    pub from_name: String,
    pub created_on: String,
    pub attachments: Vec<Desk365Attachment>,
}

impl From<NoteRow> for Desk365Conversation {
    fn from(n: NoteRow) -> Self {
        Self {
            id: n.id,
            kind: match (n.is_internal, n.author_kind.as_str()) {
                (true, _) => "private_note",
                (false, "contact") => "contact_reply",
                (false, _) => "reply",
            },
            private: n.is_internal,
            body: markdown::to_html(&n.body),
            body_text: markdown::to_text(&n.body),
            from_name: n.author_name,
            created_on: date(n.created_at),
            attachments: n
                .attachments
                .into_iter()
                .map(|a| Desk365Attachment {
                    url: format!("/apis/v3/attachments/{}", a.id),
                    file_name: a.name,
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConversationsQuery {
    pub ticket_number: Option<String>,
    /// `earliest_on_top` (default) or `latest_on_top`.
    pub sort_by: Option<String>,
    pub include_contact_replies: Option<String>,
    pub include_agent_replies: Option<String>,
    pub include_private_notes: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Desk365Conversations {
    pub ticket_number: i32,
    pub conversations: Vec<Desk365Conversation>,
}

/// A ticket's replies and notes (each kind included unless its `include_…` is `0`).
#[utoipa::path(get, path = "/tickets/conversations", params(ConversationsQuery), responses((status = 200, body = Desk365Conversations)))]
pub async fn conversations(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(q): ApiQuery<ConversationsQuery>,
) -> Result<Json<Desk365Conversations>> {
    let number = TicketNumber::parse(&q.ticket_number)?;
    let wanted = |v: &Option<String>, field| -> Result<bool> { Ok(v.is_none() || flag(v, field)?) };
    let contact = wanted(&q.include_contact_replies, "include_contact_replies")?;
    let agent = wanted(&q.include_agent_replies, "include_agent_replies")?;
    let private = wanted(&q.include_private_notes, "include_private_notes")?;
    let latest_first = match q.sort_by.as_deref().unwrap_or("earliest_on_top") {
        "earliest_on_top" => false,
        "latest_on_top" => true,
        _ => {
            return Err(Error::bad_request(
                "sort_by",
                "sort_by is earliest_on_top or latest_on_top",
            ));
        }
    };
    let notes = tickets::notes(&state, &caller.tenant, Viewer::Staff, number).await?;
    let mut conversations: Vec<Desk365Conversation> = notes
        .into_iter()
        .map(Desk365Conversation::from)
        .filter(|c| match c.kind {
            "private_note" => private,
            "contact_reply" => contact,
            _ => agent,
        })
        .collect();
    if latest_first {
        conversations.reverse();
    }
    Ok(Json(Desk365Conversations {
        ticket_number: number,
        conversations,
    }))
}

/// A reply: public, mailed to the contact as any public note is.
#[derive(Deserialize, ToSchema)]
pub struct Desk365ReplyInput {
    /// HTML or Markdown.
    pub body: String,
    /// The agent the reply is from; the key when absent.
    #[serde(default)]
    pub agent_email: Option<String>,
}

/// Reply to a ticket.
#[utoipa::path(post, path = "/tickets/add_reply", params(TicketNumber), request_body = Desk365ReplyInput, responses((status = 201, body = Desk365Conversation)))]
pub async fn add_reply(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(number): ApiQuery<TicketNumber>,
    ApiJson(input): ApiJson<Desk365ReplyInput>,
) -> Result<(StatusCode, Json<Desk365Conversation>)> {
    let ticket = TicketNumber::parse(&number.ticket_number)?;
    write(
        &state,
        &caller,
        ticket,
        &input.body,
        false,
        input.agent_email,
        vec![],
    )
    .await
}

/// Reply with files: a `reply_object` part holding the JSON, and file parts.
#[utoipa::path(post, path = "/tickets/add_reply_with_attachment", params(TicketNumber), request_body(content((super::TicketObjectForm = "multipart/form-data"))), responses((status = 201, body = Desk365Conversation)))]
pub async fn add_reply_with_attachment(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(number): ApiQuery<TicketNumber>,
    Objects(form): Objects<Desk365ReplyInput>,
) -> Result<(StatusCode, Json<Desk365Conversation>)> {
    let ticket = TicketNumber::parse(&number.ticket_number)?;
    let input = form.body;
    write(
        &state,
        &caller,
        ticket,
        &input.body,
        false,
        input.agent_email,
        form.files,
    )
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct Desk365NoteInput {
    pub body: String,
    /// 1 (default): only agents see it; 0: the contact sees it too.
    #[serde(default)]
    pub private_note: Option<i32>,
    #[serde(default)]
    pub agent_email: Option<String>,
}

/// Add a note: private unless `private_note` is 0.
#[utoipa::path(post, path = "/tickets/add_note", params(TicketNumber), request_body = Desk365NoteInput, responses((status = 201, body = Desk365Conversation)))]
pub async fn add_note(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(number): ApiQuery<TicketNumber>,
    ApiJson(input): ApiJson<Desk365NoteInput>,
) -> Result<(StatusCode, Json<Desk365Conversation>)> {
    let ticket = TicketNumber::parse(&number.ticket_number)?;
    let private = match input.private_note {
        None | Some(1) => true,
        Some(0) => false,
        Some(_) => return Err(Error::bad_request("private_note", "private_note is 1 or 0")),
    };
    write(
        &state,
        &caller,
        ticket,
        &input.body,
        private,
        input.agent_email,
        vec![],
    )
    .await
}

async fn write(
    state: &AppState,
    caller: &AdminCaller,
    ticket: i32,
    body: &str,
    private: bool,
    agent_email: Option<String>,
    files: Vec<StoredFile>,
) -> Result<(StatusCode, Json<Desk365Conversation>)> {
    let principal = WriteAs::agent(state, caller, agent_email.as_deref()).await?;
    let input = NoteInput {
        note: body.to_string(),
        is_internal: private,
        time_entry: None,
        attachment_ids: vec![],
    };
    let note = tickets::add_note(state, &caller.tenant, &principal, ticket, input, files).await?;
    Ok((StatusCode::CREATED, Json(note.into())))
}

/// A ticket's history, oldest first (deskd's extension).
#[utoipa::path(get, path = "/tickets/activities", params(TicketNumber), responses((status = 200, body = Vec<FacadeActivity>)))]
pub async fn activities(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(number): ApiQuery<TicketNumber>,
) -> Result<Json<Vec<FacadeActivity>>> {
    let id = TicketNumber::parse(&number.ticket_number)?;
    let d = tickets::get(&state, &caller.tenant, Viewer::Staff, id).await?;
    Ok(Json(d.activities.iter().map(Into::into).collect()))
}
