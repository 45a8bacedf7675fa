use sea_orm::entity::prelude::*;
use serde::Serialize;

/// That procurement was reminded to survey a material, once per due cycle: the cycle is the
/// survey the material was last surveyed by (`after_survey_id`, 0 when never surveyed).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "price_survey_reminders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub material_id: i64,
    pub after_survey_id: i64,
    pub reminded_on: Date,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
