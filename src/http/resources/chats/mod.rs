//! Chats: contacts start them, write, ask for a callback and leave (portal); members see the
//! queue, handle, invite, write, close, push, turn chats into tickets and share presence (tech);
//! admins set how long a request may wait before it is missed.

pub mod portal;
pub mod settings;
pub mod shapes;
pub mod tech;

pub use portal::portal_routes;
pub use settings::admin_routes;
pub use tech::tech_routes;
