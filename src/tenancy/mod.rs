//! Which tenant a request is for, from its `Host` header.

pub mod directory;
pub mod resolve;

pub use directory::{Site, TenantDirectory, normalize_host};
pub use resolve::{resolve_site, tenant_not_found};
