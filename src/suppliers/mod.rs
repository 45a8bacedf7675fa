//! Suppliers: their life cycle and the rules about them (DOMAIN.md rules 1 and 2).
//! So far: statuses and the unified social credit code; applications, reviews and
//! failures build on these.

pub mod rules;
