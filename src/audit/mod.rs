//! The audit log: who did what to which record, when, with the record before and after.
//! Entries form a hash chain (see [`chain`]) that `portal audit verify` and the audit page
//! check end to end.

pub mod actions;
pub mod api;
pub mod chain;
pub mod pages;
pub mod routes;
pub mod store;

pub use store::{Actor, Change, record, record_all, record_with};
