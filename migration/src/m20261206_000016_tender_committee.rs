//! Rule 14: a tender's committee (评委) is named per tender, at least three members, who score
//! apart; the evaluation needs every member's scores. Tenders already scored keep as their
//! committee the members who scored them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000016_tender_committee"
    }
}

fn fk(col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_tender_committee_{col}"))
        .from("tender_committee", col)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("tender_committee")
                .col(big_pk_auto("id"))
                .col(big_integer("tender_id"))
                .col(big_integer("user_id"))
                .col(big_integer("added_by"))
                .col(timestamp_with_time_zone("added_at"))
                .foreign_key(&mut fk("tender_id", "tenders"))
                .foreign_key(&mut fk("user_id", "users"))
                .foreign_key(&mut fk("added_by", "users"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_tender_committee_tender_id_user_id")
                .table("tender_committee")
                .col("tender_id")
                .col("user_id")
                .unique()
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_tender_committee_user_id")
                .table("tender_committee")
                .col("user_id")
                .take(),
        )
        .await?;
        // Tenders scored before committees were named: whoever scored was on the committee.
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO tender_committee (tender_id, user_id, added_by, added_at) \
                 SELECT b.tender_id, s.member_id, s.member_id, MIN(s.scored_at) \
                 FROM bid_scores s JOIN bids b ON b.id = s.bid_id \
                 GROUP BY b.tender_id, s.member_id",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("tender_committee").take())
            .await?;
        Ok(())
    }
}
