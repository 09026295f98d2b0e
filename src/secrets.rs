//! Random credentials, their one-way hashes, and encryption at rest with the server key.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit},
};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::path::Path;

use crate::config::Secret;

/// The prefixes make a leaked credential recognisable (secret scanners, logs, support).
pub const API_KEY_PREFIX: &str = "ddk_";
pub const PERSONAL_TOKEN_PREFIX: &str = "ddp_";
pub const SESSION_PREFIX: &str = "dds_";

/// A new credential: `prefix` + 32 random bytes, base64url.
pub fn generate_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A short random identifier for rows that have string ids (keys, tokens).
pub fn generate_id(prefix: &str) -> String {
    let mut bytes = [0u8; 9];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub fn sha256(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}

/// What may be shown of a credential after creation: its prefix and first characters.
pub fn display_prefix(token: &str) -> String {
    token.chars().take(12).collect()
}

/// Constant-time comparison for secrets held in configuration.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Encrypts and decrypts secrets that must be recoverable (signing keys, webhook secrets).
#[derive(Clone)]
pub struct ServerKey(XChaCha20Poly1305);

impl ServerKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self(XChaCha20Poly1305::new(bytes.into()))
    }

    /// `DESKD_SECRET_KEY` when configured, otherwise a key kept in `data_dir/secret.key` (created once).
    pub fn load(configured: Option<&Secret>, data_dir: &Path) -> anyhow::Result<Self> {
        if let Some(secret) = configured {
            return Ok(Self::from_bytes(&decode_key(secret.expose()).ok_or_else(
                || anyhow::anyhow!("DESKD_SECRET_KEY must be 32 bytes, hex or base64 encoded"),
            )?));
        }
        let path = data_dir.join("secret.key");
        if let Ok(text) = std::fs::read_to_string(&path) {
            let bytes = decode_key(text.trim()).ok_or_else(|| {
                anyhow::anyhow!("{} does not hold a 32-byte hex key", path.display())
            })?;
            return Ok(Self::from_bytes(&bytes));
        }
        std::fs::create_dir_all(data_dir)?;
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        write_private_file(&path, &hex::encode(bytes))?;
        tracing::info!(path = %path.display(), "generated a new server secret key");
        Ok(Self::from_bytes(&bytes))
    }

    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let mut out = nonce.to_vec();
        out.extend(
            self.0
                .encrypt(XNonce::from_slice(&nonce), plaintext)
                .expect("XChaCha20-Poly1305 encryption does not fail for in-memory buffers"),
        );
        out
    }

    pub fn open(&self, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        if sealed.len() < 24 {
            anyhow::bail!("sealed secret is truncated");
        }
        let (nonce, ciphertext) = sealed.split_at(24);
        self.0
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| anyhow::anyhow!("cannot decrypt a stored secret: is DESKD_SECRET_KEY the one it was sealed with?"))
    }
}

fn decode_key(text: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(text)
        .ok()
        .or_else(|| base64::engine::general_purpose::STANDARD.decode(text).ok())
        .or_else(|| URL_SAFE_NO_PAD.decode(text).ok())?;
    bytes.try_into().ok()
}

fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}
