//! What the tender pages and the API show, each view read here in one call: the tender's
//! detail as the caller may see it ([`detail`]), the bidder's own bid ([`my_bid_view`]) and the
//! list ([`summaries`]). Handlers render what these answer; they read nothing themselves.
//!
//! Sealing (rule 14): a bid's lines and total appear in exactly two places — the bidder's own
//! bid, and, for the procurement office only, the tender's detail once it has been opened
//! after its deadline. Before the opening no view but the bidder's own says that a bid exists
//! at all: the office's detail lists no bids and the list counts none.

use super::*;
use crate::i18n::Locale;
use entity::{BidId, SupplierId, TenderId};
use entity::{category, material, user};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TenderView {
    pub id: TenderId,
    pub number: String,
    pub title: String,
    /// `public` or `invitational`.
    pub kind: String,
    pub category_id: i64,
    pub category: String,
    pub description: String,
    /// `draft`, `published`, `opened`, `evaluated`, `awarded` or `failed`.
    pub status: String,
    pub bid_deadline: DateTime<Utc>,
    /// The deadline in the company's time zone, `YYYY-MM-DD HH:MM`.
    pub bid_deadline_local: String,
    pub weights: Weights,
    pub reissue_of: Option<TenderId>,
    pub reissued_as: Option<TenderId>,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// The committee member who confirmed the opening first (office only).
    pub open_first_by: Option<String>,
    pub open_first_at: Option<DateTime<Utc>>,
    /// The second member, whose confirmation opened it (office only).
    pub opened_by: Option<String>,
    pub opened_at: Option<DateTime<Utc>>,
    /// Who ran the evaluation (office only); they do not decide the award (rule 14).
    pub evaluated_by: Option<String>,
    pub evaluated_at: Option<DateTime<Utc>>,
    /// Office only.
    pub recommended_bid_id: Option<BidId>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Office only.
    pub decision_note: String,
    /// `too_few_bids` or `award_declined` when failed.
    pub failed_reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TenderItemView {
    pub id: i64,
    pub line_no: i32,
    pub material_id: i64,
    pub material: String,
    pub material_spec: String,
    pub specification: String,
    pub unit: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TenderDocumentView {
    pub file_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// Where the document is downloaded (suppliers who may bid may).
    pub url: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InviteeView {
    pub supplier_id: SupplierId,
    pub supplier: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BidLineView {
    pub item_id: i64,
    pub line_no: i32,
    pub material: String,
    pub unit: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    pub delivery_days: i32,
    #[schema(value_type = String)]
    pub amount: Decimal,
}

/// A bid as the procurement office sees it: sealed (no lines, no total) until opened.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BidView {
    pub id: BidId,
    pub supplier_id: SupplierId,
    pub supplier: String,
    /// `submitted`, `withdrawn` or `disqualified`.
    pub status: String,
    pub revision: i32,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub disqualified_reason: String,
    /// True while the prices may not be shown.
    pub sealed: bool,
    #[schema(value_type = Option<String>)]
    pub total: Option<Decimal>,
    pub lines: Vec<BidLineView>,
    pub technical_note: Option<String>,
    /// The members' mean scores so far.
    #[schema(value_type = Option<String>)]
    pub quality: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub delivery: Option<Decimal>,
    pub scored_by: usize,
    /// The signed-in member's own scores.
    pub my_quality: Option<i32>,
    pub my_delivery: Option<i32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RankView {
    pub rank: usize,
    pub bid_id: BidId,
    pub supplier: String,
    #[schema(value_type = String)]
    pub total: Decimal,
    #[schema(value_type = String)]
    pub price_score: Decimal,
    #[schema(value_type = String)]
    pub quality: Decimal,
    #[schema(value_type = String)]
    pub delivery: Decimal,
    #[schema(value_type = String)]
    pub weighted: Decimal,
    pub recommended: bool,
}

/// What a supplier learns about its own bid from the tender's detail: never its prices.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyBidStatus {
    pub status: String,
    pub revision: i32,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TenderDetail {
    pub tender: TenderView,
    pub items: Vec<TenderItemView>,
    pub documents: Vec<TenderDocumentView>,
    /// Office only.
    pub invitees: Vec<InviteeView>,
    /// Office only, and empty until the tender is opened (rule 14: before it, nobody but the
    /// bidder learns that a bid exists).
    pub bids: Vec<BidView>,
    /// Office only, once the evaluation has been run (before it, each member sees only their
    /// own scores: `my_quality`, `my_delivery`).
    pub ranking: Vec<RankView>,
    /// Office only: the committee named for the tender (rule 14).
    pub committee: Vec<CommitteeMemberView>,
    /// Office only, once opened: how many members have scored every valid bid.
    pub scoring: Option<ScoringProgress>,
    /// A supplier's own bid, without prices (those are at `/api/tenders/{id}/bid`).
    pub my_bid: Option<MyBidStatus>,
    /// For a supplier once decided: `awarded`, `not_awarded` or `failed`.
    pub outcome: Option<String>,
    /// What the signed-in user may do now: `edit`, `add_document`, `committee`, `publish`,
    /// `bid`, `withdraw`, `open`, `score`, `evaluate`, `decide`, `reissue`.
    pub actions: Vec<String>,
}

/// The supplier's own bid with its prices.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyBidView {
    pub tender_id: TenderId,
    pub status: Option<String>,
    pub revision: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub lines: Vec<BidLineView>,
    #[schema(value_type = Option<String>)]
    pub total: Option<Decimal>,
    pub technical_note: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TenderSummary {
    pub id: TenderId,
    pub number: String,
    pub title: String,
    pub kind: String,
    pub category: String,
    pub status: String,
    pub bid_deadline: DateTime<Utc>,
    pub bid_deadline_local: String,
    /// How many bids are in (office only, once the tender is opened; never their prices).
    pub bids: Option<usize>,
    /// A supplier's own bid status.
    pub my_bid: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenResult {
    pub outcome: OpenOutcome,
    pub tender: TenderDetail,
}

async fn names_of_users(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Option<i64>>,
) -> AppResult<HashMap<i64, String>> {
    let ids: Vec<i64> = ids.into_iter().flatten().collect();
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

async fn category_name(conn: &impl ConnectionTrait, id: i64, locale: Locale) -> AppResult<String> {
    Ok(category::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|c| locale.pick(&c.name_zh, &c.name_en).to_string())
        .unwrap_or_default())
}

async fn tender_view(
    state: &AppState,
    t: &tender::Model,
    office: bool,
    locale: Locale,
) -> AppResult<TenderView> {
    let conn = &state.db.read;
    let users = names_of_users(conn, [t.open_first_by, t.opened_by, t.evaluated_by]).await?;
    let name = |id: Option<i64>| id.and_then(|i| users.get(&i).cloned()).filter(|_| office);
    let reissued_as = tender::Entity::find()
        .filter(tender::Column::ReissueOf.eq(t.id))
        .one(conn)
        .await?
        .map(|n| n.id);
    Ok(TenderView {
        id: t.id,
        number: t.number.clone(),
        title: t.title.clone(),
        kind: t.kind.clone(),
        category_id: t.category_id,
        category: category_name(conn, t.category_id, locale).await?,
        description: t.description.clone(),
        status: t.status.clone(),
        bid_deadline: t.bid_deadline,
        bid_deadline_local: crate::time::display(t.bid_deadline, state.tz()),
        weights: weights_of(t),
        reissue_of: t.reissue_of,
        reissued_as: reissued_as.filter(|_| office),
        created_at: t.created_at,
        published_at: t.published_at,
        open_first_by: name(t.open_first_by),
        open_first_at: t.open_first_at.filter(|_| office),
        opened_by: name(t.opened_by),
        opened_at: t.opened_at,
        evaluated_by: name(t.evaluated_by),
        evaluated_at: t.evaluated_at.filter(|_| office),
        recommended_bid_id: t.recommended_bid_id.filter(|_| office),
        decided_at: t.decided_at,
        decision_note: if office {
            t.decision_note.clone()
        } else {
            String::new()
        },
        failed_reason: t.failed_reason.clone(),
    })
}

async fn item_views(
    conn: &impl ConnectionTrait,
    items: &[tender_item::Model],
    locale: Locale,
) -> AppResult<Vec<TenderItemView>> {
    let materials: HashMap<i64, material::Model> = material::Entity::find()
        .filter(material::Column::Id.is_in(items.iter().map(|i| i.material_id).collect::<Vec<_>>()))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    Ok(items
        .iter()
        .map(|i| {
            let m = materials.get(&i.material_id);
            TenderItemView {
                id: i.id,
                line_no: i.line_no,
                material_id: i.material_id,
                material: m
                    .map(|m| locale.pick(&m.name_zh, &m.name_en).to_string())
                    .unwrap_or_default(),
                material_spec: m.map(|m| m.spec.clone()).unwrap_or_default(),
                specification: i.specification.clone(),
                unit: i.unit_code.clone(),
                quantity: i.quantity.value(),
            }
        })
        .collect())
}

fn line_views(content: &SealedBid, items: &[TenderItemView]) -> Vec<BidLineView> {
    content
        .lines
        .iter()
        .filter_map(|l| {
            let it = items.iter().find(|i| i.id == l.item_id)?;
            Some(BidLineView {
                item_id: l.item_id,
                line_no: it.line_no,
                material: format!("{} {}", it.material, it.material_spec)
                    .trim()
                    .to_string(),
                unit: it.unit.clone(),
                quantity: it.quantity,
                unit_price: l.unit_price,
                delivery_days: l.delivery_days,
                // Checked when the bid was sealed; a line that could not be is not shown.
                amount: rules::line_amount(it.quantity, l.unit_price).ok()?,
            })
        })
        .collect()
}

/// What `user` may do with the tender now.
async fn actions_for(
    state: &AppState,
    user: &CurrentUser,
    t: &tender::Model,
    my_bid: Option<&bid::Model>,
) -> AppResult<Vec<String>> {
    let now = state.now();
    let status = status_of(t)?;
    let mut out: Vec<&str> = Vec::new();
    let can = |c| user.role.can(c);
    if matches!(status, TenderStatus::Draft | TenderStatus::Published)
        && can(Capability::TenderCommittee)
    {
        out.push("committee");
    }
    match status {
        TenderStatus::Draft if can(Capability::ManageProcurement) => {
            out.extend(["edit", "add_document", "publish"]);
        }
        TenderStatus::Published => {
            if can(Capability::TenderCommittee)
                && rules::may_open(now, t.bid_deadline).is_ok()
                && t.open_first_by != Some(user.id)
            {
                out.push("open");
            }
            if let Some(sid) = user.supplier_id
                && can(Capability::ManageOwnSupplier)
                && rules::bids_open(now, t.bid_deadline).is_ok()
                && my_bid.is_none_or(|b| b.status != "disqualified")
                && (t.kind != "invitational"
                    || invitee_ids(&state.db.read, t.id).await?.contains(&sid))
                && ineligibility(&state.db.read, sid, t.category_id, state.today())
                    .await?
                    .is_none()
            {
                out.push("bid");
                if my_bid.is_some_and(|b| b.status == "submitted") {
                    out.push("withdraw");
                }
            }
        }
        TenderStatus::Opened if can(Capability::TenderCommittee) => {
            if member_ids(&state.db.read, t.id).await?.contains(&user.id) {
                out.push("score");
            }
            out.push("evaluate");
        }
        TenderStatus::Evaluated if can(Capability::ApproveProcurement) => {
            let scorers = scorers_of(&state.db.read, t.id).await?;
            if rules::may_decide_award(t.evaluated_by, &scorers, user.id).is_ok() {
                out.push("decide");
            }
        }
        TenderStatus::Failed if can(Capability::ManageProcurement) => {
            let reissued = tender::Entity::find()
                .filter(tender::Column::ReissueOf.eq(t.id))
                .one(&state.db.read)
                .await?
                .is_some();
            if !reissued {
                out.push("reissue");
            }
        }
        _ => {}
    }
    Ok(out.into_iter().map(str::to_string).collect())
}

/// The tender as `user` may see it, named in `locale`.
pub async fn detail(
    state: &AppState,
    user: &CurrentUser,
    id: TenderId,
    locale: Locale,
) -> AppResult<TenderDetail> {
    let conn = &state.db.read;
    let (t, viewer) = visible(conn, user, id).await?;
    let office = viewer == Viewer::Office;
    let tender = tender_view(state, &t, office, locale).await?;
    let items = item_views(conn, &items(conn, id).await?, locale).await?;
    let documents = documents(conn, id)
        .await?
        .into_iter()
        .map(|f| TenderDocumentView {
            url: format!("/api/tenders/{id}/documents/{}", f.id),
            file_id: f.id,
            file_name: f.file_name,
            content_type: f.content_type,
            size: f.size,
        })
        .collect();
    let mut detail = TenderDetail {
        tender,
        items,
        documents,
        invitees: Vec::new(),
        bids: Vec::new(),
        ranking: Vec::new(),
        committee: Vec::new(),
        scoring: None,
        my_bid: None,
        outcome: None,
        actions: Vec::new(),
    };
    match viewer {
        Viewer::Supplier(sid) => {
            let mine = bids(conn, id)
                .await?
                .into_iter()
                .find(|b| b.supplier_id == sid);
            detail.actions = actions_for(state, user, &t, mine.as_ref()).await?;
            detail.outcome = match (status_of(&t)?, &mine) {
                (TenderStatus::Awarded, Some(b)) if b.status != "withdrawn" => {
                    Some(if t.awarded_bid_id == Some(b.id) {
                        "awarded".to_string()
                    } else {
                        "not_awarded".to_string()
                    })
                }
                (TenderStatus::Failed, Some(b)) if b.status != "withdrawn" => {
                    Some("failed".to_string())
                }
                _ => None,
            };
            detail.my_bid = mine.map(|b| MyBidStatus {
                status: b.status,
                revision: b.revision,
                submitted_at: b.submitted_at,
                updated_at: b.updated_at,
            });
        }
        Viewer::Office => {
            detail.actions = actions_for(state, user, &t, None).await?;
            let invitees = invitee_ids(conn, id).await?;
            let names = crate::suppliers::store::names(conn, invitees.iter().copied()).await?;
            detail.invitees = invitees
                .into_iter()
                .map(|sid| InviteeView {
                    supplier_id: sid,
                    supplier: names.get(&sid).cloned().unwrap_or_default(),
                })
                .collect();
            office_bids(state, user, &t, &mut detail).await?;
        }
    }
    Ok(detail)
}

/// The bids for the office: sealed summaries before opening; after it, lines, totals,
/// scores and the ranking.
async fn office_bids(
    state: &AppState,
    user: &CurrentUser,
    t: &tender::Model,
    detail: &mut TenderDetail,
) -> AppResult<()> {
    let conn = &state.db.read;
    let sealed = !rules::prices_unsealed(state.now(), t.bid_deadline, t.opened_at);
    if sealed {
        // Rule 14: before the opening nobody but a bidder learns that a bid exists, so the
        // office sees no bid at all: not its supplier, status, times or how many there are.
        // The committee named for it is no secret.
        let (committee, _) = members_and_progress(conn, t.id, &[], &HashMap::new()).await?;
        detail.committee = committee;
        return Ok(());
    }
    let all = bids(conn, t.id).await?;
    let names = crate::suppliers::store::names(conn, all.iter().map(|b| b.supplier_id)).await?;
    let opened: Vec<OpenBid> = opened_bids(conn, user, t, state.now()).await?;
    let ids: Vec<BidId> = all.iter().map(|b| b.id).collect();
    let scored = scores(conn, &ids).await?;
    let scoring = t.status == TenderStatus::Opened.as_str();
    let valid: Vec<BidId> = opened
        .iter()
        .filter(|o| o.bid.status == "submitted")
        .map(|o| o.bid.id)
        .collect();
    let (committee, progress) = members_and_progress(conn, t.id, &valid, &scored).await?;
    detail.committee = committee;
    detail.scoring = Some(progress);
    for b in &all {
        let supplier = names.get(&b.supplier_id).cloned().unwrap_or_default();
        let mut v = BidView {
            id: b.id,
            supplier_id: b.supplier_id,
            supplier,
            status: b.status.clone(),
            revision: b.revision,
            submitted_at: b.submitted_at,
            updated_at: b.updated_at,
            disqualified_reason: b.disqualified_reason.clone(),
            sealed,
            total: None,
            lines: Vec::new(),
            technical_note: None,
            quality: None,
            delivery: None,
            scored_by: 0,
            my_quality: None,
            my_delivery: None,
        };
        if let Some(o) = opened.iter().find(|o| o.bid.id == b.id) {
            v.total = Some(o.total);
            v.lines = line_views(&o.content, &detail.items);
            v.technical_note = Some(o.content.technical_note.clone());
            let list = scored.get(&b.id).cloned().unwrap_or_default();
            let q: Vec<i32> = list.iter().map(|s| s.quality).collect();
            let d: Vec<i32> = list.iter().map(|s| s.delivery).collect();
            // Rule 14, scoring apart: nobody sees the others' scores before the evaluation.
            if !scoring {
                v.quality = rules::mean_score(&q);
                v.delivery = rules::mean_score(&d);
            }
            v.scored_by = list.len();
            if let Some(mine) = list.iter().find(|s| s.member_id == user.id) {
                v.my_quality = Some(mine.quality);
                v.my_delivery = Some(mine.delivery);
            }
        }
        detail.bids.push(v);
    }
    if !sealed && !scoring {
        let ev = evaluation(t, opened, &scored);
        let recommended = t
            .recommended_bid_id
            .or_else(|| rules::recommendation(&ev.ranked));
        detail.ranking = ev
            .ranked
            .iter()
            .map(|r: &Ranked| RankView {
                rank: r.rank,
                bid_id: r.bid_id,
                supplier: all
                    .iter()
                    .find(|b| b.id == r.bid_id)
                    .and_then(|b| names.get(&b.supplier_id).cloned())
                    .unwrap_or_default(),
                total: r.total,
                price_score: r.price_score,
                quality: r.quality,
                delivery: r.delivery,
                weighted: r.weighted,
                recommended: recommended == Some(r.bid_id),
            })
            .collect();
    }
    Ok(())
}

/// The supplier's own bid, with its prices.
pub async fn my_bid_view(
    state: &AppState,
    user: &CurrentUser,
    id: TenderId,
    locale: Locale,
) -> AppResult<(tender::Model, MyBidView)> {
    let (t, mine) = own_bid(state, user, id).await?;
    let items = item_views(&state.db.read, &items(&state.db.read, id).await?, locale).await?;
    let mut v = MyBidView {
        tender_id: id,
        status: None,
        revision: 0,
        submitted_at: None,
        updated_at: None,
        lines: Vec::new(),
        total: None,
        technical_note: String::new(),
    };
    if let Some((b, content)) = mine {
        v.status = Some(b.status);
        v.revision = b.revision;
        v.submitted_at = Some(b.submitted_at);
        v.updated_at = Some(b.updated_at);
        if let Some(c) = content {
            v.lines = line_views(&c, &items);
            v.total = crate::money::sum_cents(v.lines.iter().map(|l| l.amount)).ok();
            v.technical_note = c.technical_note;
        }
    }
    Ok((t, v))
}

/// The list for `user`: the office sees every tender, with its number of bids once it has been
/// opened; a supplier the tenders it may bid on (or has bid on), with its own bid's status.
pub async fn summaries(
    state: &AppState,
    user: &CurrentUser,
    f: &TenderFilter,
    locale: Locale,
) -> AppResult<Vec<TenderSummary>> {
    let conn = &state.db.read;
    let viewer = viewer(user)?;
    let mut list = list(conn, user, f).await?;
    if let Some(closed) = f.bids_closed {
        let now = state.now();
        list.retain(|t| (t.bid_deadline <= now) == closed);
    }
    let cats: HashMap<i64, String> = category::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, locale.pick(&c.name_zh, &c.name_en).to_string()))
        .collect();
    let all_bids = bid::Entity::find()
        .filter(bid::Column::TenderId.is_in(list.iter().map(|t| t.id).collect::<Vec<_>>()))
        .all(conn)
        .await?;
    Ok(list
        .into_iter()
        .map(|t| {
            let of_t = all_bids.iter().filter(|b| b.tender_id == t.id);
            let (bids, my_bid) = match viewer {
                // Rule 14: how many bid is known only once the tender is opened.
                Viewer::Office => (
                    t.opened_at
                        .map(|_| of_t.filter(|b| b.status != "withdrawn").count()),
                    None,
                ),
                Viewer::Supplier(sid) => (
                    None,
                    of_t.into_iter()
                        .find(|b| b.supplier_id == sid)
                        .map(|b| b.status.clone()),
                ),
            };
            TenderSummary {
                id: t.id,
                number: t.number,
                title: t.title,
                kind: t.kind,
                category: cats.get(&t.category_id).cloned().unwrap_or_default(),
                status: t.status,
                bid_deadline: t.bid_deadline,
                bid_deadline_local: crate::time::display(t.bid_deadline, state.tz()),
                bids,
                my_bid,
            }
        })
        .collect())
}
