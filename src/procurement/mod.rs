//! Procurement (rules 4–7, 10): the monthly plan and its routing, quote comparison, the
//! contract ledger with audit sign-offs.
//!
//! `rules` holds the pure rules (plan months and due dates, lead times by plan type, routing
//! by stock and value, the three-quote choice, sign-off levels and deadlines), `store` the
//! persistence (plans, quotes, [`store::create_contract`], sign-offs, adopting a contract
//! price), `api` and `pages` the handlers.

pub mod api;
pub mod pages;
pub mod rules;
pub mod store;
