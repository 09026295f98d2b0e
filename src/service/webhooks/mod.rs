//! Webhooks: subscriptions (the Admin API) and the worker that delivers their events, never to
//! private addresses unless configuration allows it.

pub mod delivery;
pub mod subscriptions;

pub use delivery::{REST, deliver_due, spawn_worker};
pub use subscriptions::*;
