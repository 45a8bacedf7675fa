//! User administration: the admin adds people with a role (a supplier user tied to its
//! supplier, a site user to its site), changes roles, deactivates and resets passwords.

pub mod api;
pub mod pages;
pub mod store;
