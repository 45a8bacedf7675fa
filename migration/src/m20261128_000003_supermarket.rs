//! The supermarket: listings and their prices, deliveries and inspection, stock lots and the
//! movement ledger, requisitions.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000003_supermarket"
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

fn ix(table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(format!("ix_{table}_{}", cols.join("_")))
        .table(table);
    for c in cols {
        i.col(*c);
    }
    i.take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("listings")
                .col(big_pk_auto("id"))
                .col(big_integer("supplier_id"))
                .col(big_integer("material_id"))
                .col(big_integer("warehouse_id"))
                .col(big_integer("price"))
                .col(big_integer("min_stock"))
                .col(big_integer("max_stock"))
                .col(integer("lead_time_days"))
                .col(big_integer("on_hand"))
                .col(big_integer("reserved"))
                .col(boolean("active"))
                .col(text("search_text"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("listings", "supplier_id", "suppliers"))
                .foreign_key(&mut fk("listings", "material_id", "materials"))
                .foreign_key(&mut fk("listings", "warehouse_id", "warehouses"))
                .take(),
        )
        .await?;
        m.create_index(
            ix("listings", &["supplier_id", "material_id", "warehouse_id"])
                .unique()
                .take(),
        )
        .await?;
        m.create_index(ix("listings", &["material_id"])).await?;

        m.create_table(
            Table::create()
                .table("price_changes")
                .col(big_pk_auto("id"))
                .col(big_integer("listing_id"))
                .col(big_integer("old_price"))
                .col(big_integer("new_price"))
                .col(date("effective_on"))
                .col(string("status"))
                .col(text("reason"))
                .col(big_integer("requested_by"))
                .col(timestamp_with_time_zone("requested_at"))
                .col(big_integer_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .foreign_key(&mut fk("price_changes", "listing_id", "listings"))
                .take(),
        )
        .await?;
        m.create_index(ix("price_changes", &["listing_id"])).await?;

        m.create_table(
            Table::create()
                .table("deliveries")
                .col(big_pk_auto("id"))
                .col(big_integer("supplier_id"))
                .col(big_integer("warehouse_id"))
                .col(string("note_number"))
                .col(string("arrival"))
                .col(date("delivered_on"))
                .col(string("status"))
                .col(big_integer("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(big_integer_null("inspected_by"))
                .col(timestamp_with_time_zone_null("inspected_at"))
                .foreign_key(&mut fk("deliveries", "supplier_id", "suppliers"))
                .foreign_key(&mut fk("deliveries", "warehouse_id", "warehouses"))
                .take(),
        )
        .await?;
        m.create_index(ix("deliveries", &["status"])).await?;

        m.create_table(
            Table::create()
                .table("delivery_lines")
                .col(big_pk_auto("id"))
                .col(big_integer("delivery_id"))
                .col(big_integer("listing_id"))
                .col(big_integer("quantity"))
                .col(string("batch_no"))
                .col(big_integer_null("certificate_file_id"))
                .col(big_integer("accepted"))
                .col(big_integer("rejected"))
                .col(text("reject_reason"))
                .col(text("checks"))
                .foreign_key(&mut fk("delivery_lines", "delivery_id", "deliveries"))
                .foreign_key(&mut fk("delivery_lines", "listing_id", "listings"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("lots")
                .col(big_pk_auto("id"))
                .col(big_integer("listing_id"))
                .col(big_integer("supplier_id"))
                .col(big_integer("warehouse_id"))
                .col(big_integer_null("delivery_line_id"))
                .col(date("received_on"))
                .col(big_integer("quantity"))
                .col(date("last_movement_on"))
                .col(date_null("stale_flagged_on"))
                .col(string_null("return_request"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("lots", "listing_id", "listings"))
                .foreign_key(&mut fk("lots", "supplier_id", "suppliers"))
                .take(),
        )
        .await?;
        m.create_index(ix("lots", &["listing_id", "received_on"]))
            .await?;
        m.create_index(ix("lots", &["last_movement_on"])).await?;

        m.create_table(
            Table::create()
                .table("requisitions")
                .col(big_pk_auto("id"))
                .col(big_integer("site_id"))
                .col(big_integer("requested_by"))
                .col(text("purpose"))
                .col(date("need_by"))
                .col(string("status"))
                .col(big_integer_null("approved_by"))
                .col(timestamp_with_time_zone_null("approved_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("requisitions", "site_id", "sites"))
                .take(),
        )
        .await?;
        m.create_index(ix("requisitions", &["status"])).await?;

        m.create_table(
            Table::create()
                .table("requisition_lines")
                .col(big_pk_auto("id"))
                .col(big_integer("requisition_id"))
                .col(big_integer("listing_id"))
                .col(big_integer("quantity"))
                .col(big_integer("unit_price"))
                .col(big_integer("reserved"))
                .col(big_integer("issued"))
                .foreign_key(&mut fk(
                    "requisition_lines",
                    "requisition_id",
                    "requisitions",
                ))
                .foreign_key(&mut fk("requisition_lines", "listing_id", "listings"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("movements")
                .col(big_pk_auto("id"))
                .col(big_integer("lot_id"))
                .col(big_integer("listing_id"))
                .col(big_integer("supplier_id"))
                .col(big_integer("warehouse_id"))
                .col(string("kind"))
                .col(big_integer("quantity"))
                .col(big_integer("unit_price"))
                .col(big_integer("amount"))
                .col(big_integer_null("requisition_line_id"))
                .col(big_integer_null("site_id"))
                .col(date("on_date"))
                .col(timestamp_with_time_zone("at"))
                .col(big_integer_null("by_user"))
                .col(text("note"))
                .foreign_key(&mut fk("movements", "lot_id", "lots"))
                .take(),
        )
        .await?;
        m.create_index(ix("movements", &["lot_id"])).await?;
        m.create_index(ix("movements", &["supplier_id", "at"]))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "movements",
            "requisition_lines",
            "requisitions",
            "lots",
            "delivery_lines",
            "deliveries",
            "price_changes",
            "listings",
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
