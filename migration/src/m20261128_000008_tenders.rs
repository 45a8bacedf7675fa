//! Tenders with sealed bids (rule 4): the tender, its items, documents and invitations; bids
//! (prices kept only as AES-256-GCM ciphertext until opening) and the committee's scores.
//!
//! The unique keys carry the rules that must hold under concurrency: one bid per supplier and
//! tender, one invitation per supplier and tender, one score per member and bid.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000008_tenders"
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

fn ix(table: &'static str, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create();
    let prefix = if unique { "ux" } else { "ix" };
    i.name(format!("{prefix}_{table}_{}", cols.join("_")))
        .table(table);
    for c in cols {
        i.col(*c);
    }
    if unique {
        i.unique();
    }
    i.take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("tenders")
                .col(big_pk_auto("id"))
                .col(string("number").unique_key())
                .col(string("title"))
                .col(string("kind"))
                .col(big_integer("category_id"))
                .col(text("description").default(""))
                .col(string("status"))
                .col(timestamp_with_time_zone("bid_deadline"))
                .col(integer("weight_price"))
                .col(integer("weight_quality"))
                .col(integer("weight_delivery"))
                .col(big_integer_null("reissue_of"))
                .col(big_integer("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(big_integer_null("published_by"))
                .col(timestamp_with_time_zone_null("published_at"))
                .col(big_integer_null("open_first_by"))
                .col(timestamp_with_time_zone_null("open_first_at"))
                .col(big_integer_null("opened_by"))
                .col(timestamp_with_time_zone_null("opened_at"))
                .col(big_integer_null("evaluated_by"))
                .col(timestamp_with_time_zone_null("evaluated_at"))
                .col(big_integer_null("recommended_bid_id"))
                .col(big_integer_null("awarded_bid_id"))
                .col(big_integer_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(text("decision_note").default(""))
                .col(string("failed_reason").default(""))
                .foreign_key(&mut fk("tenders", "category_id", "categories"))
                .foreign_key(&mut fk("tenders", "reissue_of", "tenders"))
                .foreign_key(&mut fk("tenders", "created_by", "users"))
                .take(),
        )
        .await?;
        m.create_index(ix("tenders", &["status"], false)).await?;
        // A failed tender is re-issued once.
        m.create_index(ix("tenders", &["reissue_of"], true)).await?;

        m.create_table(
            Table::create()
                .table("tender_items")
                .col(big_pk_auto("id"))
                .col(big_integer("tender_id"))
                .col(integer("line_no"))
                .col(big_integer("material_id"))
                .col(big_integer("quantity"))
                .col(text("specification").default(""))
                .col(string("unit_code"))
                .foreign_key(&mut fk("tender_items", "tender_id", "tenders"))
                .foreign_key(&mut fk("tender_items", "material_id", "materials"))
                .take(),
        )
        .await?;
        m.create_index(ix("tender_items", &["tender_id", "line_no"], true))
            .await?;

        m.create_table(
            Table::create()
                .table("tender_documents")
                .col(big_pk_auto("id"))
                .col(big_integer("tender_id"))
                .col(big_integer("file_id"))
                .col(big_integer("added_by"))
                .col(timestamp_with_time_zone("added_at"))
                .foreign_key(&mut fk("tender_documents", "tender_id", "tenders"))
                .foreign_key(&mut fk("tender_documents", "file_id", "files"))
                .take(),
        )
        .await?;
        m.create_index(ix("tender_documents", &["tender_id", "file_id"], true))
            .await?;

        m.create_table(
            Table::create()
                .table("tender_invitations")
                .col(big_pk_auto("id"))
                .col(big_integer("tender_id"))
                .col(big_integer("supplier_id"))
                .col(big_integer("invited_by"))
                .col(timestamp_with_time_zone("invited_at"))
                .foreign_key(&mut fk("tender_invitations", "tender_id", "tenders"))
                .foreign_key(&mut fk("tender_invitations", "supplier_id", "suppliers"))
                .take(),
        )
        .await?;
        m.create_index(ix(
            "tender_invitations",
            &["tender_id", "supplier_id"],
            true,
        ))
        .await?;
        m.create_index(ix("tender_invitations", &["supplier_id"], false))
            .await?;

        // No price or total column: the bid's lines are only ever stored sealed.
        m.create_table(
            Table::create()
                .table("bids")
                .col(big_pk_auto("id"))
                .col(big_integer("tender_id"))
                .col(big_integer("supplier_id"))
                .col(string("status"))
                .col(text("sealed"))
                .col(string("nonce"))
                .col(integer("revision").default(1))
                .col(big_integer("submitted_by"))
                .col(timestamp_with_time_zone("submitted_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("disqualified_at"))
                .col(string("disqualified_reason").default(""))
                .foreign_key(&mut fk("bids", "tender_id", "tenders"))
                .foreign_key(&mut fk("bids", "supplier_id", "suppliers"))
                .take(),
        )
        .await?;
        m.create_index(ix("bids", &["tender_id", "supplier_id"], true))
            .await?;
        m.create_index(ix("bids", &["supplier_id", "status"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("bid_scores")
                .col(big_pk_auto("id"))
                .col(big_integer("bid_id"))
                .col(big_integer("member_id"))
                .col(integer("quality"))
                .col(integer("delivery"))
                .col(timestamp_with_time_zone("scored_at"))
                .foreign_key(&mut fk("bid_scores", "bid_id", "bids"))
                .foreign_key(&mut fk("bid_scores", "member_id", "users"))
                .take(),
        )
        .await?;
        m.create_index(ix("bid_scores", &["bid_id", "member_id"], true))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "bid_scores",
            "bids",
            "tender_invitations",
            "tender_documents",
            "tender_items",
            "tenders",
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
