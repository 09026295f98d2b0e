//! Desk360's API v1 on the tenant's host (`/v1/…`): sign-in for a token, products (deskd's
//! queues) and their tickets, messages, logs, replies with attachments, its error object, 20 a
//! page with a `Link` to the next. The token is a member's personal access token, sent as Bearer.

mod shape;
mod tickets;

use axum::{
    Extension, Json,
    extract::{FromRequest, Request, State},
    http::{StatusCode, header},
    middleware::{self, Next},
    response::Response,
};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{ClientAddr, CurrentTenant, Staff},
    domain::{UserKind, credentials::NewPersonalTokenInput},
    error::{Error, Kind, Result},
    files::StoredFile,
    http::idempotency::{OneTimeSecret, one_time_secret},
    http::{extract::ApiJson, limits::is_multipart, multipart::read_fields_with_files},
    service::{credentials, lookups, sessions},
    state::AppState,
};

/// A token from `POST /v1/login` works this long.
const LOGIN_TOKEN_DAYS: i64 = 90;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(products))
        .routes(routes!(tickets::list_tickets, tickets::create_ticket))
        .routes(routes!(tickets::ticket_details))
        .routes(routes!(tickets::ticket_logs))
        .routes(routes!(tickets::ticket_activities))
        .routes(routes!(tickets::reply))
        .routes(routes!(
            crate::http::resources::attachments::download_attachment
        ))
        .route_layer(middleware::from_fn(acceptable))
}

/// Desk360 answers JSON only: an `Accept` that allows neither JSON nor anything is a 406 (a
/// file download answers whatever the file is).
async fn acceptable(request: Request, next: Next) -> Response {
    let accepts = |value: &str| {
        value.split(',').any(|part| {
            let media = part.split(';').next().unwrap_or("").trim().to_lowercase();
            matches!(
                media.as_str(),
                "" | "*/*" | "application/*" | "application/json" | "multipart/form-data"
            )
        })
    };
    let ok = request.uri().path().starts_with("/v1/attachments/")
        || request
            .headers()
            .get_all(header::ACCEPT)
            .iter()
            .all(|v| v.to_str().is_ok_and(accepts));
    if ok {
        return next.run(request).await;
    }
    axum::response::IntoResponse::into_response(Error::new(
        Kind::NotAcceptable,
        "unsupported_accept_header",
        "only application/json and */* are supported (multipart/form-data when uploading files)",
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct Desk360Login {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Desk360Token {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
}

/// Sign in with a member's email and password for an API token (a personal access token, valid
/// 90 days, listed with the member's tokens). Five wrong attempts a minute: 429
/// `too_many_attempts`.
#[utoipa::path(post, path = "/login", request_body = Desk360Login, responses((status = 200, body = Desk360Token)))]
pub async fn login(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ClientAddr(client): ClientAddr,
    ApiJson(input): ApiJson<Desk360Login>,
) -> Result<(Extension<OneTimeSecret>, Json<Desk360Token>)> {
    let member = sessions::check_password(
        &state,
        &tenant,
        UserKind::Member,
        &input.email,
        input.password,
        client,
    )
    .await
    .map_err(|e| match e.kind {
        Kind::Unauthenticated => Error::new(
            Kind::Unauthenticated,
            "invalid_credentials",
            "the email or password is wrong",
        ),
        _ => e,
    })?;
    let token = NewPersonalTokenInput {
        name: "Desk360 login".to_string(),
        expires_at: Some(Utc::now() + Duration::days(LOGIN_TOKEN_DAYS)),
    };
    let created = credentials::create_personal_token(&state, &tenant, member, token).await?;
    Ok((
        one_time_secret(),
        Json(Desk360Token {
            access_token: created.secret,
            token_type: "Bearer",
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct Desk360Product {
    pub id: i32,
    pub name: String,
    pub logo: Option<String>,
}

/// The products: deskd's queues.
#[utoipa::path(get, path = "/products", responses((status = 200, body = Vec<Desk360Product>)))]
pub async fn products(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<Vec<Desk360Product>>> {
    let queues = lookups::queues(&state, &staff.tenant).await?;
    Ok(Json(
        queues
            .into_iter()
            .map(|(id, name)| Desk360Product {
                id,
                name,
                logo: None,
            })
            .collect(),
    ))
}

/// A write's fields, from JSON or `multipart/form-data` (text fields and `attachments[]` files).
pub struct Fields {
    pub fields: Map<String, Value>,
    pub files: Vec<StoredFile>,
}

impl FromRequest<AppState> for Fields {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Error> {
        if is_multipart(request.headers()) {
            let (fields, files) = read_fields_with_files(request, state).await?;
            return Ok(Self { fields, files });
        }
        let ApiJson(fields) = ApiJson::<Map<String, Value>>::from_request(request, state).await?;
        Ok(Self {
            fields,
            files: vec![],
        })
    }
}

impl Fields {
    pub fn text(&self, name: &str) -> Result<Option<String>> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(failed(name, format!("The {name} must be a string."))),
        }
    }

    /// A whole number, sent as a number (JSON) or as text (a form).
    pub fn integer(&self, name: &str) -> Result<Option<i32>> {
        let wrong = || failed(name, format!("The {name} must be an integer."));
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .map(Some)
                .ok_or_else(wrong),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| wrong()),
            Some(_) => Err(wrong()),
        }
    }
}

/// Desk360's validation error.
pub fn failed(field: &str, message: String) -> Error {
    Error::new(Kind::Invalid, "failed_validation", message).with_field(field)
}

/// 201 with a body.
pub type Created<T> = (StatusCode, Json<T>);
