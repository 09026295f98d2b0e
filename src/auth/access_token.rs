//! `DdAccessToken` JWTs: Ed25519-signed, with a `kid`, audience `portal` (contacts) or `tech` (members).
//! Signing keys live in PostgreSQL (private halves sealed with the server key), rotate after a
//! configured age, and stay published in the JWKS until every token they signed has expired.

use std::{
    sync::{Mutex, RwLock},
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use ed25519_dalek::{SigningKey, pkcs8::EncodePrivateKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;

use crate::{
    domain::{Tenant, TenantId, UserKind},
    error::{Error, Result},
    repo::signing_keys::{self, SigningKeyRow},
    secrets::ServerKey,
};

pub const ISSUER: &str = "deskd";
/// The longest lifetime a token may be minted with (the `userkey` endpoints allow up to a day).
pub const MAX_LIFETIME: Duration = Duration::from_secs(86_400);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// `portal` for contacts, `tech` for members.
    pub aud: String,
    /// `{tenant}~c~{id}` or `{tenant}~m~{id}`, DeskDirector's user id form.
    pub sub: String,
    pub tid: TenantId,
    pub ten: String,
    pub kind: UserKind,
    pub uid: i32,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

pub fn audience(kind: UserKind) -> &'static str {
    match kind {
        UserKind::Contact => "portal",
        UserKind::Member => "tech",
    }
}

pub struct MintedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// The published verification keys.
#[derive(Serialize, ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

#[derive(Serialize, ToSchema)]
pub struct Jwk {
    pub kty: &'static str,
    pub crv: &'static str,
    pub x: String,
    pub kid: String,
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub alg: &'static str,
}

struct LoadedKey {
    kid: String,
    created_at: DateTime<Utc>,
    encoding: EncodingKey,
    decoding: DecodingKey,
    public: Vec<u8>,
}

pub struct AccessTokens {
    server_key: ServerKey,
    rotation: Duration,
    keys: RwLock<Vec<std::sync::Arc<LoadedKey>>>,
    last_reload: Mutex<Option<Instant>>,
}

impl AccessTokens {
    pub fn new(server_key: ServerKey, rotation: Duration) -> Self {
        Self {
            server_key,
            rotation,
            keys: RwLock::new(Vec::new()),
            last_reload: Mutex::new(None),
        }
    }

    pub async fn mint(
        &self,
        pool: &PgPool,
        tenant: &Tenant,
        kind: UserKind,
        user_id: i32,
        lifetime: Duration,
    ) -> Result<MintedToken> {
        self.mint_at(pool, tenant, kind, user_id, Utc::now(), lifetime)
            .await
    }

    /// Mints as if at `issued_at` (tests use this to make expired tokens).
    pub async fn mint_at(
        &self,
        pool: &PgPool,
        tenant: &Tenant,
        kind: UserKind,
        user_id: i32,
        issued_at: DateTime<Utc>,
        lifetime: Duration,
    ) -> Result<MintedToken> {
        let lifetime = lifetime.min(MAX_LIFETIME);
        let key = self.active_key(pool).await?;
        let expires_at =
            issued_at + chrono::Duration::from_std(lifetime).map_err(Error::internal)?;
        let marker = match kind {
            UserKind::Contact => 'c',
            UserKind::Member => 'm',
        };
        let claims = Claims {
            iss: ISSUER.into(),
            aud: audience(kind).into(),
            sub: format!("{}~{marker}~{user_id}", tenant.slug),
            tid: tenant.id,
            ten: tenant.slug.clone(),
            kind,
            uid: user_id,
            iat: issued_at.timestamp(),
            exp: expires_at.timestamp(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        let token =
            jsonwebtoken::encode(&header, &claims, &key.encoding).map_err(Error::internal)?;
        Ok(MintedToken { token, expires_at })
    }

    /// Checks signature, issuer, audience and expiry. Every failure is the same 401.
    pub async fn verify(&self, pool: &PgPool, token: &str) -> Result<Claims> {
        let invalid = || Error::unauthorized("the access token is invalid or has expired");
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        if header.alg != Algorithm::EdDSA {
            return Err(invalid());
        }
        let kid = header.kid.ok_or_else(invalid)?;
        let key = match self.find(&kid) {
            Some(key) => key,
            // Perhaps another instance made a key we have not loaded yet.
            None => {
                self.reload_throttled(pool).await?;
                self.find(&kid).ok_or_else(invalid)?
            }
        };
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&["portal", "tech"]);
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<Claims>(token, &key.decoding, &validation)
            .map_err(|_| invalid())?;
        if data.claims.aud != audience(data.claims.kind) {
            return Err(invalid());
        }
        Ok(data.claims)
    }

    /// The published keys, from memory; reloaded at most once a second to see other instances' keys.
    pub async fn jwks(&self, pool: &PgPool) -> Result<Jwks> {
        self.reload_throttled(pool).await?;
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        Ok(Jwks {
            keys: keys
                .iter()
                .map(|k| Jwk {
                    kty: "OKP",
                    crv: "Ed25519",
                    x: URL_SAFE_NO_PAD.encode(&k.public),
                    kid: k.kid.clone(),
                    use_: "sig",
                    alg: "EdDSA",
                })
                .collect(),
        })
    }

    /// Makes a new signing key the active one; older keys keep verifying until they retire.
    pub async fn rotate(&self, pool: &PgPool) -> Result<String> {
        let kid = self.create_key(pool).await?;
        self.reload(pool).await?;
        Ok(kid)
    }

    fn find(&self, kid: &str) -> Option<std::sync::Arc<LoadedKey>> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        keys.iter().find(|k| k.kid == kid).cloned()
    }

    fn newest_fresh(&self) -> Option<std::sync::Arc<LoadedKey>> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let fresh_after =
            Utc::now() - chrono::Duration::from_std(self.rotation).unwrap_or(chrono::Duration::MAX);
        keys.first().filter(|k| k.created_at > fresh_after).cloned()
    }

    async fn active_key(&self, pool: &PgPool) -> Result<std::sync::Arc<LoadedKey>> {
        if let Some(key) = self.newest_fresh() {
            return Ok(key);
        }
        self.reload(pool).await?;
        if let Some(key) = self.newest_fresh() {
            return Ok(key);
        }
        self.create_key_unless_fresh(pool).await?;
        self.reload(pool).await?;
        self.newest_fresh()
            .ok_or_else(|| Error::internal("no signing key after creating one"))
    }

    /// Creates a key under an advisory lock, so instances starting together make only one.
    async fn create_key_unless_fresh(&self, pool: &PgPool) -> Result<()> {
        let mut tx = pool.begin().await?;
        let newest = signing_keys::newest_locked(&mut tx).await?;
        let fresh_after =
            Utc::now() - chrono::Duration::from_std(self.rotation).map_err(Error::internal)?;
        if newest.is_none_or(|t| t <= fresh_after) {
            signing_keys::insert(&mut *tx, &self.new_key_row()?).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn create_key(&self, pool: &PgPool) -> Result<String> {
        let row = self.new_key_row()?;
        signing_keys::insert(pool, &row).await?;
        Ok(row.kid)
    }

    fn new_key_row(&self) -> Result<SigningKeyRow> {
        let mut seed = [0u8; 32];
        rand::rng().fill_bytes(&mut seed);
        let signing = SigningKey::from_bytes(&seed);
        let created_at = Utc::now();
        // Kept verifiable for a rotation period plus the longest token lifetime, plus a margin.
        let keep = self.rotation + MAX_LIFETIME + Duration::from_secs(3600);
        Ok(SigningKeyRow {
            kid: format!("k{}", &uuid::Uuid::new_v4().simple().to_string()[..16]),
            private_key_enc: self.server_key.seal(&seed),
            public_key: signing.verifying_key().to_bytes().to_vec(),
            created_at,
            retire_after: created_at + chrono::Duration::from_std(keep).map_err(Error::internal)?,
        })
    }

    async fn reload_throttled(&self, pool: &PgPool) -> Result<()> {
        {
            let mut last = self.last_reload.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
                return Ok(());
            }
            *last = Some(Instant::now());
        }
        self.reload(pool).await
    }

    async fn reload(&self, pool: &PgPool) -> Result<()> {
        let rows = signing_keys::live(pool).await?;
        let mut loaded = Vec::with_capacity(rows.len());
        for row in rows {
            let seed: [u8; 32] = self
                .server_key
                .open(&row.private_key_enc)?
                .try_into()
                .map_err(|_| Error::internal("a stored signing key has the wrong length"))?;
            let der = SigningKey::from_bytes(&seed)
                .to_pkcs8_der()
                .map_err(Error::internal)?;
            loaded.push(std::sync::Arc::new(LoadedKey {
                kid: row.kid,
                created_at: row.created_at,
                encoding: EncodingKey::from_ed_der(der.as_bytes()),
                decoding: DecodingKey::from_ed_der(&row.public_key),
                public: row.public_key,
            }));
        }
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = loaded;
        Ok(())
    }
}
