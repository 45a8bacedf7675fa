//! sea-orm entities: one module per table, no business logic.
//!
//! Money and quantities are stored as scaled integers ([`Fixed`]) so that SQLite and
//! PostgreSQL keep them exact alike (sea-orm reads SQLite decimals through `f64`).

pub mod audit_head;
pub mod audit_log;
pub mod bid;
pub mod bid_score;
pub mod category;
pub mod consignment_agreement;
pub mod contract;
pub mod contract_item;
pub mod contract_signoff;
pub mod delivery;
pub mod delivery_line;
pub mod document_counter;
pub mod email_token;
pub mod ended_session;
pub mod file;
pub mod fixed;
pub mod ids;
pub mod issue_slip;
pub mod job_run;
pub mod listing;
pub mod login_failure;
pub mod lot;
pub mod material;
pub mod material_gram;
pub mod material_proposal;
pub mod movement;
pub mod notice;
pub mod notice_preference;
pub mod outbox;
pub mod password_reset;
pub mod plan;
pub mod plan_line;
pub mod price_candidate;
pub mod price_change;
pub mod price_survey;
pub mod price_survey_reminder;
pub mod quote;
pub mod receiving_slip;
pub mod requisition;
pub mod requisition_event;
pub mod requisition_line;
pub mod setting;
pub mod site;
pub mod statement;
pub mod statement_adjustment;
pub mod statement_line;
pub mod stock_count;
pub mod supplier;
pub mod supplier_category;
pub mod supplier_document;
pub mod supplier_failure;
pub mod supplier_review;
pub mod tender;
pub mod tender_committee;
pub mod tender_document;
pub mod tender_invitation;
pub mod tender_item;
pub mod unit;
pub mod user;
pub mod warehouse;

pub use fixed::Fixed;
pub use ids::*;
