//! Integration tests: a real PostgreSQL, the real router (and, for the CLI, the real binary).

mod attachments;
mod chats;
mod cli;
mod companies;
mod configuration;
mod connector;
mod contacts;
mod credentials;
mod deeplinks;
mod email;
mod email_imap;
mod email_inbound;
mod errors;
mod events;
mod layout;
mod limits;
mod live;
mod members;
mod notifications;
mod openapi;
mod sessions;
mod sql;
mod support;
mod tenancy;
mod tickets;
mod webhooks;
