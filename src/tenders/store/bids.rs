//! Sealed bids (submitted, withdrawn, read back only by their bidder) and the four-eyes
//! opening that unseals them.

use super::*;
use entity::TenderId;

// ----- Bids -----

pub(super) fn unseal(key: &BidKey, b: &bid::Model) -> AppResult<SealedBid> {
    let plain = crypto::open(
        key,
        &crypto::bid_aad(b.tender_id, b.supplier_id),
        &Sealed {
            ciphertext: b.sealed.clone(),
            nonce: b.nonce.clone(),
        },
    )?;
    serde_json::from_slice(&plain).map_err(|e| AppError::Internal(format!("bid {}: {e}", b.id)))
}

/// A bid's total; `too_large` on `lines` when it is larger than an amount can be (checked when
/// the bid is submitted, so a sealed bid always has one).
pub(super) fn total_of(content: &SealedBid, items: &[tender_item::Model]) -> AppResult<Decimal> {
    let qty: HashMap<i64, Decimal> = items.iter().map(|i| (i.id, i.quantity.value())).collect();
    rules::bid_total(content.lines.iter().map(|l| {
        (
            qty.get(&l.item_id).copied().unwrap_or_default(),
            l.unit_price,
        )
    }))
    .map_err(|e| e.on("lines"))
}

/// Checks a bid against the tender's items: every item priced once, prices with at most four
/// places, delivery days in range.
pub(super) fn check_bid(input: &BidInput, items: &[tender_item::Model]) -> AppResult<SealedBid> {
    let mut errors = FieldErrors::new();
    let mut seen = Vec::new();
    let mut lines = Vec::new();
    for (i, l) in input.lines.iter().enumerate() {
        if !items.iter().any(|it| it.id == l.item_id) || seen.contains(&l.item_id) {
            errors.add("lines", RuleCode::TenderBidLines);
            continue;
        }
        seen.push(l.item_id);
        match (
            rules::check_price(l.unit_price),
            rules::check_delivery_days(l.delivery_days),
        ) {
            (Ok(unit_price), Ok(delivery_days)) => lines.push(SealedLine {
                item_id: l.item_id,
                unit_price,
                delivery_days,
            }),
            (price, days) => {
                if let Err(e) = price {
                    errors.add(&format!("lines.{i}.unit_price"), e.code());
                }
                if let Err(e) = days {
                    errors.add(&format!("lines.{i}.delivery_days"), e.code());
                }
            }
        }
    }
    if seen.len() != items.len() {
        errors.add("lines", RuleCode::TenderBidLines);
    }
    text_field(
        &mut errors,
        "technical_note",
        &input.technical_note,
        MAX_TEXT,
        false,
    );
    errors.into_result()?;
    lines.sort_by_key(|l| items.iter().position(|it| it.id == l.item_id));
    let bid = SealedBid {
        lines,
        technical_note: input.technical_note.trim().to_string(),
    };
    // Each price and quantity may be in range while their amounts are not.
    total_of(&bid, items)?;
    Ok(bid)
}

/// A supplier (`act.actor`) submits or revises its bid, sealed, strictly before the deadline
/// by the server's clock (`act.now`). Joins the caller's transaction: it reads (the key that
/// seals bids too) and writes through `txn` and commits nothing.
pub async fn submit_bid(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    tender_id: TenderId,
    input: BidInput,
) -> AppResult<bid::Model> {
    let user = act.actor;
    let sid = user.own_supplier()?;
    let (t, _) = visible(txn, user, tender_id).await?;
    if kind_of(&t)? == TenderKind::Invitational && !invited(txn, t.id, sid).await? {
        return Err(AppError::NotFound);
    }
    let now = act.now;
    rules::allowed(status_of(&t)?, Step::Bid).map_err(AppError::Rule)?;
    rules::bids_open(now, t.bid_deadline).map_err(AppError::Rule)?;
    if let Some(reason) = ineligibility(txn, sid, t.category_id, act.today).await? {
        return Err(AppError::Rule(reason));
    }
    let its = items(txn, t.id).await?;
    let content = check_bid(&input, &its)?;
    let key = BidKey::load(txn).await?;
    let plain = serde_json::to_vec(&content).map_err(|e| AppError::Internal(e.to_string()))?;
    let sealed = crypto::seal(&key, &crypto::bid_aad(t.id, sid), &plain)?;

    let (b, action) = match bid_of(txn, tender_id, sid).await? {
        Some(old) => {
            if old.status == "disqualified" {
                return Err(AppError::Rule(RuleCode::TenderBidDisqualified));
            }
            let r = bid::Entity::update_many()
                .col_expr(bid::Column::Sealed, Expr::value(sealed.ciphertext.clone()))
                .col_expr(bid::Column::Nonce, Expr::value(sealed.nonce.clone()))
                .col_expr(bid::Column::Status, Expr::value("submitted"))
                .col_expr(bid::Column::Revision, Expr::value(old.revision + 1))
                .col_expr(bid::Column::SubmittedBy, Expr::value(user.id))
                .col_expr(bid::Column::UpdatedAt, Expr::value(now))
                .filter(bid::Column::Id.eq(old.id))
                .filter(bid::Column::Revision.eq(old.revision))
                .filter(bid::Column::Status.ne("disqualified"))
                .exec(txn)
                .await?;
            if r.rows_affected != 1 {
                return Err(AppError::Conflict(RuleCode::TryAgain));
            }
            let action = if old.status == "withdrawn" {
                "bid.resubmit"
            } else {
                "bid.revise"
            };
            (
                bid::Entity::find_by_id(old.id)
                    .one(txn)
                    .await?
                    .ok_or(AppError::NotFound)?,
                action,
            )
        }
        None => (
            bid::ActiveModel {
                tender_id: Set(tender_id),
                supplier_id: Set(sid),
                status: Set("submitted".into()),
                sealed: Set(sealed.ciphertext),
                nonce: Set(sealed.nonce),
                revision: Set(1),
                submitted_by: Set(user.id),
                submitted_at: Set(now),
                updated_at: Set(now),
                disqualified_at: Set(None),
                disqualified_reason: Set(String::new()),
                ..Default::default()
            }
            .insert(txn)
            .await?,
            "bid.submit",
        ),
    };
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new(action, "bid", b.id).after(BidFacts::from(&b)),
    )
    .await?;
    Ok(b)
}

/// [`submit_bid`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn submit_bid_now(
    state: &AppState,
    user: &CurrentUser,
    tender_id: TenderId,
    input: BidInput,
) -> AppResult<bid::Model> {
    let txn = state.db.begin_write().await?;
    let b = submit_bid(&txn, &Act::of(state, user), tender_id, input).await?;
    txn.commit().await?;
    Ok(b)
}

/// A supplier (`act.actor`) withdraws its bid before the deadline; its sealed lines are
/// erased. Joins the caller's transaction: it reads and writes through `txn` and commits
/// nothing.
pub async fn withdraw_bid(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    tender_id: TenderId,
) -> AppResult<bid::Model> {
    let user = act.actor;
    let sid = user.own_supplier()?;
    visible(txn, user, tender_id).await?;
    let now = act.now;
    let t = load(txn, tender_id).await?;
    rules::allowed(status_of(&t)?, Step::Bid).map_err(AppError::Rule)?;
    rules::bids_open(now, t.bid_deadline).map_err(AppError::Rule)?;
    let b = bid_of(txn, tender_id, sid)
        .await?
        .filter(|b| b.status == "submitted")
        .ok_or(AppError::NotFound)?;
    let r = bid::Entity::update_many()
        .col_expr(bid::Column::Status, Expr::value("withdrawn"))
        .col_expr(bid::Column::Sealed, Expr::value(""))
        .col_expr(bid::Column::Nonce, Expr::value(""))
        .col_expr(bid::Column::UpdatedAt, Expr::value(now))
        .filter(bid::Column::Id.eq(b.id))
        .filter(bid::Column::Status.eq("submitted"))
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::TryAgain));
    }
    let after = bid::Entity::find_by_id(b.id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("bid.withdraw", "bid", b.id)
            .before(BidFacts::from(&b))
            .after(BidFacts::from(&after)),
    )
    .await?;
    Ok(after)
}

/// [`withdraw_bid`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn withdraw_bid_now(
    state: &AppState,
    user: &CurrentUser,
    tender_id: TenderId,
) -> AppResult<bid::Model> {
    let txn = state.db.begin_write().await?;
    let b = withdraw_bid(&txn, &Act::of(state, user), tender_id).await?;
    txn.commit().await?;
    Ok(b)
}

/// The supplier's own bid with its lines: the only place a bid's prices are shown before
/// opening, and only to the bidder.
pub async fn own_bid(
    state: &AppState,
    user: &CurrentUser,
    tender_id: TenderId,
) -> AppResult<(tender::Model, Option<(bid::Model, Option<SealedBid>)>)> {
    let sid = user.own_supplier()?;
    let (t, _) = visible(&state.db.read, user, tender_id).await?;
    let Some(b) = bid_of(&state.db.read, tender_id, sid).await? else {
        return Ok((t, None));
    };
    let content = if b.sealed.is_empty() {
        None
    } else {
        let key = BidKey::load(&state.db.read).await?;
        Some(unseal(&key, &b)?)
    };
    Ok((t, Some((b, content))))
}

/// The bids of an opened tender, unsealed, for the procurement office. Refuses (403) before
/// the deadline has passed and the tender has been opened, and always to suppliers.
pub async fn opened_bids(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    t: &tender::Model,
    now: DateTime<Utc>,
) -> AppResult<Vec<OpenBid>> {
    if viewer(user)? != Viewer::Office {
        return Err(AppError::Forbidden);
    }
    if !rules::prices_unsealed(now, t.bid_deadline, t.opened_at) {
        return Err(AppError::Forbidden);
    }
    unseal_all(conn, t).await
}

pub(super) async fn unseal_all(
    conn: &impl ConnectionTrait,
    t: &tender::Model,
) -> AppResult<Vec<OpenBid>> {
    let key = BidKey::load(conn).await?;
    let its = items(conn, t.id).await?;
    let mut out = Vec::new();
    for b in bids(conn, t.id).await? {
        if b.sealed.is_empty() {
            continue;
        }
        let content = unseal(&key, &b)?;
        let total = total_of(&content, &its)?;
        out.push(OpenBid {
            bid: b,
            content,
            total,
        });
    }
    Ok(out)
}

// ----- Opening (four eyes) -----

/// What a confirmation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = TenderOpenOutcome)]
#[serde(rename_all = "snake_case")]
pub enum OpenOutcome {
    /// Recorded; a second, different committee member must confirm.
    FirstConfirmation,
    /// Opened with at least three valid bids.
    Opened,
    /// Opened with fewer than three valid bids: the tender failed.
    Failed,
}

/// A committee member (`act.actor`) confirms the opening after the deadline. The first
/// confirmation is recorded; the second, by a different member, opens the tender, unseals the
/// bids, and fails it when fewer than three are valid (mailing the bidders). Both steps are
/// conditional updates, so two confirmations at once neither open it twice nor let one member
/// open it alone. Joins the caller's transaction: it reads and writes through `txn`, queues
/// its mail there and commits nothing. `tz` is the company's time zone, in which the mail
/// shows the deadline.
pub async fn open(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    tz: chrono_tz::Tz,
    id: TenderId,
) -> AppResult<OpenOutcome> {
    let user = act.actor;
    let now = act.now;
    let t = load(txn, id).await?;
    rules::allowed(status_of(&t)?, Step::Open).map_err(AppError::Rule)?;
    rules::may_open(now, t.bid_deadline).map_err(AppError::Rule)?;
    rules::confirmation(t.open_first_by, user.id).map_err(AppError::Rule)?;
    // The committee is fixed at opening: it must still be as large as the setting asks.
    ensure_enough_members(txn, id).await?;

    let first = tender::Entity::update_many()
        .col_expr(tender::Column::OpenFirstBy, Expr::value(Some(user.id)))
        .col_expr(tender::Column::OpenFirstAt, Expr::value(Some(now)))
        .col_expr(tender::Column::UpdatedAt, Expr::value(now))
        .filter(tender::Column::Id.eq(id))
        .filter(tender::Column::Status.eq(TenderStatus::Published.as_str()))
        .filter(tender::Column::OpenFirstBy.is_null())
        .exec(txn)
        .await?;
    if first.rows_affected == 1 {
        audit::record(
            txn,
            &user.actor(),
            now,
            Change::new("tender.open.confirm", "tender", id)
                .after(serde_json::json!({"open_first_by": user.id})),
        )
        .await?;
        return Ok(OpenOutcome::FirstConfirmation);
    }
    let second = tender::Entity::update_many()
        .col_expr(
            tender::Column::Status,
            Expr::value(TenderStatus::Opened.as_str()),
        )
        .col_expr(tender::Column::OpenedBy, Expr::value(Some(user.id)))
        .col_expr(tender::Column::OpenedAt, Expr::value(Some(now)))
        .col_expr(tender::Column::UpdatedAt, Expr::value(now))
        .filter(tender::Column::Id.eq(id))
        .filter(tender::Column::Status.eq(TenderStatus::Published.as_str()))
        .filter(tender::Column::OpenFirstBy.is_not_null())
        .filter(tender::Column::OpenFirstBy.ne(user.id))
        .exec(txn)
        .await?;
    if second.rows_affected != 1 {
        let now_t = load(txn, id).await?;
        if now_t.status == TenderStatus::Published.as_str() && now_t.open_first_by == Some(user.id)
        {
            return Err(AppError::Rule(RuleCode::TenderOpenNeedsSecondMember));
        }
        return Err(AppError::Conflict(RuleCode::TenderChanged));
    }
    let opened = load(txn, id).await?;
    let all = unseal_all(txn, &opened).await?;
    let valid: Vec<&OpenBid> = all.iter().filter(|b| b.bid.status == "submitted").collect();
    let enough = rules::enough_bids(valid.len());
    if !enough {
        tender::Entity::update_many()
            .col_expr(
                tender::Column::Status,
                Expr::value(TenderStatus::Failed.as_str()),
            )
            .col_expr(tender::Column::FailedReason, Expr::value("too_few_bids"))
            .filter(tender::Column::Id.eq(id))
            .filter(tender::Column::Status.eq(TenderStatus::Opened.as_str()))
            .exec(txn)
            .await?;
        let args = mail_args(tz, &opened);
        for b in bids(txn, id).await? {
            if b.status != "withdrawn" {
                mail_supplier_users(txn, act, b.supplier_id, "tender_failed", &args).await?;
            }
        }
    }
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("tender.open", "tender", id).after(serde_json::json!({
            "open_first_by": opened.open_first_by,
            "opened_by": user.id,
            "valid_bids": valid.len(),
            "status": if enough { "opened" } else { "failed" },
        })),
    )
    .await?;
    Ok(if enough {
        OpenOutcome::Opened
    } else {
        OpenOutcome::Failed
    })
}

/// [`open`] on its own: in a write transaction of its own, committed when it succeeds; then,
/// unless it was only the first confirmation (which queues no mail), the mail sender is woken.
pub async fn open_now(
    state: &AppState,
    user: &CurrentUser,
    id: TenderId,
) -> AppResult<OpenOutcome> {
    let txn = state.db.begin_write().await?;
    let outcome = open(&txn, &Act::of(state, user), state.tz(), id).await?;
    txn.commit().await?;
    if outcome != OpenOutcome::FirstConfirmation {
        state.mail_wake.notify_one();
    }
    Ok(outcome)
}
