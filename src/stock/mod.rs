//! The supermarket's stock (DOMAIN.md rules 3, 8, 9 and 12): listings, deliveries and
//! receiving inspection, consigned lots and the movement ledger, requisitions, issue.
//! This first part holds the pure rules.

pub mod api;
pub mod rules;
pub mod store;
