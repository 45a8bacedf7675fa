//! The supermarket's stock (DOMAIN.md rules 3, 8, 9 and 12): listings, deliveries and
//! receiving inspection, consigned lots and the movement ledger, requisitions, issue.
//! `rules.rs` holds the pure rules, `store.rs` the transactions, `api.rs` and `pages.rs`
//! the handlers.

pub mod api;
pub mod counts;
pub mod import;
pub mod lot_pages;
pub mod pages;
pub mod removal;
pub mod returns;
pub mod rules;
pub mod site_returns;
pub mod store;
