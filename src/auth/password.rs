//! argon2id password hashing, off the async executor.

use std::sync::OnceLock;

use tokio::sync::Semaphore;

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier},
};

use crate::error::{Error, Result};

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 256;

pub fn validate(field: &str, password: &str) -> Result<()> {
    let length = password.chars().count();
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
        return Err(Error::validation(
            field,
            format!("{field} must be {MIN_LENGTH} to {MAX_LENGTH} characters long"),
        ));
    }
    Ok(())
}

/// Each hash takes ~19 MiB and a core for tens of milliseconds: at most two per core at once,
/// so a burst of sign-ins queues instead of exhausting memory.
fn hashing_slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Semaphore::new(cores * 2)
    })
}

pub async fn hash(password: String) -> Result<String> {
    let _slot = hashing_slots().acquire().await.map_err(Error::internal)?;
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(Error::internal)?
}

fn hash_blocking(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(Error::internal)
}

/// Checks `password` against `hash`. Without a hash (unknown account) it still does the work of one
/// check, so the answer's timing does not tell whether the account exists.
pub async fn verify(password: String, hash: Option<String>) -> bool {
    let Ok(_slot) = hashing_slots().acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        let stand_in = dummy_hash();
        let (target, real) = match hash.as_deref() {
            Some(h) => (h, true),
            None => (stand_in, false),
        };
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), target)
            .is_ok();
        ok && real
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_blocking("not a real password, only a timing stand-in").unwrap_or_default()
    })
}

/// A new password checked and hashed; `None` keeps none.
pub async fn hash_new(password: Option<String>) -> Result<Option<String>> {
    match password {
        Some(p) => {
            validate("password", &p)?;
            Ok(Some(hash(p).await?))
        }
        None => Ok(None),
    }
}
