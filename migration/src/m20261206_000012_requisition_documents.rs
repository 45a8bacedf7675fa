//! Requisitions as documents (领料单): a number per month of submission (`LL-202612-0001`),
//! the draft a site user fills like a cart, the history of each step with its reason, the
//! issue slips (出库单, `CK-…`) and receiving slips (验收单, `YS-…`) with numbers of their own.
//!
//! Numbers come from `document_counters`, one row per (kind, month) incremented inside the
//! transaction that issues the document; a unique index on each number is the last guard.
//! Rows that exist already are numbered here, by the order they were created in.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::sea_query::value::prelude::chrono;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};
use std::collections::HashMap;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000012_requisition_documents"
    }
}

/// The company's time zone by default (Asia/Shanghai, UTC+8): the months of the numbers given
/// to rows that exist already. New numbers take the month of the configured zone's today.
const BACKFILL_OFFSET_SECS: i32 = 8 * 3600;

fn add_col(table: &'static str, col: ColumnDef) -> TableAlterStatement {
    // One column per statement: SQLite alters one thing at a time.
    Table::alter().table(table).add_column(col).take()
}

fn unique(name: &'static str, table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table).unique();
    for c in cols {
        i.col(*c);
    }
    i.take()
}

fn month_of(at: chrono::DateTime<chrono::Utc>) -> String {
    match chrono::FixedOffset::east_opt(BACKFILL_OFFSET_SECS) {
        Some(tz) => at.with_timezone(&tz).format("%Y%m").to_string(),
        None => at.format("%Y%m").to_string(),
    }
}

/// The next number of `prefix` in the month of `at`, counted in `counters`.
fn next_number(
    counters: &mut HashMap<(String, String), i64>,
    prefix: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> String {
    let month = month_of(at);
    let n = counters
        .entry((prefix.to_string(), month.clone()))
        .or_insert(0);
    *n += 1;
    format!("{prefix}-{month}-{:04}", *n)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("document_counters")
                .col(string("kind"))
                .col(string("month"))
                .col(big_integer("n"))
                .primary_key(Index::create().col("kind").col("month"))
                .take(),
        )
        .await?;
        m.alter_table(add_col("requisitions", string_null("number")))
            .await?;
        m.alter_table(add_col(
            "requisitions",
            timestamp_with_time_zone_null("submitted_at"),
        ))
        .await?;
        // Set while the row is its owner's draft (cart), NULL once submitted: unique, so a user
        // has one draft however many requests race to create it.
        m.alter_table(add_col("requisitions", big_integer_null("draft_owner")))
            .await?;
        m.create_index(unique(
            "ux_requisitions_number",
            "requisitions",
            &["number"],
        ))
        .await?;
        m.create_index(unique(
            "ux_requisitions_draft_owner",
            "requisitions",
            &["draft_owner"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("requisition_events")
                .col(big_pk_auto("id"))
                .col(big_integer("requisition_id"))
                .col(string("action"))
                .col(text("reason"))
                .col(big_integer("by_user"))
                .col(timestamp_with_time_zone("at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_requisition_events_requisition_id")
                        .from("requisition_events", "requisition_id")
                        .to("requisitions", "id")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_requisition_events_requisition_id")
                .table("requisition_events")
                .col("requisition_id")
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("issue_slips")
                .col(big_pk_auto("id"))
                .col(string("number"))
                .col(big_integer("requisition_id"))
                .col(big_integer("issued_by"))
                .col(timestamp_with_time_zone("issued_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_issue_slips_requisition_id")
                        .from("issue_slips", "requisition_id")
                        .to("requisitions", "id")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .take(),
        )
        .await?;
        m.create_index(unique("ux_issue_slips_number", "issue_slips", &["number"]))
            .await?;
        m.create_index(
            Index::create()
                .name("ix_issue_slips_requisition_id")
                .table("issue_slips")
                .col("requisition_id")
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("receiving_slips")
                .col(big_pk_auto("id"))
                .col(string("number"))
                .col(big_integer("delivery_id"))
                .col(timestamp_with_time_zone("at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_receiving_slips_delivery_id")
                        .from("receiving_slips", "delivery_id")
                        .to("deliveries", "id")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .take(),
        )
        .await?;
        m.create_index(unique(
            "ux_receiving_slips_number",
            "receiving_slips",
            &["number"],
        ))
        .await?;
        m.create_index(unique(
            "ux_receiving_slips_delivery_id",
            "receiving_slips",
            &["delivery_id"],
        ))
        .await?;

        // The rows that exist already: every requisition gets its number (submitted when it
        // was created), every issue (the movements one keeper's issue wrote at one instant) its
        // slip, every inspected delivery its receiving slip.
        let mut counters: HashMap<(String, String), i64> = HashMap::new();
        let conn = m.get_connection();
        let backend = m.get_database_backend();
        let query = |sql: &str| Statement::from_string(backend, sql.to_string());
        for row in conn
            .query_all_raw(query(
                "SELECT id, created_at FROM requisitions ORDER BY created_at, id",
            ))
            .await?
        {
            let id: i64 = row.try_get("", "id")?;
            let at: chrono::DateTime<chrono::Utc> = row.try_get("", "created_at")?;
            let number = next_number(&mut counters, "LL", at);
            m.exec_stmt(
                Query::update()
                    .table("requisitions")
                    .value("number", number)
                    .value("submitted_at", at)
                    .and_where(Expr::col("id").eq(id))
                    .take(),
            )
            .await?;
        }
        for row in conn
            .query_all_raw(query(
                "SELECT id, inspected_at FROM deliveries WHERE inspected_at IS NOT NULL \
                 ORDER BY inspected_at, id",
            ))
            .await?
        {
            let id: i64 = row.try_get("", "id")?;
            let at: chrono::DateTime<chrono::Utc> = row.try_get("", "inspected_at")?;
            let number = next_number(&mut counters, "YS", at);
            m.exec_stmt(
                Query::insert()
                    .into_table("receiving_slips")
                    .columns(["number", "delivery_id", "at"])
                    .values_panic([number.into(), id.into(), at.into()])
                    .take(),
            )
            .await?;
        }
        // An issue slip per (requisition, instant) of the issue movements: one keeper's issue
        // writes all its movements at one instant.
        for row in conn
            .query_all_raw(query(
                "SELECT rl.requisition_id AS requisition_id, mv.at AS at, \
                 MIN(mv.by_user) AS by_user, MIN(mv.id) AS first_id \
                 FROM movements mv JOIN requisition_lines rl ON rl.id = mv.requisition_line_id \
                 WHERE mv.kind = 'issue' GROUP BY rl.requisition_id, mv.at \
                 ORDER BY mv.at, MIN(mv.id)",
            ))
            .await?
        {
            let requisition_id: i64 = row.try_get("", "requisition_id")?;
            let at: chrono::DateTime<chrono::Utc> = row.try_get("", "at")?;
            let by: Option<i64> = row.try_get("", "by_user")?;
            let number = next_number(&mut counters, "CK", at);
            m.exec_stmt(
                Query::insert()
                    .into_table("issue_slips")
                    .columns(["number", "requisition_id", "issued_by", "issued_at"])
                    .values_panic([
                        number.into(),
                        requisition_id.into(),
                        by.unwrap_or(0).into(),
                        at.into(),
                    ])
                    .take(),
            )
            .await?;
        }
        for ((kind, month), n) in counters {
            m.exec_stmt(
                Query::insert()
                    .into_table("document_counters")
                    .columns(["kind", "month", "n"])
                    .values_panic([kind.into(), month.into(), n.into()])
                    .take(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "receiving_slips",
            "issue_slips",
            "requisition_events",
            "document_counters",
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        for i in ["ux_requisitions_number", "ux_requisitions_draft_owner"] {
            m.drop_index(Index::drop().name(i).table("requisitions").to_owned())
                .await?;
        }
        for c in ["number", "submitted_at", "draft_owner"] {
            m.alter_table(Table::alter().table("requisitions").drop_column(c).take())
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Migrator, MigratorTrait};
    use sea_orm_migration::sea_orm::{ConnectOptions, ConnectionTrait, Database, Statement};

    #[tokio::test]
    async fn rows_that_exist_are_numbered_by_creation_in_the_company_s_month() {
        let mut opts = ConnectOptions::new("sqlite::memory:");
        opts.max_connections(1).min_connections(1);
        let db = Database::connect(opts).await.unwrap();
        Migrator::up(&db, Some(11)).await.unwrap();
        db.execute_unprepared("PRAGMA foreign_keys = OFF")
            .await
            .unwrap();
        // Two requisitions: 30 November 17:00 UTC is already 1 December in Shanghai.
        db.execute_unprepared(
            "INSERT INTO requisitions (id, site_id, requested_by, purpose, need_by, status, \
             created_at, updated_at) VALUES \
             (1, 1, 1, 'a', '2026-12-02', 'issued', '2026-11-30 17:00:00+00:00', '2026-11-30 17:00:00+00:00'), \
             (2, 1, 1, 'b', '2026-12-02', 'submitted', '2026-11-29 09:00:00+00:00', '2026-11-29 09:00:00+00:00'), \
             (3, 1, 1, 'c', '2026-12-02', 'submitted', '2026-12-03 09:00:00+00:00', '2026-12-03 09:00:00+00:00')",
        )
        .await
        .unwrap();
        db.execute_unprepared(
            "INSERT INTO requisition_lines (id, requisition_id, listing_id, quantity, unit_price, \
             reserved, issued) VALUES (10, 1, 5, 2000, 38500000, 2000, 2000)",
        )
        .await
        .unwrap();
        db.execute_unprepared(
            "INSERT INTO movements (lot_id, listing_id, supplier_id, warehouse_id, kind, quantity, \
             unit_price, amount, requisition_line_id, site_id, on_date, at, by_user, note) VALUES \
             (7, 5, 3, 1, 'issue', -1500, 38500000, -577500, 10, 1, '2026-12-01', '2026-12-01 02:00:00+00:00', 4, ''), \
             (8, 5, 3, 1, 'issue', -500, 38500000, -192500, 10, 1, '2026-12-01', '2026-12-01 02:00:00+00:00', 4, '')",
        )
        .await
        .unwrap();
        db.execute_unprepared(
            "INSERT INTO deliveries (id, supplier_id, warehouse_id, note_number, arrival, \
             delivered_on, status, created_by, created_at, inspected_by, inspected_at) VALUES \
             (1, 3, 1, 'SH-1', 'local', '2026-11-28', 'inspected', 2, '2026-11-28 01:00:00+00:00', 4, '2026-11-28 02:00:00+00:00'), \
             (2, 3, 1, 'SH-2', 'local', '2026-11-28', 'pending', 2, '2026-11-28 01:00:00+00:00', NULL, NULL)",
        )
        .await
        .unwrap();
        Migrator::up(&db, Some(1)).await.unwrap();

        let b = db.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(
                b,
                "SELECT id, number FROM requisitions ORDER BY id",
            ))
            .await
            .unwrap();
        let numbers: Vec<(i64, String)> = rows
            .iter()
            .map(|r| {
                (
                    r.try_get("", "id").unwrap(),
                    r.try_get("", "number").unwrap(),
                )
            })
            .collect();
        assert_eq!(
            numbers,
            vec![
                (1, "LL-202612-0001".to_string()),
                (2, "LL-202611-0001".to_string()),
                (3, "LL-202612-0002".to_string()),
            ]
        );
        let slips = db
            .query_all_raw(Statement::from_string(
                b,
                "SELECT number, requisition_id, issued_by FROM issue_slips",
            ))
            .await
            .unwrap();
        assert_eq!(slips.len(), 1, "one issue, two lots: one slip");
        assert_eq!(
            slips[0].try_get::<String>("", "number").unwrap(),
            "CK-202612-0001"
        );
        assert_eq!(slips[0].try_get::<i64>("", "issued_by").unwrap(), 4);
        let ys = db
            .query_all_raw(Statement::from_string(
                b,
                "SELECT number, delivery_id FROM receiving_slips",
            ))
            .await
            .unwrap();
        assert_eq!(ys.len(), 1, "only the inspected delivery");
        assert_eq!(
            ys[0].try_get::<String>("", "number").unwrap(),
            "YS-202611-0001"
        );
        // The counters go on from the numbers given.
        let n = db
            .query_one_raw(Statement::from_string(
                b,
                "SELECT n FROM document_counters WHERE kind = 'LL' AND month = '202612'",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(n.try_get::<i64>("", "n").unwrap(), 2);
        // Undone and done again: the same numbers.
        Migrator::down(&db, Some(1)).await.unwrap();
        Migrator::up(&db, Some(1)).await.unwrap();
        let again = db
            .query_one_raw(Statement::from_string(
                b,
                "SELECT number FROM requisitions WHERE id = 3",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            again.try_get::<String>("", "number").unwrap(),
            "LL-202612-0002"
        );
    }
}
