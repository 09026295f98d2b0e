//! Analytics: the facts kept about each ticket, and the reports read from them.

pub mod facts;
pub mod reports;

pub use facts::*;
