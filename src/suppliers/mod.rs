//! Suppliers (DOMAIN.md rules 1 and 2): online application, documents, qualification review
//! and admission with its consignment agreement, quality and price failures with removal on
//! the second confirmed one, suspension, the directory.
//!
//! `rules.rs` holds the pure rules (life cycle, two failures and out, document validity,
//! credit codes); `store.rs` the transactions; `api.rs` and `pages.rs` the handlers.

pub mod api;
pub mod checks;
pub mod pages;
pub mod rules;
pub mod store;
