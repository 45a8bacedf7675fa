//! The price watch (rule 13): market price surveys in the price ledger, survey reminders,
//! listings priced above the market as price-failure candidates.
//!
//! `rules` holds the pure rules (a survey is due after two weeks, "above the margin", what a
//! unit price and a source may be), `store` the ledger, the `price-survey-due` job and the
//! decisions on candidates (a confirmed one becomes a price failure through the suppliers'
//! own flow, so rule 2 counts it), `api` and `pages` the handlers.

pub mod api;
pub mod pages;
pub mod rules;
pub mod store;
