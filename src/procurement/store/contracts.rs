//! Rule 5: contracts (from a choice or an award), their sign-offs at company and group level
//! with the 3- and 7-day flags, and adopting a contract's price for a listing.

use super::*;
use entity::{SupplierId, TenderId};

// ----- Contracts (rule 5) -----

/// One item of a new contract.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ContractItem {
    pub material_id: i64,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
}

/// Where a contract comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractSource {
    /// The chosen quote of a plan line.
    Quote { plan_line_id: i64 },
    /// A tender's award.
    Tender { tender_id: TenderId },
}

pub struct NewContract {
    pub supplier_id: SupplierId,
    pub items: Vec<ContractItem>,
    pub source: ContractSource,
    pub signed_on: Option<NaiveDate>,
}

/// The next ledger number of this year, read inside the writing transaction; the unique key
/// on the number refuses a twin from a concurrent transaction.
pub(super) async fn next_number(txn: &DatabaseTransaction, year: i32) -> AppResult<String> {
    let prefix = format!("HT{year:04}-");
    let seq = contract::Entity::find()
        .filter(crate::search::starts_with(
            contract::Column::Number,
            &prefix,
        ))
        .all(txn)
        .await?
        .iter()
        .filter_map(|c| rules::contract_seq(&c.number, year))
        .max()
        .unwrap_or(0);
    Ok(rules::contract_number(year, seq + 1))
}

/// `act.actor` writes a draft contract into the ledger: from a chosen quote (here) or a
/// tender's award. Items are checked (known materials, quantities in their unit's decimals,
/// prices above zero); the supplier must be trading. The total is the sum of the items'
/// amounts rounded to the cent; worth the tender threshold or more, the contract needs group
/// audit's sign-off besides the company's. Joins the caller's transaction: it reads and writes
/// through `txn` and commits nothing.
pub async fn create_contract(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: NewContract,
) -> AppResult<contract::Model> {
    let actor = act.actor.actor();
    let mut errors = FieldErrors::new();
    if input.items.is_empty() {
        errors.add("items", RuleCode::Required);
    }
    let mut items = Vec::new();
    let mut total = Money::ZERO;
    for (i, it) in input.items.iter().enumerate() {
        let field = |f: &str| format!("items[{i}].{f}");
        let m = material::Entity::find_by_id(it.material_id)
            .one(txn)
            .await?;
        if m.is_none() {
            errors.add(&field("material_id"), RuleCode::NotFound);
            continue;
        }
        let Some(quantity) = quantity(
            txn,
            it.material_id,
            &field("quantity"),
            it.quantity,
            &mut errors,
        )
        .await?
        else {
            continue;
        };
        let Some(unit_price) = price(&field("unit_price"), it.unit_price, &mut errors) else {
            continue;
        };
        let amount = match unit_price.times(quantity) {
            Ok(a) => a,
            Err(e) => {
                e.add_to(&mut errors, &field("quantity"));
                continue;
            }
        };
        match total.checked_add(amount) {
            Ok(t) => total = t,
            Err(e) => {
                e.add_to(&mut errors, "items");
            }
        }
        items.push((
            it.material_id,
            quantity.fixed(),
            unit_price.fixed(),
            amount.fixed(),
        ));
    }
    errors.into_result()?;
    if supplier::Entity::find_by_id(input.supplier_id)
        .one(txn)
        .await?
        .is_none()
    {
        return Err(AppError::field("supplier_id", RuleCode::NotFound));
    }
    crate::suppliers::store::ensure_may_trade(txn, input.supplier_id, act.today).await?;
    let group_threshold = crate::settings::tender_threshold(txn).await?;
    let needs_group =
        rules::required_levels(total.value(), group_threshold).contains(&Level::Group);
    let (source, plan_line_id, tender_id) = match input.source {
        ContractSource::Quote { plan_line_id } => ("quote", Some(plan_line_id), None),
        ContractSource::Tender { tender_id } => ("tender", None, Some(tender_id)),
    };
    let now = act.now;
    let c = contract::ActiveModel {
        number: Set(next_number(txn, act.today.year()).await?),
        supplier_id: Set(input.supplier_id),
        source: Set(source.into()),
        plan_line_id: Set(plan_line_id),
        tender_id: Set(tender_id),
        total: Set(total.fixed()),
        needs_group: Set(needs_group),
        status: Set(ContractStatus::Draft.as_str().into()),
        signed_on: Set(input.signed_on),
        starts_on: Set(None),
        ends_on: Set(None),
        round: Set(0),
        submitted_at: Set(None),
        effective_at: Set(None),
        created_by: Set(actor.id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    for (material_id, quantity, unit_price, amount) in items {
        contract_item::ActiveModel {
            contract_id: Set(c.id),
            material_id: Set(material_id),
            quantity: Set(quantity),
            unit_price: Set(unit_price),
            amount: Set(amount),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    audit::record(
        txn,
        &actor,
        now,
        Change::new("contract.create", "contract", c.id).after(&c),
    )
    .await?;
    Ok(c)
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContractFilter {
    /// `draft`, `in_signoff`, `effective` or `rejected`.
    pub status: Option<String>,
    #[param(value_type = Option<i64>)]
    pub supplier_id: Option<SupplierId>,
    /// Only contracts with a sign-off past its deadline.
    pub overdue: Option<bool>,
}

/// Contracts by the filter's status and supplier, newest first (overdue is the caller's).
pub async fn list_contracts(
    conn: &impl ConnectionTrait,
    f: &ContractFilter,
) -> AppResult<Vec<contract::Model>> {
    let mut q = contract::Entity::find();
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(contract::Column::Status.eq(s));
    }
    if let Some(s) = f.supplier_id {
        q = q.filter(contract::Column::SupplierId.eq(s));
    }
    Ok(q.order_by_desc(contract::Column::Id).all(conn).await?)
}

/// The sign-offs of contracts, by contract.
pub async fn signoffs_of(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<std::collections::HashMap<i64, Vec<contract_signoff::Model>>> {
    let mut out: std::collections::HashMap<i64, Vec<contract_signoff::Model>> =
        std::collections::HashMap::new();
    for s in contract_signoff::Entity::find()
        .filter(contract_signoff::Column::ContractId.is_in(ids))
        .order_by_asc(contract_signoff::Column::Id)
        .all(conn)
        .await?
    {
        out.entry(s.contract_id).or_default().push(s);
    }
    Ok(out)
}

pub async fn get_contract(
    conn: &impl ConnectionTrait,
    id: i64,
) -> AppResult<(
    contract::Model,
    Vec<contract_item::Model>,
    Vec<contract_signoff::Model>,
)> {
    let c = contract::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let items = contract_item::Entity::find()
        .filter(contract_item::Column::ContractId.eq(id))
        .order_by_asc(contract_item::Column::Id)
        .all(conn)
        .await?;
    let signoffs = signoffs_of(conn, [id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok((c, items, signoffs))
}

pub(super) fn contract_status(c: &contract::Model) -> AppResult<ContractStatus> {
    ContractStatus::parse(&c.status).ok_or(AppError::Rule(RuleCode::ContractState))
}

/// The levels a contract needs.
pub fn levels_of(c: &contract::Model) -> Vec<Level> {
    if c.needs_group {
        vec![Level::Company, Level::Group]
    } else {
        vec![Level::Company]
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ContractDates {
    pub signed_on: Option<NaiveDate>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

/// Procurement (`act.actor`) sets a draft's (or a rejected contract's) dates. Joins the
/// caller's transaction: it reads and writes through `txn` and commits nothing.
pub async fn update_contract(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: i64,
    input: ContractDates,
) -> AppResult<contract::Model> {
    let user = act.actor;
    let (c, _, _) = get_contract(txn, id).await?;
    let from = contract_status(&c)?;
    if !from.editable() {
        return Err(AppError::Rule(RuleCode::ContractState));
    }
    if let (Some(s), Some(e)) = (input.starts_on, input.ends_on)
        && e < s
    {
        return Err(AppError::field("ends_on", RuleCode::EndBeforeStart));
    }
    let now = act.now;
    let r = contract::Entity::update_many()
        .col_expr(contract::Column::SignedOn, Expr::value(input.signed_on))
        .col_expr(contract::Column::StartsOn, Expr::value(input.starts_on))
        .col_expr(contract::Column::EndsOn, Expr::value(input.ends_on))
        .col_expr(contract::Column::UpdatedAt, Expr::value(now))
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::Status.eq(from.as_str()))
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::ContractChanged));
    }
    let after = contract::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("contract.update", "contract", id)
            .before(&c)
            .after(&after),
    )
    .await?;
    Ok(after)
}

/// [`update_contract`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn update_contract_now(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    input: ContractDates,
) -> AppResult<contract::Model> {
    let txn = state.db.begin_write().await?;
    let c = update_contract(&txn, &Act::of(state, user), id, input).await?;
    txn.commit().await?;
    Ok(c)
}

pub(super) async fn supplier_name(
    conn: &impl ConnectionTrait,
    id: SupplierId,
) -> AppResult<String> {
    Ok(supplier::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|s| s.legal_name)
        .unwrap_or_default())
}

/// Procurement (`act.actor`) submits the contract for sign-off: a new round starts, its
/// deadlines run from now, and the auditors are asked to sign (the deadlines shown in `tz`, the
/// company's time zone). Joins the caller's transaction: it reads and writes through `txn`,
/// queues its mail there and commits nothing.
pub async fn submit_contract(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: i64,
    tz: chrono_tz::Tz,
) -> AppResult<contract::Model> {
    let user = act.actor;
    let (c, _, _) = get_contract(txn, id).await?;
    let from = contract_status(&c)?;
    if !from.editable() {
        return Err(AppError::Rule(RuleCode::ContractState));
    }
    let now = act.now;
    let r = contract::Entity::update_many()
        .col_expr(
            contract::Column::Status,
            Expr::value(ContractStatus::InSignoff.as_str()),
        )
        .col_expr(contract::Column::Round, Expr::value(c.round + 1))
        .col_expr(contract::Column::SubmittedAt, Expr::value(Some(now)))
        .col_expr(contract::Column::UpdatedAt, Expr::value(now))
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::Status.eq(from.as_str()))
        .filter(contract::Column::Round.eq(c.round))
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::ContractChanged));
    }
    let after = contract::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("contract.submit", "contract", id)
            .before(&c)
            .after(&after),
    )
    .await?;
    let due = |l: Level| {
        rules::signoff_due_at(l, now)
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let auditors = crate::users::store::active_with_roles(txn, &[Role::Auditor]).await?;
    let args = [
        ("number", after.number.clone()),
        ("supplier", supplier_name(txn, after.supplier_id).await?),
        ("total", format!("{:.2}", after.total.value())),
        ("company_due", due(Level::Company)),
        (
            "group_due",
            if after.needs_group {
                due(Level::Group)
            } else {
                "-".into()
            },
        ),
        ("link", format!("/contracts/{id}")),
    ];
    crate::mail::enqueue_to_users_linked(
        txn,
        &act.base_url,
        now,
        &auditors,
        "contract_signoff",
        &format!("/contracts/{id}"),
        &args,
    )
    .await?;
    Ok(after)
}

/// [`submit_contract`] on its own, with the state's time zone: in a write transaction of its
/// own, committed when it succeeds; then the mail sender is woken.
pub async fn submit_contract_now(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<contract::Model> {
    let txn = state.db.begin_write().await?;
    let c = submit_contract(&txn, &Act::of(state, user), id, state.tz()).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(c)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SignoffInput {
    /// `company` or `group`.
    pub level: String,
    pub approve: bool,
    /// Required when rejecting.
    #[serde(default)]
    pub note: String,
}

/// Holds the contract's row until the transaction ends, so that two sign-offs of one round
/// (by the same auditor on two instances, say) are checked one after the other and the second
/// sees the first (rule 14). SQLite has no row locks: a first write takes its write lock.
async fn lock_contract(txn: &DatabaseTransaction, id: i64) -> AppResult<()> {
    if txn.get_database_backend() == sea_orm::DbBackend::Sqlite {
        contract::Entity::update_many()
            .col_expr(contract::Column::Round, Expr::col(contract::Column::Round))
            .filter(contract::Column::Id.eq(id))
            .exec(txn)
            .await?;
    }
    sea_orm::QuerySelect::lock_exclusive(contract::Entity::find_by_id(id))
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(())
}

/// An auditor (`act.actor`) records a department's sign-off of the current round. The
/// contract becomes effective when every required level approved, rejected when one rejects.
/// Joins the caller's transaction: it reads and writes through `txn`, queues its mail there
/// and commits nothing.
pub async fn sign_off(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: i64,
    input: SignoffInput,
) -> AppResult<contract::Model> {
    let user = act.actor;
    lock_contract(txn, id).await?;
    let (c, _, signoffs) = get_contract(txn, id).await?;
    let mut errors = FieldErrors::new();
    let level = Level::parse(input.level.trim());
    if level.is_none() {
        errors.add("level", RuleCode::Invalid);
    }
    let note = input.note.trim().to_string();
    if !input.approve && note.is_empty() {
        errors.add("note", RuleCode::Required);
    }
    too_long(&mut errors, "note", &note);
    errors.into_result()?;
    let level = level.ok_or_else(|| AppError::field("level", RuleCode::Invalid))?;
    if contract_status(&c)? != ContractStatus::InSignoff {
        return Err(AppError::Rule(RuleCode::ContractState));
    }
    let required = levels_of(&c);
    if !required.contains(&level) {
        return Err(AppError::Rule(RuleCode::SignoffNotRequired));
    }
    let mut given: Vec<(Level, bool)> = signoffs
        .iter()
        .filter(|s| s.round == c.round)
        .filter_map(|s| Some((Level::parse(&s.level)?, s.decision == "approve")))
        .collect();
    if given.iter().any(|(l, _)| *l == level) {
        return Err(AppError::Rule(RuleCode::SignoffRecorded));
    }
    // The company and the group levels are signed by two different people (rule 14).
    let signed: Vec<i64> = signoffs
        .iter()
        .filter(|s| s.round == c.round)
        .map(|s| s.signed_by)
        .collect();
    crate::auth::four_eyes::second_signer(&signed, user.id)?;
    given.push((level, input.approve));
    let to = rules::after_signoffs(&required, &given);

    let now = act.now;
    let s = contract_signoff::ActiveModel {
        contract_id: Set(id),
        round: Set(c.round),
        level: Set(level.as_str().into()),
        decision: Set(if input.approve { "approve" } else { "reject" }.into()),
        note: Set(note.clone()),
        signed_by: Set(user.id),
        signed_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| match AppError::from(e) {
        AppError::Conflict(_) => AppError::Rule(RuleCode::SignoffRecorded),
        other => other,
    })?;
    let mut u = contract::Entity::update_many()
        .col_expr(contract::Column::Status, Expr::value(to.as_str()))
        .col_expr(contract::Column::UpdatedAt, Expr::value(now));
    if to == ContractStatus::Effective {
        u = u.col_expr(contract::Column::EffectiveAt, Expr::value(Some(now)));
    }
    let r = u
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::Status.eq(ContractStatus::InSignoff.as_str()))
        .filter(contract::Column::Round.eq(c.round))
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::ContractChanged));
    }
    let after = contract::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new(
            if input.approve {
                "contract.signoff_approve"
            } else {
                "contract.signoff_reject"
            },
            "contract",
            id,
        )
        .before(&c)
        .after(&s),
    )
    .await?;
    let kind = match to {
        ContractStatus::Effective => Some("contract_effective"),
        ContractStatus::Rejected => Some("contract_rejected"),
        _ => None,
    };
    if let Some(kind) = kind {
        let officers =
            crate::users::store::active_with_roles(txn, &[Role::ProcurementOfficer]).await?;
        let args = [
            ("number", after.number.clone()),
            ("supplier", supplier_name(txn, after.supplier_id).await?),
            ("note", note),
            ("link", format!("/contracts/{id}")),
        ];
        let link = format!("/contracts/{id}");
        crate::mail::enqueue_to_users_linked(
            txn,
            &act.base_url,
            now,
            &officers,
            kind,
            &link,
            &args,
        )
        .await?;
    }
    Ok(after)
}

/// [`sign_off`] on its own: in a write transaction of its own, committed when it succeeds;
/// then the mail sender is woken.
pub async fn sign_off_now(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    input: SignoffInput,
) -> AppResult<contract::Model> {
    let txn = state.db.begin_write().await?;
    let c = sign_off(&txn, &Act::of(state, user), id, input).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(c)
}

/// An effective contract's unit price becomes the supplier's consignment price for that
/// material: a price change is requested for each of its listings of the material, from
/// today, and takes effect once procurement approves it on the price-change list — the same
/// approval as any supplier's request. `act.actor` requests them. Joins the caller's
/// transaction: it reads and writes through `txn`, queues its mail there and commits nothing.
pub async fn adopt_price(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    contract_item_id: i64,
) -> AppResult<Vec<price_change::Model>> {
    let user = act.actor;
    let item = contract_item::Entity::find_by_id(contract_item_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let (c, _, _) = get_contract(txn, item.contract_id).await?;
    if contract_status(&c)? != ContractStatus::Effective {
        return Err(AppError::Rule(RuleCode::ContractNotEffective));
    }
    let listings = listing::Entity::find()
        .filter(listing::Column::SupplierId.eq(c.supplier_id))
        .filter(listing::Column::MaterialId.eq(item.material_id))
        .order_by_asc(listing::Column::Id)
        .all(txn)
        .await?;
    if listings.is_empty() {
        return Err(AppError::Rule(RuleCode::NoListingForMaterial));
    }
    // The supplier must still be trading, as for any price request.
    crate::suppliers::store::ensure_may_trade(txn, c.supplier_id, act.today).await?;
    let today = act.today;
    let now = act.now;
    let mut made = Vec::new();
    for l in listings {
        let pending = price_change::Entity::find()
            .filter(price_change::Column::ListingId.eq(l.id))
            .filter(price_change::Column::Status.eq("pending"))
            .filter(price_change::Column::NewPrice.eq(item.unit_price))
            .one(txn)
            .await?;
        if pending.is_some() || l.price == item.unit_price {
            continue;
        }
        let pc = price_change::ActiveModel {
            listing_id: Set(l.id),
            old_price: Set(l.price),
            new_price: Set(item.unit_price),
            effective_on: Set(today),
            status: Set("pending".into()),
            reason: Set(format!("{} ({})", c.number, item.id)),
            requested_by: Set(user.id),
            requested_at: Set(now),
            decided_by: Set(None),
            decided_at: Set(None),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        audit::record(
            txn,
            &user.actor(),
            now,
            Change::new("price_change.adopt_contract", "price_change", pc.id).after(&pc),
        )
        .await?;
        made.push(pc);
    }
    if made.is_empty() {
        return Err(AppError::Rule(RuleCode::PriceAlreadyRequested));
    }
    let heads = crate::users::store::active_with_roles(txn, &[Role::ProcurementHead]).await?;
    let args = [
        ("number", c.number.clone()),
        ("supplier", supplier_name(txn, c.supplier_id).await?),
        ("price", item.unit_price.value().normalize().to_string()),
        ("link", "/price-changes".to_string()),
    ];
    crate::mail::enqueue_to_users_linked(
        txn,
        &act.base_url,
        now,
        &heads,
        "price_adopted",
        "/price-changes",
        &args,
    )
    .await?;
    Ok(made)
}

/// [`adopt_price`] on its own: in a write transaction of its own, committed when it succeeds;
/// then the mail sender is woken.
pub async fn adopt_price_now(
    state: &AppState,
    user: &CurrentUser,
    contract_item_id: i64,
) -> AppResult<Vec<price_change::Model>> {
    let txn = state.db.begin_write().await?;
    let made = adopt_price(&txn, &Act::of(state, user), contract_item_id).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(made)
}
