//! Drafting a tender (items, invitees, documents) and publishing it to the invited suppliers.

use super::*;
use entity::{SupplierId, TenderId};

// ----- Drafting -----

pub(super) struct CheckedItem {
    material_id: i64,
    quantity: Fixed<3>,
    specification: String,
    unit_code: String,
}

pub(super) fn text_field(
    errors: &mut FieldErrors,
    field: &str,
    v: &str,
    max: usize,
    required: bool,
) {
    if required && v.trim().is_empty() {
        errors.add(field, RuleCode::Required);
    } else if v.contains('\0') {
        // PostgreSQL text cannot hold NUL.
        errors.add(field, RuleCode::Invalid);
    } else if v.chars().count() > max {
        errors.add_with(field, RuleCode::TooLong, &[("max", max.to_string())]);
    }
}

pub(super) fn dedup(ids: &[SupplierId]) -> Vec<SupplierId> {
    let mut out: Vec<SupplierId> = Vec::new();
    for id in ids {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

/// Checks a draft: every problem is a field error, named as the API's fields are.
pub(super) async fn check_input(
    conn: &impl ConnectionTrait,
    input: &TenderInput,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<(Vec<CheckedItem>, Vec<SupplierId>, Option<Vec<i64>>)> {
    let mut errors = FieldErrors::new();
    text_field(&mut errors, "title", &input.title, 200, true);
    text_field(
        &mut errors,
        "description",
        &input.description,
        MAX_TEXT,
        false,
    );
    let cat = category::Entity::find_by_id(input.category_id)
        .one(conn)
        .await?;
    if cat.is_none() {
        errors.add("category_id", RuleCode::NotFound);
    }
    if input.bid_deadline <= now {
        errors.add("bid_deadline", RuleCode::TenderDeadlinePast);
    }
    if let Err(e) = input.weights.check() {
        errors.add("weights", e.code());
    }
    if input.items.is_empty() {
        errors.add("items", RuleCode::TenderItemsRequired);
    } else if input.items.len() > MAX_ITEMS {
        errors.add_with(
            "items",
            RuleCode::TenderTooManyItems,
            &[("max", MAX_ITEMS.to_string())],
        );
    }
    let units: HashMap<String, u32> = unit::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.code, u.decimals.clamp(0, 3) as u32))
        .collect();
    let mut items = Vec::new();
    for (i, it) in input.items.iter().enumerate().take(MAX_ITEMS) {
        let m = material::Entity::find_by_id(it.material_id)
            .one(conn)
            .await?
            .filter(|m| m.active);
        let Some(m) = m else {
            errors.add(&format!("items.{i}.material_id"), RuleCode::NotFound);
            continue;
        };
        if cat.is_some() && m.category_id != input.category_id {
            errors.add(
                &format!("items.{i}.material_id"),
                RuleCode::TenderMaterialCategory,
            );
        }
        let places = units
            .get(&m.unit_code)
            .copied()
            .map(UnitPlaces::new)
            .unwrap_or_default();
        match Quantity::parse(it.quantity, places) {
            Ok(q) => items.push(CheckedItem {
                material_id: m.id,
                quantity: q.fixed(),
                specification: it.specification.trim().to_string(),
                unit_code: m.unit_code.clone(),
            }),
            Err(e) => Quantity::add_error(&mut errors, &format!("items.{i}.quantity"), e, places),
        }
        text_field(
            &mut errors,
            &format!("items.{i}.specification"),
            &it.specification,
            1000,
            false,
        );
    }
    let invitees = if input.kind == TenderKind::Invitational {
        let ids = dedup(&input.invitees[..input.invitees.len().min(MAX_INVITEES + 1)]);
        if cat.is_some() {
            check_invitees(conn, &ids, input.category_id, today, &mut errors).await?;
        }
        ids
    } else {
        Vec::new()
    };
    let committee = match &input.committee {
        Some(ids) => Some(check_members(conn, ids, &mut errors).await?),
        None => None,
    };
    errors.into_result()?;
    Ok((items, invitees, committee))
}

pub(super) async fn write_items(
    txn: &DatabaseTransaction,
    tender_id: TenderId,
    items: &[CheckedItem],
) -> AppResult<()> {
    for (i, it) in items.iter().enumerate() {
        tender_item::ActiveModel {
            tender_id: Set(tender_id),
            line_no: Set(i as i32 + 1),
            material_id: Set(it.material_id),
            quantity: Set(it.quantity),
            specification: Set(it.specification.clone()),
            unit_code: Set(it.unit_code.clone()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

pub(super) async fn write_invitations(
    txn: &DatabaseTransaction,
    tender_id: TenderId,
    ids: &[SupplierId],
    by: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for id in ids {
        tender_invitation::ActiveModel {
            tender_id: Set(tender_id),
            supplier_id: Set(*id),
            invited_by: Set(by),
            invited_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Inserts a draft and gives it its number, `ZB-<year>-<id>` (the year of `today`).
pub(super) async fn insert_draft(
    txn: &DatabaseTransaction,
    today: NaiveDate,
    mut draft: tender::ActiveModel,
) -> AppResult<tender::Model> {
    let mut placeholder = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut placeholder);
    draft.number = Set(format!("new-{}", hex::encode(placeholder)));
    let t = draft.insert(txn).await?;
    let year = today.format("%Y");
    let number = format!("ZB-{year}-{:04}", t.id);
    tender::Entity::update_many()
        .col_expr(tender::Column::Number, Expr::value(number))
        .filter(tender::Column::Id.eq(t.id))
        .exec(txn)
        .await?;
    load(txn, t.id).await
}

/// The procurement officer (`act.actor`) drafts a tender. Joins the caller's transaction: it
/// reads and writes through `txn` and commits nothing.
pub async fn create(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: TenderInput,
) -> AppResult<tender::Model> {
    let user = act.actor;
    let now = act.now;
    let (items, invitees, committee) = check_input(txn, &input, now, act.today).await?;
    let t = insert_draft(
        txn,
        act.today,
        tender::ActiveModel {
            title: Set(input.title.trim().to_string()),
            kind: Set(input.kind.as_str().into()),
            category_id: Set(input.category_id),
            description: Set(input.description.trim().to_string()),
            status: Set(TenderStatus::Draft.as_str().into()),
            bid_deadline: Set(input.bid_deadline),
            weight_price: Set(input.weights.price),
            weight_quality: Set(input.weights.quality),
            weight_delivery: Set(input.weights.delivery),
            reissue_of: Set(None),
            created_by: Set(user.id),
            created_at: Set(now),
            updated_at: Set(now),
            decision_note: Set(String::new()),
            failed_reason: Set(String::new()),
            ..Default::default()
        },
    )
    .await?;
    write_items(txn, t.id, &items).await?;
    write_invitations(txn, t.id, &invitees, user.id, now).await?;
    if let Some(ids) = &committee {
        write_committee(txn, act, t.id, ids).await?;
    }
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("tender.create", "tender", t.id).after(serde_json::json!({
            "tender": &t, "items": items.len(), "invitees": &invitees,
        })),
    )
    .await?;
    Ok(t)
}

/// [`create`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn create_now(
    state: &AppState,
    user: &CurrentUser,
    input: TenderInput,
) -> AppResult<tender::Model> {
    let txn = state.db.begin_write().await?;
    let t = create(&txn, &Act::of(state, user), input).await?;
    txn.commit().await?;
    Ok(t)
}

/// Changes a draft: its fields, and its items and invitees replaced whole. Joins the caller's
/// transaction: it reads and writes through `txn` and commits nothing.
pub async fn update(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: TenderId,
    input: TenderInput,
) -> AppResult<tender::Model> {
    let user = act.actor;
    let before = load(txn, id).await?;
    rules::allowed(status_of(&before)?, Step::Edit).map_err(AppError::Rule)?;
    let now = act.now;
    let (items, invitees, committee) = check_input(txn, &input, now, act.today).await?;
    let r = tender::Entity::update_many()
        .col_expr(tender::Column::Title, Expr::value(input.title.trim()))
        .col_expr(tender::Column::Kind, Expr::value(input.kind.as_str()))
        .col_expr(tender::Column::CategoryId, Expr::value(input.category_id))
        .col_expr(
            tender::Column::Description,
            Expr::value(input.description.trim()),
        )
        .col_expr(tender::Column::BidDeadline, Expr::value(input.bid_deadline))
        .col_expr(
            tender::Column::WeightPrice,
            Expr::value(input.weights.price),
        )
        .col_expr(
            tender::Column::WeightQuality,
            Expr::value(input.weights.quality),
        )
        .col_expr(
            tender::Column::WeightDelivery,
            Expr::value(input.weights.delivery),
        )
        .col_expr(tender::Column::UpdatedAt, Expr::value(now))
        .filter(tender::Column::Id.eq(id))
        .filter(tender::Column::Status.eq(TenderStatus::Draft.as_str()))
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::TenderChanged));
    }
    tender_item::Entity::delete_many()
        .filter(tender_item::Column::TenderId.eq(id))
        .exec(txn)
        .await?;
    tender_invitation::Entity::delete_many()
        .filter(tender_invitation::Column::TenderId.eq(id))
        .exec(txn)
        .await?;
    write_items(txn, id, &items).await?;
    write_invitations(txn, id, &invitees, user.id, now).await?;
    if let Some(ids) = &committee {
        write_committee(txn, act, id, ids).await?;
    }
    let after = load(txn, id).await?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("tender.update", "tender", id)
            .before(&before)
            .after(serde_json::json!({
                "tender": &after, "items": items.len(), "invitees": &invitees,
            })),
    )
    .await?;
    Ok(after)
}

/// [`update`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn update_now(
    state: &AppState,
    user: &CurrentUser,
    id: TenderId,
    input: TenderInput,
) -> AppResult<tender::Model> {
    let txn = state.db.begin_write().await?;
    let t = update(&txn, &Act::of(state, user), id, input).await?;
    txn.commit().await?;
    Ok(t)
}

/// Adds a document (PDF, JPEG or PNG) to a draft. Joins the caller's transaction: it reads and
/// writes through `txn` and commits nothing. `state` is only for [`crate::files::store`],
/// which writes the upload under the data directory (before the transaction commits, as
/// every upload does) and stamps the file row by the state's clock.
pub async fn add_document(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    state: &AppState,
    id: TenderId,
    upload: &crate::files::Upload,
) -> AppResult<entity::file::Model> {
    let user = act.actor;
    let now = act.now;
    let t = load(txn, id).await?;
    rules::allowed(status_of(&t)?, Step::Edit).map_err(AppError::Rule)?;
    let f = crate::files::store(txn, state, "file", upload, None, "tender", Some(user.id)).await?;
    let d = tender_document::ActiveModel {
        tender_id: Set(id),
        file_id: Set(f.id),
        added_by: Set(user.id),
        added_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("tender.add_document", "tender_document", d.id).after(serde_json::json!({
            "tender_id": id, "file_id": f.id, "file_name": &f.file_name, "sha256": &f.sha256,
        })),
    )
    .await?;
    Ok(f)
}

/// [`add_document`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn add_document_now(
    state: &AppState,
    user: &CurrentUser,
    id: TenderId,
    upload: &crate::files::Upload,
) -> AppResult<entity::file::Model> {
    let txn = state.db.begin_write().await?;
    let f = add_document(&txn, &Act::of(state, user), state, id, upload).await?;
    txn.commit().await?;
    Ok(f)
}

// ----- Publishing -----

/// Queues `kind` to the active users of a supplier, at `act`'s instant.
pub(super) async fn mail_supplier_users(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    supplier_id: SupplierId,
    kind: &str,
    args: &[(&str, String)],
) -> AppResult<()> {
    let users = crate::users::store::active_of_supplier(txn, supplier_id).await?;
    // Every tender mail carries the tender's id (`mail_args`): the notice links to it.
    let link = args.iter().find(|(k, _)| *k == "id").map_or_else(
        || "/tenders".to_string(),
        |(_, id)| format!("/tenders/{id}"),
    );
    crate::mail::enqueue_to_users_linked(txn, &act.base_url, act.now, &users, kind, &link, args)
        .await
}

/// A tender's mail arguments; the deadline shown in `tz`, the company's time zone.
pub(super) fn mail_args(tz: chrono_tz::Tz, t: &tender::Model) -> Vec<(&'static str, String)> {
    vec![
        ("number", t.number.clone()),
        ("title", t.title.clone()),
        ("deadline", crate::time::display(t.bid_deadline, tz)),
        ("id", t.id.to_string()),
    ]
}

/// Publishes a draft: its committee must have the members the setting asks (at least three,
/// rule 14); an invitational tender needs at least three eligible invitees, each of whom is
/// emailed; a public one is announced to every supplier that may bid. Joins the
/// caller's transaction: it reads and writes through `txn`, queues its mail there and commits
/// nothing. `tz` is the company's time zone, in which the mail shows the deadline.
pub async fn publish(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    tz: chrono_tz::Tz,
    id: TenderId,
) -> AppResult<tender::Model> {
    let user = act.actor;
    let now = act.now;
    let today = act.today;
    let t = load(txn, id).await?;
    rules::allowed(status_of(&t)?, Step::Publish).map_err(AppError::Rule)?;
    if t.bid_deadline <= now {
        return Err(AppError::field(
            "bid_deadline",
            RuleCode::TenderDeadlinePast,
        ));
    }
    if items(txn, id).await?.is_empty() {
        return Err(AppError::field("items", RuleCode::TenderItemsRequired));
    }
    // Rule 14: the committee that will score apart is named before any bid comes in.
    ensure_enough_members(txn, id).await?;
    let kind = kind_of(&t)?;
    let recipients: Vec<SupplierId> = match kind {
        TenderKind::Invitational => {
            let ids = invitee_ids(txn, id).await?;
            let mut errors = FieldErrors::new();
            check_invitees(txn, &ids, t.category_id, today, &mut errors).await?;
            errors.into_result()?;
            ids
        }
        TenderKind::Public => eligible_suppliers(txn, Some(t.category_id), today)
            .await?
            .into_iter()
            .map(|(s, _)| s.id)
            .collect(),
    };
    let r = tender::Entity::update_many()
        .col_expr(
            tender::Column::Status,
            Expr::value(TenderStatus::Published.as_str()),
        )
        .col_expr(tender::Column::PublishedBy, Expr::value(Some(user.id)))
        .col_expr(tender::Column::PublishedAt, Expr::value(Some(now)))
        .col_expr(tender::Column::UpdatedAt, Expr::value(now))
        .filter(tender::Column::Id.eq(id))
        .filter(tender::Column::Status.eq(TenderStatus::Draft.as_str()))
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::TenderChanged));
    }
    let kind_mail = match kind {
        TenderKind::Invitational => "tender_invited",
        TenderKind::Public => "tender_announced",
    };
    let args = mail_args(tz, &t);
    for sid in &recipients {
        mail_supplier_users(txn, act, *sid, kind_mail, &args).await?;
    }
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("tender.publish", "tender", id)
            .before(&t.status)
            .after(serde_json::json!({"status": "published", "notified": &recipients})),
    )
    .await?;
    load(txn, id).await
}

/// [`publish`] on its own: in a write transaction of its own, committed when it succeeds;
/// then the mail sender is woken.
pub async fn publish_now(
    state: &AppState,
    user: &CurrentUser,
    id: TenderId,
) -> AppResult<tender::Model> {
    let txn = state.db.begin_write().await?;
    let t = publish(&txn, &Act::of(state, user), state.tz(), id).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(t)
}
