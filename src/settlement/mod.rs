//! Consignment settlement (rule 11): periods, statements, their workflow.

pub mod rules;
