//! Supplier admission, documents, reviews, consignment agreements and failures.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000002_suppliers"
    }
}

fn fk(from_table: &'static str, col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{col}"))
        .from(from_table, col)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

fn add_column(table: &'static str, col: ColumnDef) -> TableAlterStatement {
    Table::alter().table(table).add_column(col).take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for col in [
            string("legal_representative").default("").take(),
            string("address").default("").take(),
            string("bank_name").default("").take(),
            string("bank_account").default("").take(),
            timestamp_with_time_zone_null("submitted_at").take(),
            timestamp_with_time_zone_null("admitted_at").take(),
            date_null("next_review_on").take(),
            date_null("suspended_until").take(),
            date_null("review_reminded_on").take(),
            text("status_reason").default("").take(),
            integer("confirmed_failures").default(0).take(),
        ] {
            m.alter_table(add_column("suppliers", col)).await?;
        }
        m.alter_table(add_column(
            "users",
            boolean("email_verified").default(true).take(),
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("supplier_categories")
                .col(big_integer("supplier_id"))
                .col(big_integer("category_id"))
                .primary_key(Index::create().col("supplier_id").col("category_id"))
                .foreign_key(&mut fk("supplier_categories", "supplier_id", "suppliers"))
                .foreign_key(&mut fk("supplier_categories", "category_id", "categories"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("files")
                .col(big_pk_auto("id"))
                .col(big_integer_null("supplier_id"))
                .col(string("purpose"))
                .col(string("file_name"))
                .col(string("content_type"))
                .col(big_integer("size"))
                .col(string("sha256"))
                .col(string("stored_as"))
                .col(big_integer_null("uploaded_by"))
                .col(timestamp_with_time_zone("uploaded_at"))
                .foreign_key(&mut fk("files", "supplier_id", "suppliers"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("supplier_documents")
                .col(big_pk_auto("id"))
                .col(big_integer("supplier_id"))
                .col(string("kind"))
                .col(string("title"))
                .col(date("issued_on"))
                .col(date("expires_on"))
                .col(big_integer("file_id"))
                .col(timestamp_with_time_zone_null("expiry_warned_at"))
                .col(boolean("active"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("supplier_documents", "supplier_id", "suppliers"))
                .foreign_key(&mut fk("supplier_documents", "file_id", "files"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_supplier_documents_supplier")
                .table("supplier_documents")
                .col("supplier_id")
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_supplier_documents_expires")
                .table("supplier_documents")
                .col("expires_on")
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("supplier_reviews")
                .col(big_pk_auto("id"))
                .col(big_integer("supplier_id"))
                .col(big_integer("reviewer_id"))
                .col(string("stage"))
                .col(text("checklist"))
                .col(text("notes"))
                .col(string("decision"))
                .col(text("reasons"))
                .col(timestamp_with_time_zone("decided_at"))
                .foreign_key(&mut fk("supplier_reviews", "supplier_id", "suppliers"))
                .foreign_key(&mut fk("supplier_reviews", "reviewer_id", "users"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("consignment_agreements")
                .col(big_pk_auto("id"))
                .col(big_integer_uniq("supplier_id"))
                .col(string_uniq("number"))
                .col(date("starts_on"))
                .col(date("ends_on"))
                .col(text("categories"))
                .col(integer("cutoff_day"))
                .col(integer("stale_months"))
                .col(big_integer("tax_rate"))
                .col(date("signed_on"))
                .col(big_integer("approved_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "consignment_agreements",
                    "supplier_id",
                    "suppliers",
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("supplier_failures")
                .col(big_pk_auto("id"))
                .col(big_integer("supplier_id"))
                .col(string("kind"))
                .col(string("source"))
                .col(text("description"))
                .col(big_integer_null("evidence_file_id"))
                .col(big_integer("recorded_by"))
                .col(timestamp_with_time_zone("recorded_at"))
                .col(text("supplier_response"))
                .col(timestamp_with_time_zone_null("responded_at"))
                .col(string("status"))
                .col(big_integer_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(text("decision_note"))
                .foreign_key(&mut fk("supplier_failures", "supplier_id", "suppliers"))
                .foreign_key(&mut fk("supplier_failures", "evidence_file_id", "files"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_supplier_failures_supplier")
                .table("supplier_failures")
                .col("supplier_id")
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("email_tokens")
                .col(big_pk_auto("id"))
                .col(string_uniq("token_hash"))
                .col(big_integer("user_id"))
                .col(string("purpose"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .foreign_key(&mut fk("email_tokens", "user_id", "users"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "email_tokens",
            "supplier_failures",
            "consignment_agreements",
            "supplier_reviews",
            "supplier_documents",
            "files",
            "supplier_categories",
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
