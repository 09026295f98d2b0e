//! Bodies that may carry files. `WithFiles<T>` takes either a JSON body or `multipart/form-data`
//! whose `payload` part holds that JSON and whose file parts are attachments; `Uploads` takes only
//! files. Files are streamed to the store (hashed, typed from their bytes) before the handler runs;
//! the handler's transaction records them, so a failed request leaves no attachment behind.

use axum::{
    body::Bytes,
    extract::{FromRequest, Multipart, Request, multipart::MultipartError},
};
use serde::de::DeserializeOwned;

use crate::{
    domain::TenantId,
    error::{Error, Kind},
    files::{StoredFile, WriteError},
    http::{
        envelope::rejected,
        extract::{ApiJson, parse_json},
        limits::is_multipart,
    },
    service::attachments::MAX_PER_CHANGE,
    state::AppState,
    tenancy::Site,
};

/// The form part that holds the JSON body.
pub const PAYLOAD_PART: &str = "payload";

pub struct WithFiles<T> {
    pub body: T,
    pub files: Vec<StoredFile>,
}

impl<T: DeserializeOwned> FromRequest<AppState> for WithFiles<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Error> {
        if !is_multipart(request.headers()) {
            let ApiJson(body) = ApiJson::from_request(request, state).await?;
            return Ok(Self {
                body,
                files: vec![],
            });
        }
        let (payload, files) = read_form(request, state, true).await?;
        let payload = payload.ok_or_else(|| {
            Error::validation(
                PAYLOAD_PART,
                "send the JSON body as a form part named `payload`",
            )
        })?;
        // An empty payload is an empty object, as an empty JSON body is.
        let payload = if payload.is_empty() {
            &b"{}"[..]
        } else {
            &payload[..]
        };
        Ok(Self {
            body: parse_json(payload)?,
            files,
        })
    }
}

/// One or more files and nothing else.
pub struct Uploads(pub Vec<StoredFile>);

impl FromRequest<AppState> for Uploads {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Error> {
        if !is_multipart(request.headers()) {
            return Err(Error::new(
                Kind::UnsupportedFormat,
                "UnsupportedMediaType",
                "upload files as `multipart/form-data`",
            ));
        }
        let (_, files) = read_form(request, state, false).await?;
        Ok(Self(files))
    }
}

async fn read_form(
    request: Request,
    state: &AppState,
    payload_allowed: bool,
) -> Result<(Option<Bytes>, Vec<StoredFile>), Error> {
    let tenant = match request.extensions().get::<Site>() {
        Some(Site::Tenant(tenant)) => tenant.id,
        _ => return Err(crate::tenancy::tenant_not_found()),
    };
    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|e| rejected(e.status(), e.body_text()))?;
    let mut payload = None;
    let mut files = Vec::new();
    while let Some(part) = form.next_field().await.map_err(form_error)? {
        if let Some(name) = part.file_name().map(str::to_string) {
            if files.len() == MAX_PER_CHANGE {
                return Err(Error::validation(
                    "attachments",
                    format!("at most {MAX_PER_CHANGE} files at a time"),
                ));
            }
            files.push(store(state, tenant, &name, part).await?);
        } else if payload_allowed && part.name() == Some(PAYLOAD_PART) && payload.is_none() {
            payload = Some(read_payload(part, state.config.max_body_bytes).await?);
        } else {
            let name = part.name().unwrap_or("").to_string();
            let expected = if payload_allowed {
                "one `payload` part with the JSON body, and file parts"
            } else {
                "file parts only"
            };
            return Err(Error::validation(
                &name,
                format!("unexpected form part `{name}`: send {expected}"),
            ));
        }
    }
    Ok((payload, files))
}

async fn store(
    state: &AppState,
    tenant: TenantId,
    name: &str,
    mut part: axum::extract::multipart::Field<'_>,
) -> Result<StoredFile, Error> {
    let limit = state.config.max_attachment_bytes as u64;
    let mut writer = state
        .files
        .writer(tenant, name, limit)
        .await
        .map_err(Error::internal)?;
    loop {
        let chunk = match part.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            // Dropping the writer removes its temporary file.
            Err(e) => return Err(form_error(e)),
        };
        if let Err(e) = writer.write(&chunk).await {
            return Err(match e {
                WriteError::TooLarge(limit) => Error::new(
                    Kind::TooLarge,
                    "PayloadTooLarge",
                    format!("a file may have at most {limit} bytes"),
                ),
                WriteError::Io(e) => Error::internal(e),
            });
        }
    }
    writer.finish().await.map_err(Error::internal)
}

/// The JSON part, held to the JSON body limit.
async fn read_payload(
    mut part: axum::extract::multipart::Field<'_>,
    limit: usize,
) -> Result<Bytes, Error> {
    let mut payload = Vec::new();
    while let Some(chunk) = part.chunk().await.map_err(form_error)? {
        if payload.len() + chunk.len() > limit {
            return Err(Error::payload_too_large());
        }
        payload.extend_from_slice(&chunk);
    }
    Ok(payload.into())
}

fn form_error(e: MultipartError) -> Error {
    rejected(e.status(), e.body_text())
}

/// The multipart form of a request that may carry files (as OpenAPI shows it).
#[derive(utoipa::ToSchema)]
pub struct FormWithFiles {
    /// The JSON body, as a part of type `application/json`.
    #[schema(value_type = Object)]
    pub payload: String,
    /// Files to attach: every part with a file name.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub file: Vec<String>,
}

/// An upload of files alone (as OpenAPI shows it).
#[derive(utoipa::ToSchema)]
pub struct FilesForm {
    /// Every part with a file name is one file.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub file: Vec<String>,
}
