//! Credentials: API keys (admins), personal access tokens (members, for themselves), and access
//! tokens minted for a person by an API key (`userkey`).

pub mod api_keys;
pub mod personal_tokens;
pub mod user_keys;
