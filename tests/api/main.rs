//! Integration tests: a real PostgreSQL, the real router (and, for the CLI, the real binary).

mod attachments;
mod chats;
mod cli;
mod configuration;
mod connector;
mod credentials;
mod deeplinks;
mod errors;
mod events;
mod limits;
mod notifications;
mod openapi;
mod people;
mod sessions;
mod sql;
mod support;
mod tenancy;
mod tickets;
mod webhooks;
