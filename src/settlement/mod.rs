//! Consignment settlement (rule 11): periods and statements (`rules` holds the pure rules,
//! `store` closing and the workflow, `api` and `pages` the handlers), and the site usage and
//! stock reports (`reports`).

pub mod api;
pub mod pages;
pub mod reports;
pub mod rules;
pub mod store;
