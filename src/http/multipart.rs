//! Bodies that may carry files. `WithFiles<T>` takes either a JSON body or `multipart/form-data`
//! whose `payload` part holds that JSON and whose file parts are attachments; `Uploads` takes only
//! files. Files are streamed to the store (hashed, typed from their bytes) before the handler runs;
//! the handler's transaction records them, so a failed request leaves no attachment behind.

use axum::{
    body::Bytes,
    extract::{FromRequest, Multipart, Request, multipart::MultipartError},
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

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
        read_with_files(request, state, &[PAYLOAD_PART]).await
    }
}

/// A JSON body, or `multipart/form-data` whose part with one of `names` holds it and whose file
/// parts are attachments (the façades name the part as their own APIs do).
pub async fn read_with_files<T: DeserializeOwned>(
    request: Request,
    state: &AppState,
    names: &[&str],
) -> Result<WithFiles<T>, Error> {
    if !is_multipart(request.headers()) {
        let ApiJson(body) = ApiJson::from_request(request, state).await?;
        return Ok(WithFiles {
            body,
            files: vec![],
        });
    }
    let (payload, files) = read_form(request, state, names).await?;
    let payload = payload.ok_or_else(|| {
        Error::validation(
            names[0],
            format!("send the JSON body as a form part named `{}`", names[0]),
        )
    })?;
    // An empty payload is an empty object, as an empty JSON body is.
    let payload = if payload.is_empty() {
        &b"{}"[..]
    } else {
        &payload[..]
    };
    Ok(WithFiles {
        body: parse_json(payload)?,
        files,
    })
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
        let (_, files) = read_form(request, state, &[]).await?;
        Ok(Self(files))
    }
}

/// A form's text parts and file parts: each text part a field of the object, as Desk360 sends a
/// ticket with `attachments[]`. Text values stay strings; the handler reads its numbers.
pub async fn read_fields_with_files(
    request: Request,
    state: &AppState,
) -> Result<(Map<String, Value>, Vec<StoredFile>), Error> {
    let mut fields = Map::new();
    let (_, files) = read_form_into(request, state, &[], Some(&mut fields)).await?;
    Ok((fields, files))
}

async fn read_form(
    request: Request,
    state: &AppState,
    payload_names: &[&str],
) -> Result<(Option<Bytes>, Vec<StoredFile>), Error> {
    read_form_into(request, state, payload_names, None).await
}

async fn read_form_into(
    request: Request,
    state: &AppState,
    payload_names: &[&str],
    mut fields: Option<&mut Map<String, Value>>,
) -> Result<(Option<Bytes>, Vec<StoredFile>), Error> {
    let mut text_bytes = 0;
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
        } else if payload.is_none() && part.name().is_some_and(|n| payload_names.contains(&n)) {
            payload = Some(read_payload(part, state.config.max_body_bytes).await?);
        } else if let Some(fields) = fields.as_deref_mut() {
            let name = part.name().unwrap_or("").to_string();
            let left = state.config.max_body_bytes.saturating_sub(text_bytes);
            let bytes = read_payload(part, left).await?;
            text_bytes += bytes.len();
            let text = String::from_utf8(bytes.to_vec())
                .map_err(|_| Error::validation(&name, "a form field must be UTF-8 text"))?;
            fields.insert(name, Value::String(text));
        } else {
            let name = part.name().unwrap_or("").to_string();
            let expected = match payload_names.first() {
                Some(part) => format!("one `{part}` part with the JSON body, and file parts"),
                None => "file parts only".to_string(),
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
