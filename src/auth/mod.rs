//! Credentials in, one role-scoped principal out.

pub mod access_token;
pub mod cache;
pub mod dialect;
pub mod extractors;
pub mod password;
pub mod principal;
pub mod resolve;
pub mod session;
pub mod throttle;

pub use dialect::Dialect;
pub use principal::{Actor, AuthMethod, Authentication, Family, Principal};
