//! Schema migrations. The same migrations run on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_foundation;
mod m20261128_000002_suppliers;
mod m20261128_000003_supermarket;
mod m20261128_000004_stock_counts;
mod m20261128_000005_material_proposals;
mod m20261128_000006_search_grams;
mod m20261128_000007_settlement;
mod m20261128_000008_tenders;
mod m20261128_000009_procurement;
mod m20261128_000010_price_watch;
mod m20261128_000011_lot_supplier_index;
mod m20261206_000012_requisition_documents;
mod m20261206_000013_notices;
mod m20261206_000014_sessions_valid_from;
mod m20261206_000015_document_acceptance;
mod m20261206_000016_tender_committee;
mod m20261206_000017_token_version;
mod m20261206_000018_quote_choice_approval;
mod m20261206_000019_plan_prices;
mod m20261206_000020_ended_sessions;
mod m20261206_000021_funds_plan;
mod m20261206_000022_monthly_packs;
mod m20261206_000023_movement_kind_day_index;
mod m20261206_000024_dashboard_covering_indexes;
mod m20261206_000025_catalogue_changes;
mod m20261207_000026_audit_head_by_trigger;
mod m20261207_000027_catalogue_shows_unit_and_warehouse;
mod m20261207_000028_child_row_indexes;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_foundation::Migration),
            Box::new(m20261128_000002_suppliers::Migration),
            Box::new(m20261128_000003_supermarket::Migration),
            Box::new(m20261128_000004_stock_counts::Migration),
            Box::new(m20261128_000005_material_proposals::Migration),
            Box::new(m20261128_000006_search_grams::Migration),
            Box::new(m20261128_000007_settlement::Migration),
            Box::new(m20261128_000008_tenders::Migration),
            Box::new(m20261128_000009_procurement::Migration),
            Box::new(m20261128_000010_price_watch::Migration),
            Box::new(m20261128_000011_lot_supplier_index::Migration),
            Box::new(m20261206_000012_requisition_documents::Migration),
            Box::new(m20261206_000013_notices::Migration),
            Box::new(m20261206_000014_sessions_valid_from::Migration),
            Box::new(m20261206_000015_document_acceptance::Migration),
            Box::new(m20261206_000016_tender_committee::Migration),
            Box::new(m20261206_000017_token_version::Migration),
            Box::new(m20261206_000018_quote_choice_approval::Migration),
            Box::new(m20261206_000019_plan_prices::Migration),
            Box::new(m20261206_000020_ended_sessions::Migration),
            Box::new(m20261206_000021_funds_plan::Migration),
            Box::new(m20261206_000022_monthly_packs::Migration),
            Box::new(m20261206_000023_movement_kind_day_index::Migration),
            Box::new(m20261206_000024_dashboard_covering_indexes::Migration),
            Box::new(m20261206_000025_catalogue_changes::Migration),
            Box::new(m20261207_000026_audit_head_by_trigger::Migration),
            Box::new(m20261207_000027_catalogue_shows_unit_and_warehouse::Migration),
            Box::new(m20261207_000028_child_row_indexes::Migration),
        ]
    }
}
