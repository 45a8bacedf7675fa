//! After opening: the committee's scores, the ranking, the head's decision and re-issue;
//! rule 2's disqualification of a removed supplier's bids; the award handed to contracts.

use super::*;
use entity::{BidId, SupplierId, TenderId};

// ----- Evaluation -----

/// A committee member's (`act.actor`'s) scores, per bid (a later score replaces the member's
/// earlier one). Only the members named on the tender score (rule 14), each apart. Joins the caller's transaction: it reads and writes through `txn` and commits
/// nothing.
pub async fn score(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: TenderId,
    input: BidScoresInput,
) -> AppResult<()> {
    let user = act.actor;
    let now = act.now;
    let t = load(txn, id).await?;
    rules::allowed(status_of(&t)?, Step::Score).map_err(AppError::Rule)?;
    if !member_ids(txn, id).await?.contains(&user.id) {
        return Err(AppError::Rule(RuleCode::TenderNotMember));
    }
    let valid: Vec<BidId> = bids(txn, id)
        .await?
        .into_iter()
        .filter(|b| b.status == "submitted")
        .map(|b| b.id)
        .collect();
    let mut errors = FieldErrors::new();
    if input.scores.is_empty() {
        errors.add("scores", RuleCode::Required);
    }
    let mut once: Vec<BidId> = input.scores.iter().map(|s| s.bid_id).collect();
    once.sort_unstable();
    once.dedup();
    if once.len() != input.scores.len() {
        errors.add("scores", RuleCode::TenderScoreOnce);
    }
    for (i, s) in input.scores.iter().enumerate() {
        if !valid.contains(&s.bid_id) {
            errors.add(&format!("scores.{i}.bid_id"), RuleCode::NotFound);
        }
        if !rules::valid_score(s.quality) {
            errors.add(&format!("scores.{i}.quality"), RuleCode::TenderScoreRange);
        }
        if !rules::valid_score(s.delivery) {
            errors.add(&format!("scores.{i}.delivery"), RuleCode::TenderScoreRange);
        }
    }
    errors.into_result()?;
    for s in &input.scores {
        bid_score::Entity::delete_many()
            .filter(bid_score::Column::BidId.eq(s.bid_id))
            .filter(bid_score::Column::MemberId.eq(user.id))
            .exec(txn)
            .await?;
        bid_score::ActiveModel {
            bid_id: Set(s.bid_id),
            member_id: Set(user.id),
            quality: Set(s.quality),
            delivery: Set(s.delivery),
            scored_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("tender.score", "tender", id).after(
            input
                .scores
                .iter()
                .map(|s| serde_json::json!({"bid_id": s.bid_id, "quality": s.quality, "delivery": s.delivery}))
                .collect::<Vec<_>>(),
        ),
    )
    .await?;
    Ok(())
}

/// [`score`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn score_now(
    state: &AppState,
    user: &CurrentUser,
    id: TenderId,
    input: BidScoresInput,
) -> AppResult<()> {
    let txn = state.db.begin_write().await?;
    score(&txn, &Act::of(state, user), id, input).await?;
    txn.commit().await?;
    Ok(())
}

/// The scores of a tender's bids, by bid: (member, quality, delivery).
pub async fn scores(
    conn: &impl ConnectionTrait,
    bid_ids: &[BidId],
) -> AppResult<HashMap<BidId, Vec<bid_score::Model>>> {
    let mut out: HashMap<BidId, Vec<bid_score::Model>> = HashMap::new();
    for s in bid_score::Entity::find()
        .filter(bid_score::Column::BidId.is_in(bid_ids.to_vec()))
        .order_by_asc(bid_score::Column::Id)
        .all(conn)
        .await?
    {
        out.entry(s.bid_id).or_default().push(s);
    }
    Ok(out)
}

/// The evaluation of the valid bids so far: each with its total and the members' mean scores
/// (`None` until scored), and the ranking once every valid bid is scored.
pub struct Evaluation {
    pub rows: Vec<(OpenBid, Option<Decimal>, Option<Decimal>, usize)>,
    pub ranked: Vec<Ranked>,
}

pub fn evaluation(
    t: &tender::Model,
    opened: Vec<OpenBid>,
    scored: &HashMap<BidId, Vec<bid_score::Model>>,
) -> Evaluation {
    let mut rows = Vec::new();
    let mut candidates = Vec::new();
    let mut complete = true;
    for b in opened.into_iter().filter(|b| b.bid.status == "submitted") {
        let list = scored.get(&b.bid.id).cloned().unwrap_or_default();
        let q: Vec<i32> = list.iter().map(|s| s.quality).collect();
        let d: Vec<i32> = list.iter().map(|s| s.delivery).collect();
        let (quality, delivery) = (rules::mean_score(&q), rules::mean_score(&d));
        match (quality, delivery) {
            (Some(quality), Some(delivery)) => candidates.push(Candidate {
                bid_id: b.bid.id,
                total: b.total,
                quality,
                delivery,
            }),
            _ => complete = false,
        }
        rows.push((b, quality, delivery, list.len()));
    }
    let ranked = if complete && !candidates.is_empty() {
        rules::rank(weights_of(t), &candidates)
    } else {
        Vec::new()
    };
    Evaluation { rows, ranked }
}

/// A committee member or the procurement office (`act.actor`, recorded as `evaluated_by`)
/// closes the evaluation: every named member (at least three) must have scored every valid
/// bid (rule 14; the refusal names who has not); the ranking's first becomes the
/// recommendation, and the head is asked to decide (by mail).
/// Joins the caller's transaction: it reads and writes through `txn`, queues its mail there
/// and commits nothing. `tz` is the company's time zone, in which the mail shows the deadline.
pub async fn evaluate(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    tz: chrono_tz::Tz,
    id: TenderId,
) -> AppResult<Vec<Ranked>> {
    let user = act.actor;
    let now = act.now;
    let t = load(txn, id).await?;
    rules::allowed(status_of(&t)?, Step::Evaluate).map_err(AppError::Rule)?;
    let opened = unseal_all(txn, &t).await?;
    let ids: Vec<BidId> = opened.iter().map(|b| b.bid.id).collect();
    let scored = scores(txn, &ids).await?;
    let ev = evaluation(&t, opened, &scored);
    if ev.rows.is_empty() {
        return Err(AppError::Rule(RuleCode::TenderNoValidBids));
    }
    let members = member_ids(txn, id).await?;
    if !rules::enough_members(members.len(), rules::MIN_COMMITTEE) {
        return Err(too_few(rules::MIN_COMMITTEE as i64));
    }
    let valid: Vec<BidId> = ev.rows.iter().map(|r| r.0.bid.id).collect();
    let missing = rules::missing_scorers(&members, &valid, &scored_pairs(&scored));
    if !missing.is_empty() {
        let names = user_names(txn, &missing).await?;
        let named: Vec<String> = missing
            .iter()
            .map(|m| names.get(m).cloned().unwrap_or_else(|| format!("#{m}")))
            .collect();
        let mut errors = FieldErrors::new();
        errors.add_with(
            "committee",
            RuleCode::TenderScoresMissing,
            &[("missing", named.join(", "))],
        );
        return Err(AppError::Validation(errors));
    }
    if ev.ranked.is_empty() {
        return Err(AppError::Rule(RuleCode::TenderUnscoredBids));
    }
    let recommended = rules::recommendation(&ev.ranked);
    let r = tender::Entity::update_many()
        .col_expr(
            tender::Column::Status,
            Expr::value(TenderStatus::Evaluated.as_str()),
        )
        .col_expr(tender::Column::RecommendedBidId, Expr::value(recommended))
        .col_expr(tender::Column::EvaluatedBy, Expr::value(Some(user.id)))
        .col_expr(tender::Column::EvaluatedAt, Expr::value(Some(now)))
        .col_expr(tender::Column::UpdatedAt, Expr::value(now))
        .filter(tender::Column::Id.eq(id))
        .filter(tender::Column::Status.eq(TenderStatus::Opened.as_str()))
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::TenderChanged));
    }
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("tender.evaluate", "tender", id).after(serde_json::json!({
            "recommended_bid_id": recommended, "ranking": &ev.ranked,
        })),
    )
    .await?;
    let heads = crate::users::store::active_with_roles(txn, &[Role::ProcurementHead]).await?;
    crate::mail::enqueue_to_users_linked(
        txn,
        &act.base_url,
        now,
        &heads,
        "tender_to_approve",
        &format!("/tenders/{}", t.id),
        &mail_args(tz, &t),
    )
    .await?;
    Ok(ev.ranked)
}

/// [`evaluate`] on its own: in a write transaction of its own, committed when it succeeds;
/// then the mail sender is woken.
pub async fn evaluate_now(
    state: &AppState,
    user: &CurrentUser,
    id: TenderId,
) -> AppResult<Vec<Ranked>> {
    let txn = state.db.begin_write().await?;
    let ranked = evaluate(&txn, &Act::of(state, user), state.tz(), id).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(ranked)
}

/// Who scored the tender's bids (each once).
pub async fn scorers_of(conn: &impl ConnectionTrait, tender_id: TenderId) -> AppResult<Vec<i64>> {
    let ids: Vec<BidId> = bids(conn, tender_id).await?.iter().map(|b| b.id).collect();
    let mut out: Vec<i64> = scores(conn, &ids)
        .await?
        .values()
        .flatten()
        .map(|s| s.member_id)
        .collect();
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// The head approves the recommendation (the tender is awarded; the winner and every other
/// bidder are told, never with anyone's prices but the winner's own), or declines it with a
/// note (the tender fails and may be re-issued). The head is `act.actor`, who neither ran the
/// evaluation nor is its only scorer ([`rules::may_decide_award`]; no admin bypasses it); an award becomes a
/// contract in the same transaction. Joins the caller's transaction: it reads and writes
/// through `txn`, queues its mail there and commits nothing. `tz` is the company's time
/// zone, in which the mail shows the deadline.
pub async fn decide(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    tz: chrono_tz::Tz,
    id: TenderId,
    input: AwardDecisionInput,
) -> AppResult<tender::Model> {
    let user = act.actor;
    if !input.approve && input.note.trim().is_empty() {
        return Err(AppError::field("note", RuleCode::Required));
    }
    if input.note.contains('\0') {
        return Err(AppError::field("note", RuleCode::Invalid));
    }
    if input.note.chars().count() > MAX_TEXT {
        let mut errors = FieldErrors::new();
        errors.add_with("note", RuleCode::TooLong, &[("max", MAX_TEXT.to_string())]);
        return Err(AppError::Validation(errors));
    }
    let now = act.now;
    let t = load(txn, id).await?;
    rules::allowed(status_of(&t)?, Step::Decide).map_err(AppError::Rule)?;
    // Rule 14: not the head who ran the evaluation, never the tender's only scorer.
    rules::may_decide_award(t.evaluated_by, &scorers_of(txn, id).await?, user.id)?;
    let winner = match t.recommended_bid_id {
        Some(bid_id) => bid::Entity::find_by_id(bid_id)
            .one(txn)
            .await?
            .filter(|b| b.status == "submitted"),
        None => None,
    };
    let (status, failed_reason) = if input.approve {
        if winner.is_none() {
            return Err(AppError::Rule(RuleCode::TenderState));
        }
        (TenderStatus::Awarded, "")
    } else {
        (TenderStatus::Failed, "award_declined")
    };
    let awarded = if input.approve {
        winner.as_ref().map(|b| b.id)
    } else {
        None
    };
    let r = tender::Entity::update_many()
        .col_expr(tender::Column::Status, Expr::value(status.as_str()))
        .col_expr(tender::Column::AwardedBidId, Expr::value(awarded))
        .col_expr(tender::Column::DecidedBy, Expr::value(Some(user.id)))
        .col_expr(tender::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(tender::Column::DecisionNote, Expr::value(input.note.trim()))
        .col_expr(tender::Column::FailedReason, Expr::value(failed_reason))
        .col_expr(tender::Column::UpdatedAt, Expr::value(now))
        .filter(tender::Column::Id.eq(id))
        .filter(tender::Column::Status.eq(TenderStatus::Evaluated.as_str()))
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::TenderChanged));
    }
    let args = mail_args(tz, &t);
    let mut amount = None;
    if let Some(w) = &winner
        && input.approve
    {
        let opened = unseal_all(txn, &t).await?;
        amount = opened.iter().find(|b| b.bid.id == w.id).map(|b| b.total);
    }
    for b in bids(txn, id).await? {
        if b.status == "withdrawn" {
            continue;
        }
        let (kind, mut extra) = match (&winner, input.approve) {
            (Some(w), true) if w.id == b.id => ("tender_awarded", args.clone()),
            (_, true) => ("tender_not_awarded", args.clone()),
            (_, false) => ("tender_failed", args.clone()),
        };
        if kind == "tender_awarded" {
            extra.push(("amount", format!("{:.2}", amount.unwrap_or_default())));
        }
        mail_supplier_users(txn, act, b.supplier_id, kind, &extra).await?;
    }
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new(
            if input.approve {
                "tender.award"
            } else {
                "tender.decline"
            },
            "tender",
            id,
        )
        .before(&t.status)
        .after(serde_json::json!({
            "status": status.as_str(),
            "awarded_bid_id": awarded,
            "supplier_id": winner.as_ref().filter(|_| input.approve).map(|b| b.supplier_id),
            "amount": amount,
            "note": input.note.trim(),
        })),
    )
    .await?;
    // The award becomes a contract in the contract ledger (rule 4, then rule 5's sign-offs), in
    // the same transaction: an awarded tender never lacks its contract.
    if input.approve
        && let Some(award) = award_of(txn, id).await?
    {
        use crate::procurement::store::{ContractItem, ContractSource, NewContract};
        crate::procurement::store::create_contract(
            txn,
            act,
            NewContract {
                supplier_id: award.supplier_id,
                items: award
                    .items
                    .iter()
                    .map(|(material_id, quantity, unit_price)| ContractItem {
                        material_id: *material_id,
                        quantity: *quantity,
                        unit_price: *unit_price,
                    })
                    .collect(),
                source: ContractSource::Tender { tender_id: id },
                signed_on: None,
            },
        )
        .await?;
    }
    load(txn, id).await
}

/// [`decide`] on its own: in a write transaction of its own, committed when it succeeds;
/// then the mail sender is woken.
pub async fn decide_now(
    state: &AppState,
    user: &CurrentUser,
    id: TenderId,
    input: AwardDecisionInput,
) -> AppResult<tender::Model> {
    let txn = state.db.begin_write().await?;
    let t = decide(&txn, &Act::of(state, user), state.tz(), id, input).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(t)
}

/// Re-issues a failed tender: a new draft with the same items, weights, documents, invitees
/// and committee, referring to the old one, with a new deadline. Once per failed tender. The
/// procurement officer is `act.actor`. Joins the caller's transaction: it reads and writes
/// through `txn` and commits nothing.
pub async fn reissue(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: TenderId,
    input: TenderReissueInput,
) -> AppResult<tender::Model> {
    let user = act.actor;
    let now = act.now;
    if input.bid_deadline <= now {
        return Err(AppError::field(
            "bid_deadline",
            RuleCode::TenderDeadlinePast,
        ));
    }
    let old = load(txn, id).await?;
    rules::allowed(status_of(&old)?, Step::Reissue).map_err(AppError::Rule)?;
    if tender::Entity::find()
        .filter(tender::Column::ReissueOf.eq(id))
        .one(txn)
        .await?
        .is_some()
    {
        return Err(AppError::Rule(RuleCode::TenderAlreadyReissued));
    }
    let t = insert_draft(
        txn,
        act.today,
        tender::ActiveModel {
            title: Set(old.title.clone()),
            kind: Set(old.kind.clone()),
            category_id: Set(old.category_id),
            description: Set(old.description.clone()),
            status: Set(TenderStatus::Draft.as_str().into()),
            bid_deadline: Set(input.bid_deadline),
            weight_price: Set(old.weight_price),
            weight_quality: Set(old.weight_quality),
            weight_delivery: Set(old.weight_delivery),
            reissue_of: Set(Some(old.id)),
            created_by: Set(user.id),
            created_at: Set(now),
            updated_at: Set(now),
            decision_note: Set(String::new()),
            failed_reason: Set(String::new()),
            ..Default::default()
        },
    )
    .await?;
    for it in items(txn, id).await? {
        tender_item::ActiveModel {
            tender_id: Set(t.id),
            line_no: Set(it.line_no),
            material_id: Set(it.material_id),
            quantity: Set(it.quantity),
            specification: Set(it.specification),
            unit_code: Set(it.unit_code),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    for d in tender_document::Entity::find()
        .filter(tender_document::Column::TenderId.eq(id))
        .all(txn)
        .await?
    {
        tender_document::ActiveModel {
            tender_id: Set(t.id),
            file_id: Set(d.file_id),
            added_by: Set(user.id),
            added_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    let invitees = invitee_ids(txn, id).await?;
    write_invitations(txn, t.id, &invitees, user.id, now).await?;
    let committee = member_ids(txn, id).await?;
    write_committee(txn, act, t.id, &committee).await?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("tender.reissue", "tender", t.id)
            .after(serde_json::json!({"tender": &t, "reissue_of": id})),
    )
    .await?;
    Ok(t)
}

/// [`reissue`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn reissue_now(
    state: &AppState,
    user: &CurrentUser,
    id: TenderId,
    input: TenderReissueInput,
) -> AppResult<tender::Model> {
    let txn = state.db.begin_write().await?;
    let t = reissue(&txn, &Act::of(state, user), id, input).await?;
    txn.commit().await?;
    Ok(t)
}

// ----- Removal (rule 2) -----

/// Disqualifies the open bids of a removed supplier at once (called in the removal's own
/// transaction). A tender already evaluated with such a bid goes back to evaluation, since
/// the lowest price and so every price score may change. Answers how many bids it took out.
pub async fn disqualify_bids_of(
    txn: &DatabaseTransaction,
    supplier_id: SupplierId,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let live = [
        TenderStatus::Published.as_str(),
        TenderStatus::Opened.as_str(),
        TenderStatus::Evaluated.as_str(),
    ];
    let mut n = 0;
    for b in bid::Entity::find()
        .filter(bid::Column::SupplierId.eq(supplier_id))
        .filter(bid::Column::Status.eq("submitted"))
        .all(txn)
        .await?
    {
        let t = load(txn, b.tender_id).await?;
        if !live.contains(&t.status.as_str()) {
            continue;
        }
        let r = bid::Entity::update_many()
            .col_expr(bid::Column::Status, Expr::value("disqualified"))
            .col_expr(bid::Column::DisqualifiedAt, Expr::value(Some(now)))
            .col_expr(
                bid::Column::DisqualifiedReason,
                Expr::value("supplier_removed"),
            )
            .col_expr(bid::Column::UpdatedAt, Expr::value(now))
            .filter(bid::Column::Id.eq(b.id))
            .filter(bid::Column::Status.eq("submitted"))
            .exec(txn)
            .await?;
        if r.rows_affected != 1 {
            continue;
        }
        n += 1;
        tender::Entity::update_many()
            .col_expr(
                tender::Column::Status,
                Expr::value(TenderStatus::Opened.as_str()),
            )
            .col_expr(
                tender::Column::RecommendedBidId,
                Expr::value(Option::<BidId>::None),
            )
            .col_expr(
                tender::Column::EvaluatedBy,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(
                tender::Column::EvaluatedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(tender::Column::UpdatedAt, Expr::value(now))
            .filter(tender::Column::Id.eq(t.id))
            .filter(tender::Column::Status.eq(TenderStatus::Evaluated.as_str()))
            .exec(txn)
            .await?;
        let mut after = BidFacts::from(&b);
        after.status = "disqualified".into();
        audit::record(
            txn,
            &Actor::system("supplier_removal"),
            now,
            Change::new("bid.disqualify", "bid", b.id)
                .before(BidFacts::from(&b))
                .after(after),
        )
        .await?;
    }
    Ok(n)
}

// ----- The award, for contracts -----

/// An approved award: what the contract is made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = TenderAward)]
pub struct Award {
    pub tender_id: TenderId,
    pub supplier_id: SupplierId,
    /// (material id, quantity, unit price) per tender item, in item order.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<(i64, Decimal, Decimal)>,
    /// Σ quantity × unit price, each line rounded to the cent.
    #[schema(value_type = String)]
    pub amount: Decimal,
}

/// The award of an awarded tender; `None` while it is not awarded.
pub async fn award_of(
    conn: &impl ConnectionTrait,
    tender_id: TenderId,
) -> AppResult<Option<Award>> {
    let t = load(conn, tender_id).await?;
    let (Some(bid_id), TenderStatus::Awarded) = (t.awarded_bid_id, status_of(&t)?) else {
        return Ok(None);
    };
    let b = bid::Entity::find_by_id(bid_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = BidKey::load(conn).await?;
    let content = unseal(&key, &b)?;
    let its = items(conn, tender_id).await?;
    let prices: HashMap<i64, Decimal> = content
        .lines
        .iter()
        .map(|l| (l.item_id, l.unit_price))
        .collect();
    let lines: Vec<(i64, Decimal, Decimal)> = its
        .iter()
        .map(|it| {
            (
                it.material_id,
                it.quantity.value(),
                prices.get(&it.id).copied().unwrap_or_default(),
            )
        })
        .collect();
    let amount =
        rules::bid_total(lines.iter().map(|(_, q, p)| (*q, *p))).map_err(|e| e.on("lines"))?;
    Ok(Some(Award {
        tender_id,
        supplier_id: b.supplier_id,
        items: lines,
        amount,
    }))
}
