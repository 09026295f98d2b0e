//! Real-time chat between contacts and members. A contact asks (`request`) or a member starts one
//! with a contact (`push`); members handle, invite, write (also system messages), close with a
//! note, and turn a chat into a ticket with its transcript. Requests nobody handles in time are
//! missed; a contact may ask to be called back instead. Every change is one transaction that also
//! writes the live events the streams carry and, for status changes, the webhook event whose
//! payload is DeskDirector's `ChatSession`.

pub mod members;
pub mod messages;
pub mod missed;
pub mod opening;
pub mod presence;
pub mod reading;
pub mod session;
pub mod transcript;

pub use members::{close, handle, invite, leave};
pub use messages::{messages, send};
pub use missed::{missed_after, set_missed_after, spawn_missed_sweeper};
pub use opening::{ask_callback, push, request};
pub use presence::{presence, set_presence};
pub use reading::{get, list};
pub use session::{
    CHAT_STATUS_CHANGED, EVENT_TYPES, MAX_MESSAGE_CHARS, NEW_CHAT_SESSION, Participant, participant,
};
pub use transcript::to_ticket;
