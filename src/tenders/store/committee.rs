//! Rule 14's committee (评委): the members named per tender while it is drafted (changeable
//! until it is opened), their progress in scoring apart, and what publishing, opening, scoring,
//! the evaluation and the award ask of it.

use super::*;
use entity::{BidId, TenderId, tender_committee, user};

/// At most this many members are named at once.
const MAX_MEMBERS: usize = 50;

/// The committee, named whole: it replaces the members named before.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CommitteeInput {
    /// The members' user ids: active procurement officers and heads.
    pub committee: Vec<i64>,
}

/// A member of a tender's committee.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommitteeMemberView {
    pub user_id: i64,
    pub name: String,
    /// Whether they have scored every valid bid (false before opening).
    pub scored: bool,
}

/// How far the committee's scoring is, once the tender is opened: "2 of 3 members have
/// scored" (never anyone's numbers before the evaluation).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScoringProgress {
    pub members: usize,
    pub scored: usize,
    /// The members still to score every valid bid: while any are, the evaluation waits.
    pub missing: Vec<String>,
}

/// Someone who may be named to a committee.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommitteeCandidate {
    pub user_id: i64,
    pub name: String,
    pub role: Role,
}

/// A tender's committee with the staff who may be named to it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommitteeView {
    pub tender_id: TenderId,
    /// Members needed before publishing (the `committee_min_members` setting).
    pub min_members: i64,
    pub members: Vec<CommitteeMemberView>,
    pub candidates: Vec<CommitteeCandidate>,
}

/// The members' user ids, in the order they were named.
pub async fn member_ids(conn: &impl ConnectionTrait, tender_id: TenderId) -> AppResult<Vec<i64>> {
    Ok(tender_committee::Entity::find()
        .filter(tender_committee::Column::TenderId.eq(tender_id))
        .order_by_asc(tender_committee::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect())
}

/// The staff who may sit on a committee ([`rules::may_sit_on_committee`]), by name.
pub async fn committee_candidates(
    conn: &impl ConnectionTrait,
) -> AppResult<Vec<CommitteeCandidate>> {
    let roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| rules::may_sit_on_committee(*r, true))
        .collect();
    let mut out: Vec<CommitteeCandidate> = crate::users::store::active_with_roles(conn, &roles)
        .await?
        .into_iter()
        .filter_map(|u| {
            Some(CommitteeCandidate {
                user_id: u.id,
                role: Role::parse(&u.role)?,
                name: u.display_name,
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.user_id.cmp(&b.user_id)));
    Ok(out)
}

/// The users' names, by id.
pub(super) async fn user_names(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> AppResult<HashMap<i64, String>> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// Checks the members named: each an active officer or head, each once (a repeat is
/// dropped). Problems go on `committee`.
pub(super) async fn check_members(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    errors: &mut FieldErrors,
) -> AppResult<Vec<i64>> {
    let mut once: Vec<i64> = Vec::new();
    for id in ids {
        if !once.contains(id) {
            once.push(*id);
        }
    }
    if once.len() > MAX_MEMBERS {
        errors.add("committee", RuleCode::TenderCommitteeIneligible);
        return Ok(Vec::new());
    }
    let users: HashMap<i64, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(once.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let eligible = |id: &i64| {
        users.get(id).is_some_and(|u| {
            Role::parse(&u.role).is_some_and(|r| rules::may_sit_on_committee(r, u.active))
        })
    };
    if !once.iter().all(eligible) {
        errors.add("committee", RuleCode::TenderCommitteeIneligible);
    }
    Ok(once)
}

/// Makes the committee `ids`: removes those no longer named and names the new ones, each with
/// its audit entry. The caller checked `ids`.
pub(super) async fn write_committee(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    tender_id: TenderId,
    ids: &[i64],
) -> AppResult<()> {
    let user = act.actor;
    let now = act.now;
    let before = member_ids(txn, tender_id).await?;
    let mut all = before.clone();
    all.extend_from_slice(ids);
    let names = user_names(txn, &all).await?;
    let name = |id: &i64| names.get(id).cloned().unwrap_or_default();
    for gone in before.iter().filter(|m| !ids.contains(m)) {
        tender_committee::Entity::delete_many()
            .filter(tender_committee::Column::TenderId.eq(tender_id))
            .filter(tender_committee::Column::UserId.eq(*gone))
            .exec(txn)
            .await?;
        audit::record(
            txn,
            &user.actor(),
            now,
            Change::new("tender.committee.remove", "tender", tender_id)
                .before(serde_json::json!({"user_id": gone, "name": name(gone)})),
        )
        .await?;
    }
    for new in ids.iter().filter(|m| !before.contains(m)) {
        tender_committee::ActiveModel {
            tender_id: Set(tender_id),
            user_id: Set(*new),
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
            Change::new("tender.committee.add", "tender", tender_id)
                .after(serde_json::json!({"user_id": new, "name": name(new)})),
        )
        .await?;
    }
    Ok(())
}

/// Refuses when the tender's committee has fewer members than the setting asks (never fewer
/// than three), naming the least on `committee`.
pub(super) async fn ensure_enough_members(
    conn: &impl ConnectionTrait,
    tender_id: TenderId,
) -> AppResult<()> {
    let min = crate::settings::committee_min_members(conn).await?;
    let n = member_ids(conn, tender_id).await?.len();
    if rules::enough_members(n, usize::try_from(min).unwrap_or(rules::MIN_COMMITTEE)) {
        Ok(())
    } else {
        Err(too_few(min))
    }
}

pub(super) fn too_few(min: i64) -> AppError {
    let mut errors = FieldErrors::new();
    errors.add_with(
        "committee",
        RuleCode::TenderCommitteeMin,
        &[("min", min.max(rules::MIN_COMMITTEE as i64).to_string())],
    );
    AppError::Validation(errors)
}

/// The procurement officer or head (`act.actor`) names the tender's committee, replacing the
/// members named before: while it is drafted, or published but not yet opened (then never
/// fewer than the setting asks, as it was published with them). Joins the caller's
/// transaction: it reads and writes through `txn` and commits nothing.
pub async fn set_committee(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: TenderId,
    input: CommitteeInput,
) -> AppResult<tender::Model> {
    let t = load(txn, id).await?;
    let status = status_of(&t)?;
    rules::allowed(status, Step::Committee).map_err(AppError::Rule)?;
    let mut errors = FieldErrors::new();
    let ids = check_members(txn, &input.committee, &mut errors).await?;
    errors.into_result()?;
    if status == TenderStatus::Published {
        let min = crate::settings::committee_min_members(txn).await?;
        if !rules::enough_members(ids.len(), usize::try_from(min).unwrap_or(0)) {
            return Err(too_few(min));
        }
    }
    // Claims the tender in its state: an opening at the same moment fixes the committee.
    let r = tender::Entity::update_many()
        .col_expr(tender::Column::UpdatedAt, Expr::value(act.now))
        .filter(tender::Column::Id.eq(id))
        .filter(tender::Column::Status.eq(status.as_str()))
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::TenderChanged));
    }
    write_committee(txn, act, id, &ids).await?;
    load(txn, id).await
}

/// [`set_committee`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn set_committee_now(
    state: &AppState,
    user: &CurrentUser,
    id: TenderId,
    input: CommitteeInput,
) -> AppResult<tender::Model> {
    let txn = state.db.begin_write().await?;
    let t = set_committee(&txn, &Act::of(state, user), id, input).await?;
    txn.commit().await?;
    Ok(t)
}

/// Who scored which of `bids`: (bid, member) pairs.
pub(super) fn scored_pairs(scored: &HashMap<BidId, Vec<bid_score::Model>>) -> Vec<(BidId, i64)> {
    scored
        .values()
        .flatten()
        .map(|s| (s.bid_id, s.member_id))
        .collect()
}

/// The members and their progress: each member with whether they scored every valid bid of
/// `valid` (`scored`: the scores of the tender's bids), and the count.
pub(super) async fn members_and_progress(
    conn: &impl ConnectionTrait,
    tender_id: TenderId,
    valid: &[BidId],
    scored: &HashMap<BidId, Vec<bid_score::Model>>,
) -> AppResult<(Vec<CommitteeMemberView>, ScoringProgress)> {
    let ids = member_ids(conn, tender_id).await?;
    let names = user_names(conn, &ids).await?;
    let missing = rules::missing_scorers(&ids, valid, &scored_pairs(scored));
    let members: Vec<CommitteeMemberView> = ids
        .iter()
        .map(|id| CommitteeMemberView {
            user_id: *id,
            name: names.get(id).cloned().unwrap_or_default(),
            scored: !valid.is_empty() && !missing.contains(id),
        })
        .collect();
    let progress = ScoringProgress {
        members: members.len(),
        scored: members.iter().filter(|m| m.scored).count(),
        missing: members
            .iter()
            .filter(|m| !m.scored)
            .map(|m| m.name.clone())
            .collect(),
    };
    Ok((members, progress))
}

/// The committee of a tender with who may be named to it (the office).
pub async fn committee_view(
    state: &AppState,
    user: &CurrentUser,
    id: TenderId,
) -> AppResult<CommitteeView> {
    let conn = &state.db.read;
    let (t, viewer) = visible(conn, user, id).await?;
    if viewer != Viewer::Office {
        return Err(AppError::Forbidden);
    }
    let valid: Vec<BidId> = if t.opened_at.is_some() {
        bids(conn, id)
            .await?
            .into_iter()
            .filter(|b| b.status == "submitted")
            .map(|b| b.id)
            .collect()
    } else {
        Vec::new()
    };
    let scored = scores(conn, &valid).await?;
    let (members, _) = members_and_progress(conn, id, &valid, &scored).await?;
    Ok(CommitteeView {
        tender_id: id,
        min_members: crate::settings::committee_min_members(conn).await?,
        members,
        candidates: committee_candidates(conn).await?,
    })
}
