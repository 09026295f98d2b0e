//! Sign-in throttling: five failed attempts within a minute, for one account or from one address,
//! and further attempts are refused with 429 until the oldest failure ages out. Kept in PostgreSQL
//! so every instance counts the same attempts. Each attempt is written *before* its password is
//! checked, so a burst of concurrent guesses cannot get past the count. Unknown accounts are
//! counted like real ones.

use std::net::IpAddr;

use chrono::Utc;
use sqlx::PgPool;

use crate::{
    domain::{TenantId, UserKind},
    error::{Error, Kind, Result},
    repo::login_failures,
    secrets,
};

pub const MAX_FAILURES: i64 = 5;

pub struct ThrottleKeys {
    account: String,
    address: String,
}

impl ThrottleKeys {
    pub fn new(kind: UserKind, email: &str, address: IpAddr) -> Self {
        // Hashed: the key's size does not depend on what a client sends, and no email is stored.
        let email = hex::encode(secrets::sha256(&email.trim().to_lowercase()));
        Self {
            account: format!("account:{}:{email}", kind.as_str()),
            address: format!("address:{address}"),
        }
    }

    fn both(&self) -> [String; 2] {
        [self.account.clone(), self.address.clone()]
    }
}

/// An attempt in progress: failed until it is proven otherwise.
pub struct Attempt {
    ids: Vec<i64>,
}

/// Records the attempt, and refuses it when, with it, either key has more than five in the last minute.
pub async fn begin(pool: &PgPool, tenant: TenantId, keys: &ThrottleKeys) -> Result<Attempt> {
    let (ids, counts) = login_failures::record_attempt(pool, tenant, &keys.both()).await?;
    let blocked_until = counts
        .iter()
        .filter(|(count, _)| *count > MAX_FAILURES)
        .map(|(_, oldest)| *oldest + chrono::Duration::seconds(60))
        .max();
    let Some(until) = blocked_until else {
        return Ok(Attempt { ids });
    };
    // A refused attempt checked no password: it does not extend the block.
    login_failures::forget(pool, tenant, &ids).await?;
    let wait = (until - Utc::now()).num_seconds().max(1) as u64;
    Err(Error::new(
        Kind::TooManyRequests,
        "too_many_attempts",
        "too many failed sign-in attempts; try again later",
    )
    .with_retry_after(wait))
}

/// The password was right: the attempt was no failure, and the account's failures are forgiven
/// (the address's are not).
pub async fn succeeded(
    pool: &PgPool,
    tenant: TenantId,
    keys: &ThrottleKeys,
    attempt: Attempt,
) -> Result<()> {
    login_failures::forget(pool, tenant, &attempt.ids).await?;
    login_failures::clear_key(pool, tenant, &keys.account).await?;
    Ok(())
}
