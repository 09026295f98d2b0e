//! Sign-in throttling: five failures within a minute, for one account or from one address, and
//! further attempts are refused with 429 until the oldest failure ages out. Kept in PostgreSQL so
//! every instance counts the same failures. Unknown accounts are counted like real ones.

use std::net::IpAddr;

use chrono::Utc;
use sqlx::PgPool;

use crate::{
    domain::{TenantId, UserKind},
    error::{ApiError, ApiResult},
    repo::login_failures,
};

pub const MAX_FAILURES: i64 = 5;

pub struct ThrottleKeys {
    account: String,
    address: String,
}

impl ThrottleKeys {
    pub fn new(kind: UserKind, email: &str, address: IpAddr) -> Self {
        Self {
            account: format!("account:{}:{}", kind.as_str(), email.trim().to_lowercase()),
            address: format!("address:{address}"),
        }
    }

    fn both(&self) -> [String; 2] {
        [self.account.clone(), self.address.clone()]
    }
}

/// Refuses the attempt when either key has failed too often in the last minute.
pub async fn check(pool: &PgPool, tenant: TenantId, keys: &ThrottleKeys) -> ApiResult<()> {
    let counts = login_failures::recent(pool, tenant, &keys.both()).await?;
    let blocked_until = counts
        .iter()
        .filter(|(count, _)| *count >= MAX_FAILURES)
        .map(|(_, oldest)| *oldest + chrono::Duration::seconds(60))
        .max();
    match blocked_until {
        Some(until) => {
            let wait = (until - Utc::now()).num_seconds().max(1) as u64;
            Err(ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "too many failed sign-in attempts; try again later",
            )
            .with_retry_after(wait))
        }
        None => Ok(()),
    }
}

pub async fn record_failure(pool: &PgPool, tenant: TenantId, keys: &ThrottleKeys) -> ApiResult<()> {
    login_failures::record(pool, tenant, &keys.both()).await?;
    Ok(())
}

/// A successful sign-in forgives the account's failures (not the address's).
pub async fn record_success(pool: &PgPool, tenant: TenantId, keys: &ThrottleKeys) -> ApiResult<()> {
    login_failures::clear(pool, tenant, &keys.account).await?;
    Ok(())
}
