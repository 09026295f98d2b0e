//! Dynamic choices: loaded from the question's `choicesUrl` through the webhook client (SSRF guard,
//! short timeouts, no redirects), read as DeskDirector's dynamic-field answer
//! (`{"value": [{"identifier", "name"}]}`, or a bare list), bounded, and cached for a few minutes.

use std::{sync::Arc, time::Duration};

use serde::Deserialize;

use crate::{
    domain::{
        Tenant,
        forms::{Choice, Question},
    },
    outbound,
    state::AppState,
};

const FRESH_FOR: Duration = Duration::from_secs(300);
const FAILED_FOR: Duration = Duration::from_secs(30);
const MAX_BODY: usize = 1024 * 1024;
const MAX_ITEMS: usize = 1000;

#[derive(Deserialize)]
#[serde(untagged)]
enum Answer {
    Wrapped { value: Vec<Item> },
    Bare(Vec<Item>),
}

#[derive(Deserialize)]
struct Item {
    identifier: serde_json::Value,
    name: String,
}

/// Choices of `question` (static ones as they are; dynamic ones fetched), those whose name or
/// identifier contains `term`, case-insensitively. `Err` says why dynamic ones could not be loaded.
pub async fn load(
    state: &AppState,
    tenant: &Tenant,
    question: &Question,
    term: &str,
) -> Result<Arc<Vec<Choice>>, String> {
    let all = match &question.choices_url {
        None => Arc::new(question.choices.clone()),
        Some(url) => fetch(state, tenant, url).await?,
    };
    let term = term.trim().to_lowercase();
    if term.is_empty() {
        return Ok(all);
    }
    Ok(Arc::new(
        all.iter()
            .filter(|c| {
                c.name.to_lowercase().contains(&term) || c.identifier.to_lowercase().contains(&term)
            })
            .cloned()
            .collect(),
    ))
}

async fn fetch(state: &AppState, tenant: &Tenant, url: &str) -> Result<Arc<Vec<Choice>>, String> {
    let key = (tenant.id, url.to_string());
    if let Some(hit) = state.form_choices.get(&key) {
        return hit;
    }
    let fetched = download(state, url).await.map(Arc::new);
    // A failure is kept too, briefly, so callers cannot make every request wait on a dead URL.
    let ttl = if fetched.is_ok() {
        FRESH_FOR
    } else {
        FAILED_FOR
    };
    state.form_choices.insert(key, fetched.clone(), ttl);
    fetched
}

async fn download(state: &AppState, url: &str) -> Result<Vec<Choice>, String> {
    let parsed =
        reqwest::Url::parse(url).map_err(|_| "the choices URL is not a URL".to_string())?;
    if !state.config.webhooks_allow_private && outbound::names_private_address(&parsed) {
        return Err("the choices URL names a private address".into());
    }
    let mut response = state
        .webhook_client
        .get(parsed)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| format!("the choices URL did not answer ({})", kind_of(&e)))?;
    if !response.status().is_success() {
        return Err(format!(
            "the choices URL answered {}",
            response.status().as_u16()
        ));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("the choices URL failed ({})", kind_of(&e)))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err("the choices URL answered more than 1 MB".into());
        }
        body.extend_from_slice(&chunk);
    }
    let items = match serde_json::from_slice::<Answer>(&body) {
        Ok(Answer::Wrapped { value }) | Ok(Answer::Bare(value)) => value,
        Err(_) => {
            return Err("the choices URL answered something other than a list of choices".into());
        }
    };
    let mut choices: Vec<Choice> = Vec::new();
    for item in items.into_iter().take(MAX_ITEMS) {
        let identifier = match item.identifier {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            _ => continue,
        };
        let identifier: String = identifier.trim().chars().take(50).collect();
        let name: String = item.name.trim().chars().take(100).collect();
        if identifier.is_empty()
            || name.is_empty()
            || choices.iter().any(|c| c.identifier == identifier)
        {
            continue;
        }
        choices.push(Choice { identifier, name });
    }
    Ok(choices)
}

/// What went wrong, without echoing the URL (which may carry a key in its query).
fn kind_of(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    }
}
