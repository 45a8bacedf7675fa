use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One need of a site in a monthly plan; routed when the plan is approved.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "plan_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub plan_id: i64,
    pub site_id: i64,
    pub material_id: i64,
    pub quantity: Fixed<3>,
    /// Estimated unit price in yuan.
    pub est_price: Fixed<4>,
    /// Quantity × estimated price, to the cent: what the routing rules look at.
    pub line_value: Fixed<2>,
    pub need_by: Date,
    /// `normal`, `changed`, `temporary` or `emergency` (rule 10).
    pub plan_type: String,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// `planned`, `routed` (approved), `choice_pending` (a quote chosen, waiting for the
    /// head's decision: rule 14), `ordered` or `contracted`.
    pub status: String,
    /// Set at approval: `requisition`, `tender`, `quotes_and_contract` or `quotes`.
    pub route: Option<String>,
    /// What the supermarket held of the material when the line was routed.
    pub stock_available: Option<Fixed<3>>,
    pub chosen_quote_id: Option<i64>,
    /// Why a quote other than the cheapest was chosen (rule 6).
    #[sea_orm(column_type = "Text", nullable)]
    pub choice_reason: Option<String>,
    pub chosen_by: Option<i64>,
    pub chosen_at: Option<DateTimeUtc>,
    /// The head who approved the choice or sent it back.
    pub choice_decided_by: Option<i64>,
    pub choice_decided_at: Option<DateTimeUtc>,
    /// Why the last choice was sent back (kept after a new choice, until the next decision).
    #[sea_orm(column_type = "Text", nullable)]
    pub choice_return_reason: Option<String>,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
