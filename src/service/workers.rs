//! The background work every `deskd serve` and `deskd worker` process does. Each job claims its
//! rows with `FOR UPDATE SKIP LOCKED`, so any number of processes share it without doing it twice.

use super::{attachments, chats, email, retention, sla, webhooks};
use crate::state::AppState;

/// Starts delivering webhooks and mail, polling mailboxes, marking missed chats, forgetting
/// unattached uploads, telling SLA warnings and breaches, and removing old records.
pub fn spawn(state: &AppState) {
    webhooks::spawn_worker(state.clone());
    email::spawn_worker(state.clone());
    email::imap::spawn_poller(state.clone());
    chats::spawn_missed_sweeper(state.clone());
    attachments::spawn_sweeper(state.clone());
    sla::spawn_sweeper(state.clone());
    retention::spawn(state.clone());
}
