//! Audiences of pages, menu items and articles: the companies and contact groups named must be
//! live ones of the tenant, and each kind names exactly what it needs.

use sqlx::PgConnection;

use crate::{
    domain::{
        TenantId,
        portal::{AudienceKind, ContentAudience},
    },
    error::{Error, Result},
    repo,
};

/// Checks `audience` (as field `audience`); `members_too` allows the staff-only kind.
pub async fn check(
    conn: &mut PgConnection,
    tenant: TenantId,
    mut audience: ContentAudience,
    members_too: bool,
) -> Result<ContentAudience> {
    audience.company_ids.sort_unstable();
    audience.company_ids.dedup();
    audience.contact_group_ids.sort_unstable();
    audience.contact_group_ids.dedup();
    let needs = |ok: bool, field: &str, message: &str| {
        if ok {
            Ok(())
        } else {
            Err(Error::validation(field, message))
        }
    };
    match audience.kind {
        AudienceKind::Everyone => {}
        AudienceKind::Members => needs(
            members_too,
            "audience.kind",
            "only articles can be for members only",
        )?,
        AudienceKind::Companies => needs(
            !audience.company_ids.is_empty(),
            "audience.companyIds",
            "name at least one company",
        )?,
        AudienceKind::ContactGroups => needs(
            !audience.contact_group_ids.is_empty(),
            "audience.contactGroupIds",
            "name at least one contact group",
        )?,
    }
    if audience.kind != AudienceKind::Companies {
        audience.company_ids.clear();
    }
    if audience.kind != AudienceKind::ContactGroups {
        audience.contact_group_ids.clear();
    }
    let companies = repo::audiences::live_companies(conn, tenant, &audience.company_ids).await?;
    needs(
        companies == audience.company_ids.len() as i64,
        "audience.companyIds",
        "every id must be a live company",
    )?;
    let groups =
        repo::audiences::live_contact_groups(conn, tenant, &audience.contact_group_ids).await?;
    needs(
        groups == audience.contact_group_ids.len() as i64,
        "audience.contactGroupIds",
        "every id must be a live contact group",
    )?;
    Ok(audience)
}
