//! Accounts, organisation, materials master, audit chain, mail outbox and job claims.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261127_000001_foundation"
    }
}

fn ts(col: &'static str) -> ColumnDef {
    timestamp_with_time_zone(col)
}

fn ts_null(col: &'static str) -> ColumnDef {
    timestamp_with_time_zone_null(col)
}

fn fk(
    from_table: &'static str,
    col: &'static str,
    to: &'static str,
    to_col: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{col}"))
        .from(from_table, col)
        .to(to, to_col)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

fn index(table: &'static str, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(format!("ix_{table}_{}", cols.join("_")))
        .table(table);
    for c in cols {
        stmt.col(*c);
    }
    if unique {
        stmt.unique();
    }
    stmt.take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("settings")
                .col(string("key").primary_key())
                .col(text("value"))
                .col(ts("updated_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sites")
                .col(big_pk_auto("id"))
                .col(string_uniq("code"))
                .col(string("name_zh"))
                .col(string("name_en"))
                .col(string("address"))
                .col(boolean("active"))
                .col(ts("created_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("warehouses")
                .col(big_pk_auto("id"))
                .col(string_uniq("code"))
                .col(string("name_zh"))
                .col(string("name_en"))
                .col(big_integer_null("site_id"))
                .col(string("address"))
                .col(boolean("active"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("warehouses", "site_id", "sites", "id"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("suppliers")
                .col(big_pk_auto("id"))
                .col(string("legal_name"))
                .col(string_null("credit_code").unique_key())
                .col(string("status"))
                .col(string("contact_name"))
                .col(string("contact_phone"))
                .col(string("contact_email"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .take(),
        )
        .await?;
        m.create_index(index("suppliers", &["status"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("users")
                .col(big_pk_auto("id"))
                .col(string_uniq("email"))
                .col(string("password_hash"))
                .col(string("display_name"))
                .col(string("role"))
                .col(big_integer_null("supplier_id"))
                .col(big_integer_null("site_id"))
                .col(string_null("locale"))
                .col(boolean("active"))
                .col(ts("created_at"))
                .col(ts_null("last_login_at"))
                .foreign_key(&mut fk("users", "supplier_id", "suppliers", "id"))
                .foreign_key(&mut fk("users", "site_id", "sites", "id"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("categories")
                .col(big_pk_auto("id"))
                .col(string_uniq("code"))
                .col(string("name_zh"))
                .col(string("name_en"))
                .col(big_integer_null("parent_id"))
                .foreign_key(&mut fk("categories", "parent_id", "categories", "id"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("units")
                .col(string("code").primary_key())
                .col(string("name_zh"))
                .col(string("name_en"))
                .col(integer("decimals"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("materials")
                .col(big_pk_auto("id"))
                .col(string_uniq("code"))
                .col(big_integer("category_id"))
                .col(string("name_zh"))
                .col(string("name_en"))
                .col(string("spec"))
                .col(string("unit_code"))
                .col(big_integer("indicative_price"))
                .col(boolean("active"))
                .foreign_key(&mut fk("materials", "category_id", "categories", "id"))
                .foreign_key(&mut fk("materials", "unit_code", "units", "code"))
                .take(),
        )
        .await?;
        m.create_index(index("materials", &["category_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("audit_log")
                .col(big_pk_auto("id"))
                .col(big_integer_uniq("seq"))
                .col(ts("at"))
                .col(big_integer_null("actor_id"))
                .col(string("actor"))
                .col(string("action"))
                .col(string("entity"))
                .col(string("entity_id"))
                .col(text("before"))
                .col(text("after"))
                .col(string("prev_hash"))
                .col(string("hash"))
                .take(),
        )
        .await?;
        m.create_index(index("audit_log", &["entity", "entity_id"], false))
            .await?;
        m.create_index(index("audit_log", &["at"], false)).await?;
        m.create_table(
            Table::create()
                .table("audit_head")
                .col(integer("id").primary_key())
                .col(big_integer("seq"))
                .col(string("hash"))
                .take(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table("audit_head")
                .columns(["id", "seq", "hash"])
                .values_panic([1.into(), 0i64.into(), "".into()])
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("outbox")
                .col(big_pk_auto("id"))
                .col(ts("created_at"))
                .col(string("kind"))
                .col(string("to_addr"))
                .col(string("locale"))
                .col(string("subject"))
                .col(text("body_text"))
                .col(string("status"))
                .col(integer("attempts"))
                .col(ts("next_attempt_at"))
                .col(ts_null("claimed_until"))
                .col(string_null("claimed_by"))
                .col(text_null("last_error"))
                .col(ts_null("sent_at"))
                .take(),
        )
        .await?;
        m.create_index(index("outbox", &["status", "next_attempt_at"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("job_runs")
                .col(big_pk_auto("id"))
                .col(string("job"))
                .col(string("period_key"))
                .col(string("instance"))
                .col(ts("started_at"))
                .col(ts_null("finished_at"))
                .col(string("status"))
                .col(text("detail"))
                .take(),
        )
        .await?;
        m.create_index(index("job_runs", &["job", "period_key"], true))
            .await?;
        m.create_table(
            Table::create()
                .table("login_failures")
                .col(big_pk_auto("id"))
                .col(string("key"))
                .col(ts("at"))
                .take(),
        )
        .await?;
        m.create_index(index("login_failures", &["key", "at"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "login_failures",
            "job_runs",
            "outbox",
            "audit_head",
            "audit_log",
            "materials",
            "units",
            "categories",
            "users",
            "suppliers",
            "warehouses",
            "sites",
            "settings",
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
