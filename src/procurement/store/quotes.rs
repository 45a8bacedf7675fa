//! Rule 6: quotes for a plan line below the tender threshold, and the choice among them (a
//! reason when it is not the cheapest).

use super::*;
use entity::SupplierId;

// ----- Quotes (rule 6) -----

/// A plan line of any site, with its plan (for procurement, who reads every site's lines).
pub async fn line(
    conn: &impl ConnectionTrait,
    line_id: i64,
) -> AppResult<(plan::Model, plan_line::Model)> {
    let l = plan_line::Entity::find_by_id(line_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = plan::Entity::find_by_id(l.plan_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((p, l))
}

/// The line's route, if it has been routed.
pub fn route_of(l: &plan_line::Model) -> Option<Route> {
    l.route.as_deref().and_then(Route::parse)
}

/// A line's quotes, cheapest first.
pub async fn quotes_of(conn: &impl ConnectionTrait, line_id: i64) -> AppResult<Vec<quote::Model>> {
    Ok(quote::Entity::find()
        .filter(quote::Column::PlanLineId.eq(line_id))
        .order_by_asc(quote::Column::UnitPrice)
        .order_by_asc(quote::Column::Id)
        .all(conn)
        .await?)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct QuoteInput {
    /// An admitted supplier.
    pub supplier_id: SupplierId,
    #[schema(value_type = String, example = "418.00")]
    pub unit_price: Decimal,
    #[serde(default)]
    pub quality_notes: String,
    /// Days from order to delivery.
    pub delivery_days: i32,
}

/// A quote as the ledger takes it, parsed from [`QuoteInput`] at the edge: a unit price that
/// is one, delivery days in range, notes trimmed and not too long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub supplier_id: SupplierId,
    pub unit_price: UnitPrice,
    pub delivery_days: i32,
    pub quality_notes: String,
}

impl TryFrom<&QuoteInput> for Quote {
    type Error = FieldErrors;

    fn try_from(input: &QuoteInput) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let unit_price = price("unit_price", input.unit_price, &mut errors);
        if !(0..=365).contains(&input.delivery_days) {
            errors.add("delivery_days", RuleCode::LeadTimeRange);
        }
        let quality_notes = input.quality_notes.trim().to_string();
        too_long(&mut errors, "quality_notes", &quality_notes);
        match unit_price {
            Some(unit_price) if errors.is_empty() => Ok(Quote {
                supplier_id: input.supplier_id,
                unit_price,
                delivery_days: input.delivery_days,
                quality_notes,
            }),
            _ => Err(errors),
        }
    }
}

/// Takes a routed line for a change: fails unless it still waits for quotes and a choice.
pub(super) async fn hold_open_line(
    txn: &DatabaseTransaction,
    line_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let r = plan_line::Entity::update_many()
        .col_expr(plan_line::Column::UpdatedAt, Expr::value(now))
        .filter(plan_line::Column::Id.eq(line_id))
        .filter(plan_line::Column::Status.eq("routed"))
        .filter(plan_line::Column::ChosenQuoteId.is_null())
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::LineChanged));
    }
    Ok(())
}

pub(super) fn open_for_quotes(l: &plan_line::Model) -> bool {
    l.status == "routed" && route_of(l).is_some_and(Route::takes_quotes)
}

/// Procurement (`act.actor`) records a supplier's quote for a line routed to quotes. Joins the
/// caller's transaction: it reads and writes through `txn` and commits nothing.
pub async fn record_quote(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    line_id: i64,
    input: QuoteInput,
) -> AppResult<quote::Model> {
    let user = act.actor;
    let (_, l) = line(txn, line_id).await?;
    if !open_for_quotes(&l) {
        return Err(AppError::Rule(RuleCode::LineNotOpenForQuotes));
    }
    let parsed = Quote::try_from(&input);
    let mut errors = parsed.clone().err().unwrap_or_default();
    let s = supplier::Entity::find_by_id(input.supplier_id)
        .one(txn)
        .await?;
    if s.is_none() {
        errors.add("supplier_id", RuleCode::NotFound);
    }
    // The quote's amount for the line must be an amount the ledger can hold.
    if let Ok(q) = &parsed
        && let Err(e) = rules::line_value(l.quantity.value(), q.unit_price.value())
    {
        e.add_to(&mut errors, "unit_price");
    }
    errors.into_result()?;
    let Quote {
        unit_price,
        quality_notes: notes,
        ..
    } = parsed.map_err(AppError::Validation)?;
    // Only admitted suppliers in good standing quote (rule 1).
    crate::suppliers::store::ensure_may_trade(txn, input.supplier_id, act.today).await?;
    let now = act.now;
    hold_open_line(txn, line_id, now).await?;
    let q = quote::ActiveModel {
        plan_line_id: Set(line_id),
        supplier_id: Set(input.supplier_id),
        unit_price: Set(unit_price.fixed()),
        quality_notes: Set(notes),
        delivery_days: Set(input.delivery_days),
        recorded_by: Set(user.id),
        recorded_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(taken_on("supplier_id"))?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("quote.record", "quote", q.id).after(&q),
    )
    .await?;
    Ok(q)
}

/// [`record_quote`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn record_quote_now(
    state: &AppState,
    user: &CurrentUser,
    line_id: i64,
    input: QuoteInput,
) -> AppResult<quote::Model> {
    let txn = state.db.begin_write().await?;
    let q = record_quote(&txn, &Act::of(state, user), line_id, input).await?;
    txn.commit().await?;
    Ok(q)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ChoiceInput {
    pub quote_id: i64,
    /// Required when the quote is not the cheapest.
    #[serde(default)]
    pub reason: String,
}

/// A line whose quote choice waits for the procurement head (rule 14).
pub const CHOICE_PENDING: &str = "choice_pending";

/// Procurement (`act.actor`) chooses a quote after comparing at least three (rule 6). The
/// choice waits for the procurement head's decision ([`decide_choice`], rule 14: nobody
/// approves what they chose); the heads hear of it. Joins the caller's transaction: it reads
/// and writes through `txn`, queues its mail there and commits nothing.
pub async fn choose(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    line_id: i64,
    input: ChoiceInput,
) -> AppResult<plan_line::Model> {
    let user = act.actor;
    let (_, l) = line(txn, line_id).await?;
    if !open_for_quotes(&l) {
        return Err(AppError::Rule(RuleCode::LineNotOpenForQuotes));
    }
    let quotes = quotes_of(txn, line_id).await?;
    let offers: Vec<QuoteOffer> = quotes
        .iter()
        .map(|q| QuoteOffer {
            id: q.id,
            supplier_id: q.supplier_id,
            unit_price: q.unit_price.value(),
        })
        .collect();
    let reason = input.reason.trim().to_string();
    match rules::check_choice(&offers, input.quote_id, &reason) {
        Ok(()) => {}
        Err(ChoiceError::TooFewQuotes) => return Err(AppError::Rule(RuleCode::ThreeQuotesNeeded)),
        Err(e @ ChoiceError::NotAQuote) => return Err(AppError::field("quote_id", e.code())),
        Err(e @ ChoiceError::ReasonNeeded) => return Err(AppError::field("reason", e.code())),
    }
    let mut errors = FieldErrors::new();
    too_long(&mut errors, "reason", &reason);
    errors.into_result()?;
    let q = quotes
        .iter()
        .find(|q| q.id == input.quote_id)
        .ok_or_else(|| AppError::field("quote_id", RuleCode::NotAQuoteOfLine))?;
    crate::suppliers::store::ensure_may_trade(txn, q.supplier_id, act.today).await?;
    // The amount must be one the ledger can hold before anyone is asked to approve it.
    rules::line_value(l.quantity.value(), q.unit_price.value()).map_err(|e| e.on("quote_id"))?;

    let now = act.now;
    hold_open_line(txn, line_id, now).await?;
    plan_line::Entity::update_many()
        .col_expr(plan_line::Column::Status, Expr::value(CHOICE_PENDING))
        .col_expr(plan_line::Column::ChosenQuoteId, Expr::value(Some(q.id)))
        .col_expr(
            plan_line::Column::ChoiceReason,
            Expr::value((!reason.is_empty()).then_some(reason.clone())),
        )
        .col_expr(plan_line::Column::ChosenBy, Expr::value(Some(user.id)))
        .col_expr(plan_line::Column::ChosenAt, Expr::value(Some(now)))
        .filter(plan_line::Column::Id.eq(line_id))
        .exec(txn)
        .await?;
    let after = plan_line::Entity::find_by_id(line_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("quote.choose", "plan_line", line_id)
            .before(&l)
            .after(&after),
    )
    .await?;
    let heads = crate::users::store::active_with_roles(txn, &[Role::ProcurementHead]).await?;
    let link = format!("/plan-lines/{line_id}/quotes");
    crate::mail::enqueue_to_users_linked(
        txn,
        &act.base_url,
        now,
        &heads,
        "quote_choice_pending",
        &link,
        &[("line", line_id.to_string()), ("link", link.clone())],
    )
    .await?;
    Ok(after)
}

/// [`choose`] on its own: in a write transaction of its own, committed when it succeeds; then
/// the mail sender is woken.
pub async fn choose_now(
    state: &AppState,
    user: &CurrentUser,
    line_id: i64,
    input: ChoiceInput,
) -> AppResult<plan_line::Model> {
    let txn = state.db.begin_write().await?;
    let l = choose(&txn, &Act::of(state, user), line_id, input).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(l)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ChoiceDecision {
    /// `true` approves the chosen quote; `false` sends the choice back (a reason is required).
    pub approve: bool,
    #[serde(default)]
    pub reason: String,
}

/// The procurement head (`act.actor`) decides an officer's quote choice (rules 6 and 14): never
/// their own. Approved, a purchase worth the contract threshold or more (quantity × the chosen
/// price) becomes a draft contract in the ledger (rule 5, [`create_contract`] in the same
/// transaction) and a smaller one is recorded as ordered; sent back, the line is open for
/// quotes and a new choice again, with the reason kept. The officer who chose hears of it.
/// Joins the caller's transaction: it reads and writes through `txn`, queues its mail there and
/// commits nothing.
pub async fn decide_choice(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    line_id: i64,
    decision: ChoiceDecision,
) -> AppResult<(plan_line::Model, Option<contract::Model>)> {
    let head = act.actor;
    let (_, l) = line(txn, line_id).await?;
    let (Some(quote_id), Some(chosen_by)) = (l.chosen_quote_id, l.chosen_by) else {
        return Err(AppError::Rule(RuleCode::ChoiceNotPending));
    };
    if l.status != CHOICE_PENDING {
        return Err(AppError::Rule(RuleCode::ChoiceNotPending));
    }
    crate::auth::four_eyes::not_own(chosen_by, head.id)?;
    let reason = decision.reason.trim().to_string();
    let mut errors = FieldErrors::new();
    if !decision.approve && reason.is_empty() {
        errors.add("reason", RuleCode::Required);
    }
    too_long(&mut errors, "reason", &reason);
    errors.into_result()?;

    let now = act.now;
    let mut to_contract = None;
    let mut update = plan_line::Entity::update_many()
        .col_expr(
            plan_line::Column::ChoiceDecidedBy,
            Expr::value(Some(head.id)),
        )
        .col_expr(plan_line::Column::ChoiceDecidedAt, Expr::value(Some(now)))
        .col_expr(plan_line::Column::UpdatedAt, Expr::value(now));
    if decision.approve {
        let q = quote::Entity::find_by_id(quote_id)
            .one(txn)
            .await?
            .ok_or(AppError::NotFound)?;
        // Still trading when the purchase is made, not only when it was chosen (rule 1).
        crate::suppliers::store::ensure_may_trade(txn, q.supplier_id, act.today).await?;
        let amount = rules::line_value(l.quantity.value(), q.unit_price.value())
            .map_err(|e| e.on("quote_id"))?;
        let needs_contract = amount >= crate::settings::contract_threshold(txn).await?;
        update = update
            .col_expr(
                plan_line::Column::Status,
                Expr::value(if needs_contract {
                    "contracted"
                } else {
                    "ordered"
                }),
            )
            .col_expr(
                plan_line::Column::ChoiceReturnReason,
                Expr::value(Option::<String>::None),
            );
        if needs_contract {
            to_contract = Some(q);
        }
    } else {
        update = update
            .col_expr(plan_line::Column::Status, Expr::value("routed"))
            .col_expr(
                plan_line::Column::ChosenQuoteId,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(
                plan_line::Column::ChoiceReason,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                plan_line::Column::ChosenBy,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(
                plan_line::Column::ChosenAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(
                plan_line::Column::ChoiceReturnReason,
                Expr::value(Some(reason.clone())),
            );
    }
    // Decided once: a second head deciding at the same moment finds it decided.
    let r = update
        .filter(plan_line::Column::Id.eq(line_id))
        .filter(plan_line::Column::Status.eq(CHOICE_PENDING))
        .filter(plan_line::Column::ChosenQuoteId.eq(quote_id))
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::LineChanged));
    }
    let after = plan_line::Entity::find_by_id(line_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        txn,
        &head.actor(),
        now,
        Change::new(
            if decision.approve {
                "quote.choice_approve"
            } else {
                "quote.choice_return"
            },
            "plan_line",
            line_id,
        )
        .before(&l)
        .after(&after),
    )
    .await?;
    let c = match to_contract {
        Some(q) => Some(
            create_contract(
                txn,
                act,
                NewContract {
                    supplier_id: q.supplier_id,
                    items: vec![ContractItem {
                        material_id: l.material_id,
                        quantity: l.quantity.value(),
                        unit_price: q.unit_price.value(),
                    }],
                    source: ContractSource::Quote {
                        plan_line_id: line_id,
                    },
                    signed_on: None,
                },
            )
            .await?,
        ),
        None => None,
    };
    let officer = entity::user::Entity::find_by_id(chosen_by)
        .one(txn)
        .await?
        .filter(|u| u.active)
        .into_iter()
        .collect::<Vec<_>>();
    let link = format!("/plan-lines/{line_id}/quotes");
    crate::mail::enqueue_to_users_linked(
        txn,
        &act.base_url,
        now,
        &officer,
        if decision.approve {
            "quote_choice_approved"
        } else {
            "quote_choice_returned"
        },
        &link,
        &[
            ("line", line_id.to_string()),
            ("reason", reason),
            ("link", link.clone()),
        ],
    )
    .await?;
    Ok((after, c))
}

/// [`decide_choice`] on its own: in a write transaction of its own, committed when it
/// succeeds; then the mail sender is woken.
pub async fn decide_choice_now(
    state: &AppState,
    user: &CurrentUser,
    line_id: i64,
    decision: ChoiceDecision,
) -> AppResult<(plan_line::Model, Option<contract::Model>)> {
    let txn = state.db.begin_write().await?;
    let r = decide_choice(&txn, &Act::of(state, user), line_id, decision).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(r)
}
