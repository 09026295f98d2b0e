//! Notification rules: which events mail whom, with which template. Each can be turned off by the
//! tenant; people can refuse the optional ones.

use sqlx::PgConnection;

use crate::{
    domain::{Tenant, TenantId, email::EmailRuleInput},
    error::{Error, Result},
    repo::{self, email::RuleRow},
    state::AppState,
};

/// Who a rule's mail goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Contact,
    Member,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Contact => "contact",
            Audience::Member => "member",
        }
    }
}

#[derive(Debug)]
pub struct Rule {
    pub name: &'static str,
    pub description: &'static str,
    pub template: &'static str,
    pub audience: Audience,
    pub enabled_by_default: bool,
    /// People cannot refuse it (sign-in codes, approvals).
    pub required: bool,
}

pub const LOGIN_CODE: &str = "login_code";
pub const BROADCAST: &str = "broadcast";
pub const TEST: &str = "test";

pub const RULES: &[Rule] = &[
    Rule {
        name: "contact_ticket_created",
        description: "The contact, when their ticket is created.",
        template: "ticket_created",
        audience: Audience::Contact,
        enabled_by_default: true,
        required: false,
    },
    Rule {
        name: "contact_public_note",
        description: "The contact, when someone else adds a public note to their ticket.",
        template: "public_note",
        audience: Audience::Contact,
        enabled_by_default: true,
        required: false,
    },
    Rule {
        name: "contact_status_changed",
        description: "The contact, when their ticket moves to one of the rule's statuses.",
        template: "status_changed",
        audience: Audience::Contact,
        enabled_by_default: false,
        required: false,
    },
    Rule {
        name: "contact_ticket_closed",
        description: "The contact, when their ticket is closed.",
        template: "ticket_closed",
        audience: Audience::Contact,
        enabled_by_default: true,
        required: false,
    },
    Rule {
        name: "approver_approval_requested",
        description: "The approvers of the ticket's company, when a ticket needs approval.",
        template: "approval_requested",
        audience: Audience::Contact,
        enabled_by_default: true,
        required: true,
    },
    Rule {
        name: "member_assigned",
        description: "A member, when someone else assigns them a ticket.",
        template: "ticket_assigned",
        audience: Audience::Member,
        enabled_by_default: true,
        required: false,
    },
    Rule {
        name: "member_contact_replied",
        description: "The ticket's assigned members, when its contact adds a note.",
        template: "contact_replied",
        audience: Audience::Member,
        enabled_by_default: true,
        required: false,
    },
    Rule {
        name: "member_mentioned",
        description: "A member whose address follows an `@` in another person's note.",
        template: "member_mentioned",
        audience: Audience::Member,
        enabled_by_default: true,
        required: false,
    },
    Rule {
        name: "member_sla_warning",
        description: "The ticket's assigned members, when an SLA target falls due soon.",
        template: "sla_warning",
        audience: Audience::Member,
        enabled_by_default: true,
        required: false,
    },
    Rule {
        name: "member_sla_breached",
        description: "The ticket's assigned members, when an SLA target is missed.",
        template: "sla_breached",
        audience: Audience::Member,
        enabled_by_default: true,
        required: false,
    },
    Rule {
        name: "contact_survey",
        description: "The contact, when their closed ticket is sent a satisfaction survey.",
        template: "survey",
        audience: Audience::Contact,
        enabled_by_default: true,
        required: false,
    },
    Rule {
        name: LOGIN_CODE,
        description: "A contact who asks for a sign-in code.",
        template: "login_code",
        audience: Audience::Contact,
        enabled_by_default: true,
        required: true,
    },
    Rule {
        name: BROADCAST,
        description: "The contacts a broadcast is for, when it is sent also by email.",
        template: "broadcast",
        audience: Audience::Contact,
        enabled_by_default: true,
        required: false,
    },
];

pub fn rule(name: &str) -> Result<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(|| Error::not_found("email rule"))
}

/// A rule as the tenant has it.
#[derive(Clone, Debug)]
pub struct Setting {
    pub rule: &'static Rule,
    pub enabled: bool,
    pub status_ids: Vec<i32>,
}

/// Every rule with the tenant's settings (the default where it has none).
pub async fn settings(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<Setting>> {
    let saved = repo::email::rules(conn, tenant).await?;
    Ok(RULES
        .iter()
        .map(|rule| {
            let row = saved.iter().find(|r| r.rule == rule.name);
            Setting {
                rule,
                enabled: row.map_or(rule.enabled_by_default, |r| r.enabled),
                status_ids: row.map(|r| r.status_ids.clone()).unwrap_or_default(),
            }
        })
        .collect())
}

pub async fn setting(conn: &mut PgConnection, tenant: TenantId, name: &str) -> Result<Setting> {
    let all = settings(conn, tenant).await?;
    all.into_iter()
        .find(|s| s.rule.name == name)
        .ok_or_else(|| Error::not_found("email rule"))
}

pub async fn change(
    state: &AppState,
    tenant: &Tenant,
    name: &str,
    input: EmailRuleInput,
) -> Result<Setting> {
    let rule = rule(name)?;
    if !input.status_ids.is_empty() && rule.name != "contact_status_changed" {
        return Err(Error::validation(
            "statusIds",
            "only contact_status_changed takes statusIds",
        ));
    }
    let mut conn = state.pool.acquire().await?;
    for id in &input.status_ids {
        if repo::configuration::statuses::get(&mut conn, tenant.id, *id)
            .await?
            .is_none()
        {
            return Err(Error::validation(
                "statusIds",
                format!("status {id} does not exist"),
            ));
        }
    }
    let mut status_ids = input.status_ids;
    status_ids.sort_unstable();
    status_ids.dedup();
    let row = RuleRow {
        rule: rule.name.into(),
        enabled: input.enabled,
        status_ids,
    };
    repo::email::save_rule(&state.pool, tenant.id, &row).await?;
    setting(&mut conn, tenant.id, name).await
}

/// A person's view of the rules that can reach them: on unless refused (or required).
pub struct Preference {
    pub rule: &'static Rule,
    pub enabled: bool,
}

pub async fn preferences(
    state: &AppState,
    tenant: &Tenant,
    audience: Audience,
    person: i32,
) -> Result<Vec<Preference>> {
    let mut conn = state.pool.acquire().await?;
    let refused = repo::email::opt_outs(&mut conn, tenant.id, audience.as_str(), person).await?;
    Ok(RULES
        .iter()
        .filter(|r| r.audience == audience)
        .map(|rule| Preference {
            rule,
            enabled: rule.required || !refused.iter().any(|r| r == rule.name),
        })
        .collect())
}

pub async fn set_preference(
    state: &AppState,
    tenant: &Tenant,
    audience: Audience,
    person: i32,
    name: &str,
    enabled: bool,
) -> Result<()> {
    let rule = RULES
        .iter()
        .find(|r| r.name == name && r.audience == audience)
        .ok_or_else(|| Error::validation("rule", format!("no rule `{name}` mails you")))?;
    if rule.required && !enabled {
        return Err(Error::validation(
            "rule",
            format!("{name} cannot be turned off: it carries what you need to act"),
        ));
    }
    repo::email::set_opt_out(
        &state.pool,
        tenant.id,
        audience.as_str(),
        person,
        name,
        !enabled,
    )
    .await?;
    Ok(())
}
