//! Tickets: raising them, who may see them, the conversation, changes recorded field by field,
//! closing and reopening, approvals, merging, and the staff search.

pub mod approvals;
pub mod change;
pub mod conversation;
pub mod create;
pub mod custom_values;
pub mod history;
pub mod lifecycle;
pub mod mail;
pub mod merge;
pub mod read;
pub mod settle;
pub mod types;

pub use approvals::{decide_approval, pending_approvals};
pub use change::{bulk_patch, live_ticket, patch, replace, set_assigned};
pub use conversation::{add_comment, add_note, notes};
pub use create::{create, create_for_contact};
pub use history::record_change;
pub use lifecycle::{close_for_contact, reopen_for_contact, set_archived};
pub use merge::merge;
pub use read::{find, get, latest_notes, list_for_contact, time_entries_of};
pub use types::*;
