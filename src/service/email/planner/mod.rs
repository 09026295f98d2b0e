//! Planning: each job (an event, or a broadcast sent also by email) becomes one message per
//! recipient, rendered, composed, sealed and queued — in one transaction with the jobs' removal, so
//! a crash plans them again and the outbox's unique key keeps each recipient to one message.
//! A batch's jobs of one tenant are planned together, sharing its settings, rules, templates and
//! reads; a batch that fails is planned again job by job, so one bad job holds no other back.

mod events;

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    time::Duration,
};

use serde_json::{Value, json};
use sqlx::PgConnection;

use super::{
    compose::{self, Letter, Recipient},
    rules::{self, Audience, Rule, Setting},
    templates::{self, Compiled, Template},
    unsubscribe,
};
use crate::{
    domain::{Tenant, TenantId, full_name},
    error::Result,
    repo::{
        self,
        email::{Job, NewMessage, Person, SettingsRow, TemplateRow},
    },
    state::AppState,
};

pub use events::ticket_values;

/// How long a claimed job is leased to its worker.
const LEASE: Duration = Duration::from_secs(60);

/// Jobs claimed at once.
const BATCH: i64 = 64;

/// Plans every due job, in rounds; returns how many were planned.
pub async fn plan_due(state: &AppState) -> anyhow::Result<usize> {
    let mut planned = 0;
    loop {
        let n = plan_batch(state).await?;
        if n == 0 {
            return Ok(planned);
        }
        planned += n;
    }
}

/// Plans one batch of due jobs, each tenant's together; returns how many were claimed.
pub async fn plan_batch(state: &AppState) -> anyhow::Result<usize> {
    let jobs = repo::email::claim_jobs(&state.pool, BATCH, LEASE.as_secs_f64()).await?;
    let claimed = jobs.len();
    let mut by_tenant: BTreeMap<TenantId, Vec<Job>> = BTreeMap::new();
    for job in jobs {
        by_tenant.entry(job.tenant_id).or_default().push(job);
    }
    let plans = by_tenant.into_values().map(|jobs| async move {
        match plan(state, &jobs).await {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e) if jobs.len() > 1 => {
                tracing::info!(jobs = jobs.len(), error = %e.message,
                               "planning mail together failed; planning job by job");
            }
            Err(_) => {}
        }
        for job in &jobs {
            if let Err(e) = plan(state, std::slice::from_ref(job)).await {
                tracing::warn!(job = job.id, source = %job.source, error = %e.message,
                               "planning mail failed; retrying");
                let wait = 10.0 * f64::from(job.attempts.clamp(1, 360));
                repo::email::retry_job(&state.pool, job, wait).await?;
            }
        }
        Ok::<_, sqlx::Error>(())
    });
    for result in futures_util::future::join_all(plans).await {
        result?;
    }
    Ok(claimed)
}

/// Plans one tenant's jobs in one transaction. False when another worker took one of them (its
/// lease ran out): nothing is kept.
async fn plan(state: &AppState, jobs: &[Job]) -> Result<bool> {
    let Some(first) = jobs.first() else {
        return Ok(true);
    };
    let mut tx = state.pool.begin().await?;
    if let Some(mut planning) = Planning::load(state, &mut tx, first.tenant_id).await? {
        let outgoing = events::outgoing(&planning, &mut tx, jobs).await?;
        planning.queue(&mut tx, outgoing).await?;
    }
    if repo::email::finish_jobs(&mut tx, jobs).await? != jobs.len() as u64 {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// One message to plan.
struct Outgoing {
    /// The job it comes from (none for a login code).
    source: Option<String>,
    rule: &'static Rule,
    to: Person,
    audience: Audience,
    ticket: Option<i32>,
    values: Value,
}

/// What planning a tenant's messages shares: its sender, rules and templates.
struct Planning<'a> {
    state: &'a AppState,
    tenant: Tenant,
    settings: SettingsRow,
    rules: Vec<Setting>,
    saved_templates: Vec<TemplateRow>,
    /// Each kind parsed once; `None` when the tenant's template no longer parses.
    compiled: HashMap<&'static str, Option<Compiled>>,
}

impl<'a> Planning<'a> {
    /// None when the tenant sends no mail.
    async fn load(
        state: &'a AppState,
        conn: &mut PgConnection,
        tenant: TenantId,
    ) -> Result<Option<Self>> {
        let settings = repo::email::settings(conn, tenant).await?;
        let Some(settings) = settings.filter(|s| s.enabled) else {
            return Ok(None);
        };
        let Some(tenant) = repo::tenants::find_by_id(conn, tenant).await? else {
            return Ok(None);
        };
        Ok(Some(Self {
            state,
            rules: rules::settings(conn, tenant.id).await?,
            saved_templates: repo::email::templates(conn, tenant.id).await?,
            tenant,
            settings,
            compiled: HashMap::new(),
        }))
    }

    fn setting(&self, rule: &str) -> Option<&Setting> {
        self.rules.iter().find(|s| s.rule.name == rule)
    }

    fn compiled(&mut self, kind: &'static templates::TemplateKind) -> Option<&Compiled> {
        let saved = &self.saved_templates;
        let tenant = self.tenant.id;
        self.compiled
            .entry(kind.name)
            .or_insert_with(|| {
                let template = saved
                    .iter()
                    .find(|t| t.kind == kind.name)
                    .map_or_else(|| Template::default_of(kind), template_from);
                Compiled::new(&template)
                    .map_err(|e| {
                        tracing::warn!(tenant, template = kind.name, error = %e.message,
                                       "a template does not parse; its messages are skipped");
                    })
                    .ok()
            })
            .as_ref()
    }

    /// Renders, composes, seals and queues each message, unless its rule is off or the person
    /// refused it (messages already queued are left as they are).
    async fn queue(&mut self, conn: &mut PgConnection, outgoing: Vec<Outgoing>) -> Result<()> {
        let outgoing: Vec<Outgoing> = outgoing
            .into_iter()
            .filter(|o| self.setting(o.rule.name).is_some_and(|s| s.enabled))
            .collect();
        let refused = self.refusals(conn, &outgoing).await?;
        let mut prepared = vec![];
        for o in outgoing {
            let key = (o.audience.as_str(), o.to.id, o.rule.name);
            if o.rule.required || !refused.contains(&key) {
                prepared.extend(self.prepare(o)?);
            }
        }
        let messages: Vec<NewMessage> = prepared.iter().map(Prepared::message).collect();
        if !messages.is_empty() {
            repo::email::insert_messages(conn, self.tenant.id, &messages).await?;
        }
        Ok(())
    }

    /// The (audience, person, rule) each of these people refused.
    async fn refusals(
        &self,
        conn: &mut PgConnection,
        outgoing: &[Outgoing],
    ) -> Result<HashSet<(&'static str, i32, &'static str)>> {
        let optional: Vec<&Outgoing> = outgoing.iter().filter(|o| !o.rule.required).collect();
        if optional.is_empty() {
            return Ok(HashSet::new());
        }
        let kinds: Vec<&str> = optional.iter().map(|o| o.audience.as_str()).collect();
        let ids: Vec<i32> = optional.iter().map(|o| o.to.id).collect();
        let rows = repo::email::opt_outs_of(conn, self.tenant.id, &kinds, &ids).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let audience = [Audience::Contact, Audience::Member]
                    .into_iter()
                    .find(|a| a.as_str() == r.person_kind)?;
                let rule = rules::rule(&r.rule).ok()?;
                Some((audience.as_str(), r.person_id, rule.name))
            })
            .collect())
    }

    /// The message ready to queue, or none when its template fails it (logged).
    fn prepare(&mut self, o: Outgoing) -> Result<Option<Prepared>> {
        let recipient = Recipient {
            name: full_name(&o.to.first_name, &o.to.last_name),
            email: o.to.email.clone(),
        };
        let (state, tenant) = (self.state, &self.tenant);
        let unsubscribe_url = (!o.rule.required)
            .then(|| unsubscribe::url(state, tenant, o.audience, o.to.id, o.rule.name));
        let mut values = o.values;
        merge(
            &mut values,
            json!({
                "tenant": {"name": tenant.name},
                "recipient": {"name": recipient.name, "email": recipient.email},
            }),
        );
        if let Some(url) = &unsubscribe_url {
            merge(&mut values, json!({"unsubscribeUrl": url}));
        }
        let tenant_id = tenant.id;
        let kind = templates::kind(o.rule.template)?;
        let Some(template) = self.compiled(kind) else {
            return Ok(None);
        };
        let rendered = match template.render(&values) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(tenant = tenant_id, template = kind.name, error = %e.message,
                               "a template did not render; that message is skipped");
                return Ok(None);
            }
        };
        let letter = Letter {
            to: &recipient,
            rendered: &rendered,
            ticket: o.ticket,
            unsubscribe_url: unsubscribe_url.as_deref(),
        };
        let composed = match compose::compose(&self.settings, &state.server_key, &letter) {
            Ok(c) => c,
            Err(reason) => {
                tracing::warn!(tenant = tenant_id, %reason, "a message could not be composed");
                return Ok(None);
            }
        };
        Ok(Some(Prepared {
            sealed: state.server_key.seal(&composed.raw),
            message_id: composed.message_id,
            subject: rendered.subject,
            recipient: recipient.email,
            source: o.source,
            rule: o.rule,
            template: kind.name,
            audience: o.audience,
            person: o.to.id,
            ticket: o.ticket,
        }))
    }
}

/// A message rendered, composed and sealed.
struct Prepared {
    source: Option<String>,
    rule: &'static Rule,
    template: &'static str,
    recipient: String,
    audience: Audience,
    person: i32,
    ticket: Option<i32>,
    subject: String,
    message_id: String,
    sealed: Vec<u8>,
}

impl Prepared {
    fn message(&self) -> NewMessage<'_> {
        NewMessage {
            source: self.source.as_deref(),
            rule: self.rule.name,
            template: self.template,
            recipient: &self.recipient,
            person_kind: Some(self.audience.as_str()),
            person_id: Some(self.person),
            ticket_id: self.ticket,
            subject: &self.subject,
            message_id: &self.message_id,
            raw_sealed: &self.sealed,
            held_secs: 0.0,
        }
    }
}

fn template_from(row: &TemplateRow) -> Template {
    Template {
        subject: row.subject.clone(),
        html: row.html.clone(),
        text: row.text.clone(),
    }
}

/// The tenant's template of this kind, or the shipped default.
pub async fn template_of(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: &templates::TemplateKind,
) -> Result<Template> {
    Ok(repo::email::template(conn, tenant, kind.name)
        .await?
        .map_or_else(|| Template::default_of(kind), |row| template_from(&row)))
}

fn merge(base: &mut Value, extra: Value) {
    if let (Value::Object(base), Value::Object(extra)) = (base, extra) {
        base.extend(extra);
    }
}

/// Queues a login code's mail in the caller's transaction (the code is never stored in clear: the
/// message is sealed). Nothing when the tenant sends no mail or turned the rule off.
pub async fn queue_login_code(
    state: &AppState,
    conn: &mut PgConnection,
    tenant: &Tenant,
    contact: Person,
    code: &str,
    expires_in_minutes: i64,
) -> Result<()> {
    let Some(mut planning) = Planning::load(state, conn, tenant.id).await? else {
        return Ok(());
    };
    let o = Outgoing {
        source: None,
        rule: rules::rule(rules::LOGIN_CODE)?,
        to: contact,
        audience: Audience::Contact,
        ticket: None,
        values: json!({"code": code, "expiresInMinutes": expires_in_minutes}),
    };
    planning.queue(conn, vec![o]).await
}
