//! What the procurement pages and the API show, each view read here: plans with their lines
//! and routes, a line's quote comparison, the contract ledger with each required sign-off's
//! state (rule 5's 3- and 7-day flags), a contract's detail. Handlers render what these
//! answer; they read nothing themselves.

use super::*;
use crate::i18n::Locale;
use entity::site;
use entity::{SupplierId, TenderId};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanView {
    pub id: i64,
    /// "YYYY-MM", the month the plan is for.
    pub month: String,
    /// `draft`, `submitted`, `approved` or `returned`.
    pub status: String,
    /// Due by the cut-off day of the month before.
    pub due_on: NaiveDate,
    /// Not handed in and past its due day.
    pub overdue: bool,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why the head sent it back.
    pub return_reason: String,
}

impl PlanView {
    pub fn new(p: plan::Model, today: NaiveDate) -> Self {
        let status = PlanStatus::parse(&p.status);
        PlanView {
            id: p.id,
            overdue: status.is_some_and(|s| rules::plan_overdue(p.due_on, s, today)),
            month: p.month,
            status: p.status,
            due_on: p.due_on,
            submitted_at: p.submitted_at,
            decided_at: p.decided_at,
            return_reason: p.return_reason,
        }
    }

    pub fn editable(&self) -> bool {
        PlanStatus::parse(&self.status).is_some_and(PlanStatus::editable)
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineView {
    pub id: i64,
    pub plan_id: i64,
    pub site_id: i64,
    pub site: String,
    pub material_id: i64,
    pub material_code: String,
    pub material: String,
    pub spec: String,
    pub unit: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub est_price: Decimal,
    /// Quantity × estimated price, to the cent.
    #[schema(value_type = String)]
    pub line_value: Decimal,
    pub need_by: NaiveDate,
    /// `normal`, `changed`, `temporary` or `emergency`.
    pub plan_type: String,
    pub lead_days: u32,
    pub note: String,
    /// `planned`, `routed`, `choice_pending` (a quote chosen, waiting for the head's
    /// decision), `ordered` or `contracted`.
    pub status: String,
    /// Set at approval: `requisition`, `tender`, `quotes_and_contract` or `quotes`.
    pub route: Option<String>,
    /// What the supermarket held when the line was routed.
    #[schema(value_type = Option<String>)]
    pub stock_available: Option<Decimal>,
    /// Where the line goes next: the catalogue (a requisition), a new tender, or its quotes.
    pub next_link: Option<String>,
    pub chosen_quote_id: Option<i64>,
    pub choice_reason: Option<String>,
    /// Who chose the quote, and the head who approved the choice or sent it back.
    pub chosen_by: Option<i64>,
    pub choice_decided_by: Option<i64>,
    /// Why the last choice was sent back.
    pub choice_return_reason: Option<String>,
    pub contract_id: Option<i64>,
}

/// The line views of `lines`, named in `locale`.
pub async fn line_views(
    conn: &impl ConnectionTrait,
    lines: Vec<plan_line::Model>,
    locale: Locale,
) -> AppResult<Vec<LineView>> {
    let material_ids: Vec<i64> = lines.iter().map(|l| l.material_id).collect();
    let materials: HashMap<i64, material::Model> = material::Entity::find()
        .filter(material::Column::Id.is_in(material_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let sites: HashMap<i64, site::Model> = site::Entity::find()
        .filter(site::Column::Id.is_in(lines.iter().map(|l| l.site_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let contracts: HashMap<i64, i64> = contract::Entity::find()
        .filter(contract::Column::PlanLineId.is_in(lines.iter().map(|l| l.id)))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|c| Some((c.plan_line_id?, c.id)))
        .collect();
    Ok(lines
        .into_iter()
        .map(|l| {
            let m = materials.get(&l.material_id);
            let name = m
                .map(|m| locale.pick(&m.name_zh, &m.name_en).to_string())
                .unwrap_or_default();
            let route = route_of(&l);
            let next_link = match route {
                Some(Route::Requisition) => {
                    Some(format!("/catalogue?q={}", urlencoding::encode(&name)))
                }
                Some(Route::Tender) => Some(format!("/tenders/new?plan_line={}", l.id)),
                Some(Route::Quotes | Route::QuotesAndContract) => {
                    Some(format!("/plan-lines/{}/quotes", l.id))
                }
                None => None,
            };
            LineView {
                id: l.id,
                plan_id: l.plan_id,
                site_id: l.site_id,
                site: sites
                    .get(&l.site_id)
                    .map(|s| locale.pick(&s.name_zh, &s.name_en).to_string())
                    .unwrap_or_default(),
                material_id: l.material_id,
                material_code: m.map(|m| m.code.clone()).unwrap_or_default(),
                material: name,
                spec: m.map(|m| m.spec.clone()).unwrap_or_default(),
                unit: m.map(|m| m.unit_code.clone()).unwrap_or_default(),
                quantity: l.quantity.value().normalize(),
                est_price: l.est_price.value(),
                line_value: l.line_value.value(),
                need_by: l.need_by,
                lead_days: PlanType::parse(&l.plan_type)
                    .map(PlanType::lead_days)
                    .unwrap_or_default(),
                plan_type: l.plan_type,
                note: l.note,
                status: l.status,
                route: l.route,
                stock_available: l.stock_available.map(|s| s.value().normalize()),
                next_link,
                chosen_quote_id: l.chosen_quote_id,
                choice_reason: l.choice_reason,
                chosen_by: l.chosen_by,
                choice_decided_by: l.choice_decided_by,
                choice_return_reason: l.choice_return_reason,
                contract_id: contracts.get(&l.id).copied(),
            }
        })
        .collect())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanDetail {
    pub plan: PlanView,
    pub lines: Vec<LineView>,
    /// The sum of the lines' values.
    #[schema(value_type = String)]
    pub total: Decimal,
}

pub async fn plan_detail(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    locale: Locale,
) -> AppResult<PlanDetail> {
    let (p, lines) = get_plan(&state.db.read, user, id).await?;
    let total = crate::money::sum_cents(lines.iter().map(|l| l.line_value.value()))
        .map_err(|e| e.on("total"))?;
    Ok(PlanDetail {
        plan: PlanView::new(p, state.today()),
        lines: line_views(&state.db.read, lines, locale).await?,
        total,
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteView {
    pub id: i64,
    pub supplier_id: SupplierId,
    pub supplier: String,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    /// The line's quantity at this price, to the cent.
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub quality_notes: String,
    pub delivery_days: i32,
    /// The lowest price (ties are all cheapest).
    pub cheapest: bool,
    pub chosen: bool,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteComparison {
    pub line: LineView,
    /// Cheapest first.
    pub quotes: Vec<QuoteView>,
    /// Quotes from this many different suppliers come before a choice.
    pub min_quotes: usize,
    /// Quotes can still be recorded and one chosen.
    pub open: bool,
    /// A chosen quote waits for the procurement head's decision (rule 14).
    pub pending: bool,
    /// Who chose the quote, and who decided the choice, by name.
    pub chosen_by: Option<String>,
    pub decided_by: Option<String>,
}

pub async fn comparison(
    state: &AppState,
    line_id: i64,
    locale: Locale,
) -> AppResult<QuoteComparison> {
    let (_, l) = line(&state.db.read, line_id).await?;
    let open = l.status == "routed" && route_of(&l).is_some_and(Route::takes_quotes);
    let quantity = l.quantity.value();
    let chosen = l.chosen_quote_id;
    let quotes = quotes_of(&state.db.read, line_id).await?;
    let min = quotes.iter().map(|q| q.unit_price).min();
    let suppliers =
        crate::suppliers::store::names(&state.db.read, quotes.iter().map(|q| q.supplier_id))
            .await?;
    let quotes = quotes
        .into_iter()
        .map(|q: quote::Model| {
            Ok(QuoteView {
                id: q.id,
                supplier_id: q.supplier_id,
                supplier: suppliers.get(&q.supplier_id).cloned().unwrap_or_default(),
                unit_price: q.unit_price.value(),
                // Checked when the quote was recorded; checked again rather than trusted.
                amount: rules::line_value(quantity, q.unit_price.value())
                    .map_err(|e| e.on("unit_price"))?,
                quality_notes: q.quality_notes,
                delivery_days: q.delivery_days,
                cheapest: Some(q.unit_price) == min,
                chosen: Some(q.id) == chosen,
                recorded_at: q.recorded_at,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let names = crate::users::store::display_names(
        &state.db.read,
        l.chosen_by.into_iter().chain(l.choice_decided_by),
    )
    .await?;
    let name = |id: Option<i64>| id.and_then(|id| names.get(&id).cloned());
    let (chosen_by, decided_by) = (name(l.chosen_by), name(l.choice_decided_by));
    let pending = l.status == CHOICE_PENDING;
    let line = line_views(&state.db.read, vec![l], locale)
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    Ok(QuoteComparison {
        line,
        quotes,
        min_quotes: rules::MIN_QUOTES,
        open,
        pending,
        chosen_by,
        decided_by,
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignoffState {
    /// `company` or `group`.
    pub level: String,
    /// When it is due (from the submission): 3 days for the company, 7 for the group.
    pub due_at: Option<DateTime<Utc>>,
    /// Not given and past its due instant.
    pub overdue: bool,
    /// `approve` or `reject`, once given in this round.
    pub decision: Option<String>,
    pub note: String,
    pub signed_by: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractView {
    pub id: i64,
    pub number: String,
    pub supplier_id: SupplierId,
    pub supplier: String,
    /// `quote` or `tender`.
    pub source: String,
    pub plan_line_id: Option<i64>,
    pub tender_id: Option<TenderId>,
    #[schema(value_type = String)]
    pub total: Decimal,
    /// Group audit signs off too (worth the tender threshold or more).
    pub needs_group: bool,
    /// `draft`, `in_signoff`, `effective` or `rejected`.
    pub status: String,
    pub signed_on: Option<NaiveDate>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// Rounds of submission for sign-off so far.
    pub round: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub effective_at: Option<DateTime<Utc>>,
    /// The required sign-offs of the current round.
    pub signoffs: Vec<SignoffState>,
    /// A required sign-off is past its deadline.
    pub overdue: bool,
}

/// The contract views of `contracts` as of `now`.
pub async fn contract_views(
    conn: &impl ConnectionTrait,
    contracts: Vec<contract::Model>,
    now: DateTime<Utc>,
) -> AppResult<Vec<ContractView>> {
    let suppliers =
        crate::suppliers::store::names(conn, contracts.iter().map(|c| c.supplier_id)).await?;
    let mut signoffs = signoffs_of(conn, contracts.iter().map(|c| c.id)).await?;
    let signer_ids: Vec<i64> = signoffs.values().flatten().map(|s| s.signed_by).collect();
    let signers = crate::users::store::display_names(conn, signer_ids).await?;
    Ok(contracts
        .into_iter()
        .map(|c| {
            let given = signoffs.remove(&c.id).unwrap_or_default();
            let states = signoff_states(&c, &given, &signers, now);
            ContractView {
                id: c.id,
                overdue: states.iter().any(|s| s.overdue),
                signoffs: states,
                supplier: suppliers.get(&c.supplier_id).cloned().unwrap_or_default(),
                number: c.number,
                supplier_id: c.supplier_id,
                source: c.source,
                plan_line_id: c.plan_line_id,
                tender_id: c.tender_id,
                total: c.total.value(),
                needs_group: c.needs_group,
                status: c.status,
                signed_on: c.signed_on,
                starts_on: c.starts_on,
                ends_on: c.ends_on,
                round: c.round,
                submitted_at: c.submitted_at,
                effective_at: c.effective_at,
            }
        })
        .collect())
}

/// Each required level's sign-off in the current round: due, overdue, or given.
fn signoff_states(
    c: &contract::Model,
    given: &[contract_signoff::Model],
    signers: &HashMap<i64, String>,
    now: DateTime<Utc>,
) -> Vec<SignoffState> {
    let waiting = ContractStatus::parse(&c.status) == Some(ContractStatus::InSignoff);
    levels_of(c)
        .into_iter()
        .map(|level: Level| {
            let s = given
                .iter()
                .find(|s| s.round == c.round && s.level == level.as_str());
            let due_at = c
                .submitted_at
                .filter(|_| c.round > 0)
                .map(|at| rules::signoff_due_at(level, at));
            SignoffState {
                level: level.as_str().into(),
                due_at,
                overdue: waiting
                    && due_at.is_some_and(|d| rules::signoff_overdue(d, s.is_some(), now)),
                decision: s.map(|s| s.decision.clone()),
                note: s.map(|s| s.note.clone()).unwrap_or_default(),
                signed_by: s.and_then(|s| signers.get(&s.signed_by).cloned()),
                signed_at: s.map(|s| s.signed_at),
            }
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemView {
    pub id: i64,
    pub material_id: i64,
    pub material: String,
    pub spec: String,
    pub unit: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    #[schema(value_type = String)]
    pub amount: Decimal,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignoffRecord {
    pub round: i32,
    pub level: String,
    pub decision: String,
    pub note: String,
    pub signed_by: String,
    pub signed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractDetail {
    pub contract: ContractView,
    pub items: Vec<ItemView>,
    /// Every sign-off of every round, oldest first.
    pub history: Vec<SignoffRecord>,
}

pub async fn contract_detail(
    state: &AppState,
    id: i64,
    locale: Locale,
) -> AppResult<ContractDetail> {
    let conn = &state.db.read;
    let (c, items, signoffs) = get_contract(conn, id).await?;
    let contract = contract_views(conn, vec![c], state.now())
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let materials: HashMap<i64, material::Model> = material::Entity::find()
        .filter(material::Column::Id.is_in(items.iter().map(|i| i.material_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let items = items
        .into_iter()
        .map(|i: contract_item::Model| {
            let m = materials.get(&i.material_id);
            ItemView {
                id: i.id,
                material_id: i.material_id,
                material: m
                    .map(|m| locale.pick(&m.name_zh, &m.name_en).to_string())
                    .unwrap_or_default(),
                spec: m.map(|m| m.spec.clone()).unwrap_or_default(),
                unit: m.map(|m| m.unit_code.clone()).unwrap_or_default(),
                quantity: i.quantity.value().normalize(),
                unit_price: i.unit_price.value(),
                amount: i.amount.value(),
            }
        })
        .collect();
    let signers =
        crate::users::store::display_names(conn, signoffs.iter().map(|s| s.signed_by)).await?;
    let history = signoffs
        .into_iter()
        .map(|s| SignoffRecord {
            round: s.round,
            signed_by: signers.get(&s.signed_by).cloned().unwrap_or_default(),
            level: s.level,
            decision: s.decision,
            note: s.note,
            signed_at: s.signed_at,
        })
        .collect();
    Ok(ContractDetail {
        contract,
        items,
        history,
    })
}

/// The ledger as filtered, overdue ones included or alone.
pub async fn ledger(state: &AppState, f: &ContractFilter) -> AppResult<Vec<ContractView>> {
    let list = list_contracts(&state.db.read, f).await?;
    let views = contract_views(&state.db.read, list, state.now()).await?;
    Ok(match f.overdue {
        Some(true) => views.into_iter().filter(|c| c.overdue).collect(),
        Some(false) => views.into_iter().filter(|c| !c.overdue).collect(),
        None => views,
    })
}
