//! Writes nobody reads the result of, sent to the database in one round trip (issue 16: a
//! draw cycle's three write transactions made about forty round trips, and on SQLite every
//! one of them is spent inside the single writer's turn).
//!
//! On SQLite the statements go as one text of several statements (the driver binds each
//! statement's `?` parameters from the values in order); on PostgreSQL as one statement,
//! each but the last a data-modifying `WITH` part, which PostgreSQL runs whether or not
//! anything refers to it. So the statements must not depend on one another's effects: on
//! PostgreSQL they all see the database as it was before the statement. PostgreSQL runs a
//! statement's parts in an order of its own, so two parts writing one table (the chunks of a
//! notice to hundreds of users) go in statements one after another: rows keep the order
//! they were written in. A failure of any fails the whole batch, and the caller's
//! transaction with it.

use sea_orm::sea_query::{
    InsertStatement, PostgresQueryBuilder, SqlWriterValues, SqliteQueryBuilder, UpdateStatement,
};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use std::fmt::Write;

/// PostgreSQL's limit on the values of one statement.
const POSTGRES_MAX_VALUES: usize = 65_535;

/// One statement of a [`Batch`].
#[derive(Debug, Clone)]
enum Part {
    Insert(InsertStatement),
    Update(UpdateStatement),
}

/// Independent writes, run together by [`Batch::run`].
#[derive(Debug, Clone, Default)]
pub struct Batch {
    parts: Vec<Part>,
}

impl Part {
    /// The table the statement writes: the first quoted name of its text.
    fn target(&self) -> String {
        let mut text = String::new();
        match self {
            Part::Insert(s) => s.build_collect_into(PostgresQueryBuilder, &mut text),
            Part::Update(s) => s.build_collect_into(PostgresQueryBuilder, &mut text),
        }
        text.split('"').nth(1).unwrap_or_default().to_string()
    }
}

impl Batch {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, s: InsertStatement) -> &mut Self {
        self.parts.push(Part::Insert(s));
        self
    }

    pub fn update(&mut self, s: UpdateStatement) -> &mut Self {
        self.parts.push(Part::Update(s));
        self
    }

    /// The batch as one statement (the text and its values) for `backend`.
    pub fn statement(&self, backend: DbBackend) -> Statement {
        let postgres = backend == DbBackend::Postgres;
        let mut sql = if postgres {
            SqlWriterValues::new("$", true)
        } else {
            SqlWriterValues::new("?", false)
        };
        let last = self.parts.len().saturating_sub(1);
        for (i, part) in self.parts.iter().enumerate() {
            // Writing to the in-memory text cannot fail.
            if postgres && i < last {
                let _ = write!(sql, "{}b{i} AS (", if i == 0 { "WITH " } else { ", " });
            }
            match (part, postgres) {
                (Part::Insert(s), true) => s.build_collect_into(PostgresQueryBuilder, &mut sql),
                (Part::Insert(s), false) => s.build_collect_into(SqliteQueryBuilder, &mut sql),
                (Part::Update(s), true) => s.build_collect_into(PostgresQueryBuilder, &mut sql),
                (Part::Update(s), false) => s.build_collect_into(SqliteQueryBuilder, &mut sql),
            }
            if i < last {
                let _ = sql.write_str(if postgres { ") " } else { ";\n" });
            }
        }
        let (text, values) = sql.into_parts();
        Statement::from_sql_and_values(backend, text, values)
    }

    /// Runs every statement of the batch, in one round trip, through `conn` (the caller's
    /// transaction). An empty batch sends nothing. On PostgreSQL a batch with more values
    /// than one statement may carry is sent in halves, each again in one round trip.
    pub async fn run(self, conn: &impl ConnectionTrait) -> Result<(), DbErr> {
        let backend = conn.get_database_backend();
        let mut pending = if backend == DbBackend::Postgres {
            self.apart_by_table()
        } else {
            vec![self]
        };
        pending.reverse();
        while let Some(mut b) = pending.pop() {
            if b.parts.is_empty() {
                continue;
            }
            let statement = b.statement(backend);
            let values = statement.values.as_ref().map_or(0, |v| v.0.len());
            if backend == DbBackend::Postgres && values > POSTGRES_MAX_VALUES && b.parts.len() > 1 {
                let second = b.parts.split_off(b.parts.len() / 2);
                pending.push(Batch { parts: second });
                pending.push(b);
                continue;
            }
            conn.execute_raw(statement).await?;
        }
        Ok(())
    }

    /// The batch as consecutive batches in none of which two parts write the same table.
    fn apart_by_table(self) -> Vec<Batch> {
        let mut out = vec![Batch::new()];
        let mut tables: Vec<String> = Vec::new();
        for part in self.parts {
            let table = part.target();
            if tables.contains(&table) {
                out.push(Batch::new());
                tables.clear();
            }
            tables.push(table);
            if let Some(last) = out.last_mut() {
                last.parts.push(part);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};

    fn insert(table: &str, v: i64) -> InsertStatement {
        Query::insert()
            .into_table(Alias::new(table))
            .columns([Alias::new("v")])
            .values_panic([v.into()])
            .to_owned()
    }

    fn update(table: &str, v: i64) -> UpdateStatement {
        Query::update()
            .table(Alias::new(table))
            .value(Alias::new("v"), v)
            .and_where(Expr::col(Alias::new("id")).eq(v))
            .to_owned()
    }

    #[test]
    fn sqlite_gets_the_statements_in_order_with_their_values_in_order() {
        let mut b = Batch::new();
        b.insert(insert("a", 1))
            .update(update("b", 2))
            .insert(insert("c", 3));
        let s = b.statement(DbBackend::Sqlite);
        assert_eq!(
            s.sql,
            "INSERT INTO \"a\" (\"v\") VALUES (?);\nUPDATE \"b\" SET \"v\" = ? WHERE \"id\" = ?;\n\
             INSERT INTO \"c\" (\"v\") VALUES (?)"
        );
        assert_eq!(
            s.values.map(|v| v.0),
            Some(vec![1i64.into(), 2i64.into(), 2i64.into(), 3i64.into()])
        );
    }

    #[test]
    fn two_parts_writing_one_table_are_never_in_one_postgres_statement() {
        let mut b = Batch::new();
        b.insert(insert("a", 1))
            .insert(insert("b", 2))
            .insert(insert("a", 3))
            .update(update("c", 4))
            .insert(insert("a", 5));
        let sql: Vec<String> = b
            .apart_by_table()
            .iter()
            .map(|g| g.statement(DbBackend::Postgres).sql)
            .collect();
        assert_eq!(sql.len(), 3, "{sql:?}");
        assert!(
            sql[0].contains("\"a\"") && sql[0].contains("\"b\""),
            "{sql:?}"
        );
        assert!(
            sql[1].contains("VALUES ($1)") && sql[1].contains("\"c\""),
            "{sql:?}"
        );
        assert_eq!(sql[2], "INSERT INTO \"a\" (\"v\") VALUES ($1)");
    }

    #[test]
    fn postgres_gets_one_statement_numbered_across_its_parts() {
        let mut b = Batch::new();
        b.insert(insert("a", 1))
            .update(update("b", 2))
            .insert(insert("c", 3));
        let s = b.statement(DbBackend::Postgres);
        assert_eq!(
            s.sql,
            "WITH b0 AS (INSERT INTO \"a\" (\"v\") VALUES ($1)) , \
             b1 AS (UPDATE \"b\" SET \"v\" = $2 WHERE \"id\" = $3) \
             INSERT INTO \"c\" (\"v\") VALUES ($4)"
        );
        let mut one = Batch::new();
        one.insert(insert("a", 1));
        assert_eq!(
            one.statement(DbBackend::Postgres).sql,
            "INSERT INTO \"a\" (\"v\") VALUES ($1)"
        );
    }
}
