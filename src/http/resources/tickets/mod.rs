//! Tickets for the client portal (a contact's own, their groups' or company's) and for staff
//! (members, admins and API keys: every ticket of the tenant), with the search both staff and
//! the Copilot connector use.

pub mod portal;
pub mod search;
pub mod staff;
pub mod views;

pub use portal::portal_routes;
pub use search::{OpenState, TaskProgressFilter, TicketSearchQuery, ids};
pub use staff::{page_of_tickets, precondition, staff_routes};
pub use views::{TaggedTicket, TicketNoteUser, TicketNoteView, TicketView, tagged};
