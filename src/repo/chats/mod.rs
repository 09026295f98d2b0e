//! Chat sessions, the people in them, their messages, members' presence and the chat settings.

pub mod messages;
pub mod people;
pub mod sessions;
pub mod settings;

pub use messages::*;
pub use people::*;
pub use sessions::*;
pub use settings::*;
