//! API and page tests against the real app on a real database (SQLite by default,
//! PostgreSQL when TEST_DATABASE_URL is set). One binary, a module per capability.

// A test fails by panicking: unwrap and expect say where (clippy.toml allows them in unit
// tests; these integration-test crates say it here).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod audit;
mod auth;
mod catalogue;
mod dashboards;
mod database;
mod filters;
mod forms;
mod forms_walk;
mod four_eyes;
mod funds_plan;
mod hardening;
mod home;
mod inputs;
mod jobs;
mod mail;
mod materials;
mod money_pages;
mod monthly_pack;
mod notices;
mod pages;
mod password_reset;
mod plan_prices;
mod price_watch;
mod procurement;
mod requisition_documents;
mod robustness;
mod role_matrix;
mod roles;
mod sealed;
mod sessions;
mod settlement;
mod settlement_reports;
mod shell;
mod stock;
mod stock_import;
mod stock_pages;
mod stock_returns;
mod stock_site_returns;
mod suppliers;
mod tenders;
mod users;
