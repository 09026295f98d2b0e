//! Use cases: validation, authorization beyond the family rules, transactions, invalidation.

pub mod attachments;
pub mod broadcasts;
pub mod chats;
pub mod companies;
pub mod configuration;
pub mod contact_groups;
pub mod contacts;
pub mod credentials;
pub mod demo;
pub mod email;
pub mod events;
pub mod flows;
pub mod members;
pub mod notifications;
pub mod office_hours;
pub mod seed;
pub mod sessions;
pub mod sla;
pub mod tasks;
pub mod tenants;
pub mod tickets;
pub mod validate;
pub mod webhooks;
pub mod workers;
pub mod workflows;
