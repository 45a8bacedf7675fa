//! Each role's work queue: what waits for it now, counted with the same store functions that
//! fill the lists the rows link to (so a count and its list cannot disagree).

use super::rules::Item;
use crate::auth::{CurrentUser, Role};
use crate::error::AppResult;
use crate::requisitions::rules::RequisitionStatus;
use crate::requisitions::store::RequisitionRow;
use crate::state::AppState;
use crate::stock::lot_pages::{LotFilter, lot_rows};
use crate::web::page::PageCtx;

/// The rows of `user`'s queue, in the order the role reads them (urgent ones are moved up
/// when shown, by [`super::rules::order`]).
pub async fn items_for(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
) -> AppResult<Vec<Item>> {
    match user.role {
        Role::ProcurementOfficer => officer(state, ctx, user).await,
        Role::ProcurementHead => head(state, ctx, user).await,
        Role::WarehouseKeeper => keeper(state, ctx, user).await,
        Role::SiteUser => site_user(state, user).await,
        Role::SiteManager => site_manager(state, user).await,
        Role::Supplier => supplier(state, ctx, user).await,
        Role::Finance => finance(state, user).await,
        Role::Auditor => auditor(state).await,
        Role::Admin => admin(state).await,
    }
}

async fn suppliers_where(
    state: &AppState,
    q: crate::suppliers::store::DirectoryQuery,
) -> AppResult<usize> {
    Ok(
        crate::suppliers::store::directory(&state.db.read, &q, state.today())
            .await?
            .len(),
    )
}

async fn suppliers_in(state: &AppState, status: &str) -> AppResult<usize> {
    suppliers_where(
        state,
        crate::suppliers::store::DirectoryQuery {
            status: Some(status.into()),
            ..Default::default()
        },
    )
    .await
}

async fn tenders(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    status: &str,
    bids_closed: Option<bool>,
) -> AppResult<usize> {
    let f = crate::tenders::store::TenderFilter {
        status: Some(status.into()),
        bids_closed,
    };
    Ok(
        crate::tenders::store::summaries(state, user, &f, ctx.locale)
            .await?
            .len(),
    )
}

async fn contracts(state: &AppState, status: &str, overdue: Option<bool>) -> AppResult<usize> {
    let f = crate::procurement::store::ContractFilter {
        status: Some(status.into()),
        supplier_id: None,
        overdue,
    };
    Ok(crate::procurement::store::ledger(state, &f).await?.len())
}

async fn plans(state: &AppState, user: &CurrentUser, status: &str) -> AppResult<usize> {
    Ok(
        crate::procurement::store::list_plans_in(&state.db.read, user, Some(status))
            .await?
            .len(),
    )
}

async fn statements(state: &AppState, user: &CurrentUser, status: &str) -> AppResult<usize> {
    let f = crate::settlement::store::StatementFilter {
        status: Some(status.into()),
        ..Default::default()
    };
    Ok(crate::settlement::store::list(&state.db.read, user, &f)
        .await?
        .len())
}

/// The funds plans the list at `/funds-plans` shows for `filter` (its own store function).
async fn funds_plans(
    state: &AppState,
    user: &CurrentUser,
    filter: crate::funds_plan::store::PlanFilter,
) -> AppResult<usize> {
    Ok(
        crate::funds_plan::store::list(&state.db.read, user, &filter, state.today(), state.tz())
            .await?
            .len(),
    )
}

/// Finance's funds-plan rows: this month's plan while not started or a draft (due by the
/// 3rd; after the 3rd the row says late and comes first), and the plans the head returned.
async fn funds_plan_items(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Item>> {
    use crate::funds_plan::rules::{Month, due};
    use crate::funds_plan::store::PlanFilter;
    let today = state.today();
    let due_now = funds_plans(
        state,
        user,
        PlanFilter {
            due: Some(true),
            ..Default::default()
        },
    )
    .await?;
    let due_row = if due(Month::of(today), None, today).late {
        Item::new("funds-plan-late", due_now, "/funds-plans?due=true").urgent()
    } else {
        Item::new("funds-plan-due", due_now, "/funds-plans?due=true")
    };
    Ok(vec![
        due_row,
        Item::new(
            "funds-plans-returned",
            funds_plans(
                state,
                user,
                PlanFilter {
                    status: Some("returned".into()),
                    ..Default::default()
                },
            )
            .await?,
            "/funds-plans?status=returned",
        ),
    ])
}

fn statement_item(key: &'static str, count: usize, status: &str) -> Item {
    Item::new(key, count, format!("/statements?status={status}"))
}

async fn officer(state: &AppState, ctx: &PageCtx, user: &CurrentUser) -> AppResult<Vec<Item>> {
    let db = &state.db.read;
    let margin = crate::settings::price_margin(db).await?;
    Ok(vec![
        Item::new(
            "applications",
            suppliers_in(state, "submitted").await?,
            "/suppliers?status=submitted",
        ),
        Item::new(
            "documents-to-accept",
            suppliers_where(
                state,
                crate::suppliers::store::DirectoryQuery {
                    documents_pending: Some(true),
                    ..Default::default()
                },
            )
            .await?,
            "/suppliers?documents_pending=true",
        ),
        Item::new(
            "price-changes",
            crate::catalogue::store::pending_price_changes(db)
                .await?
                .len(),
            "/price-changes",
        ),
        Item::new(
            "counts",
            crate::stock::counts::pending_counts(db).await?.len(),
            "/stock-counts?status=pending",
        ),
        Item::new(
            "tenders-to-open",
            tenders(state, ctx, user, "published", Some(true)).await?,
            "/tenders?status=published&bids_closed=true",
        )
        .urgent(),
        Item::new(
            "tenders-to-score",
            tenders(state, ctx, user, "opened", None).await?,
            "/tenders?status=opened",
        ),
        Item::new(
            "candidates",
            crate::price_watch::store::candidates(db, margin)
                .await?
                .len(),
            "/prices/candidates",
        ),
        Item::new(
            "flagged-lots",
            lot_rows(state, ctx, None, LotFilter::Flagged).await?.len(),
            "/lots?flagged=true",
        ),
        Item::new(
            "review-due",
            suppliers_where(
                state,
                crate::suppliers::store::DirectoryQuery {
                    review_due: Some(true),
                    ..Default::default()
                },
            )
            .await?,
            "/suppliers?review_due=true",
        ),
        Item::new(
            "plans-returned",
            plans(state, user, "returned").await?,
            "/plans?status=returned",
        ),
        Item::new(
            "plan-lines-open",
            crate::procurement::store::list_lines(
                db,
                user,
                &crate::procurement::store::LineFilter {
                    open: Some(true),
                    ..Default::default()
                },
            )
            .await?
            .len(),
            "/plan-lines?open=true",
        ),
        Item::new(
            "contracts-draft",
            contracts(state, "draft", None).await?,
            "/contracts?status=draft",
        ),
        Item::new(
            "contracts-rejected",
            contracts(state, "rejected", None).await?,
            "/contracts?status=rejected",
        ),
    ])
}

async fn head(state: &AppState, ctx: &PageCtx, user: &CurrentUser) -> AppResult<Vec<Item>> {
    Ok(vec![
        Item::new(
            "admissions",
            suppliers_in(state, "recommended").await?,
            "/suppliers?status=recommended",
        ),
        Item::new(
            "failures",
            suppliers_where(
                state,
                crate::suppliers::store::DirectoryQuery {
                    open_failures: Some(true),
                    ..Default::default()
                },
            )
            .await?,
            "/suppliers?open_failures=true",
        ),
        Item::new(
            "awards",
            tenders(state, ctx, user, "evaluated", None).await?,
            "/tenders?status=evaluated",
        ),
        Item::new(
            "plans-submitted",
            plans(state, user, "submitted").await?,
            "/plans?status=submitted",
        ),
        Item::new(
            "choices-to-approve",
            crate::procurement::store::list_lines(
                &state.db.read,
                user,
                &crate::procurement::store::LineFilter {
                    status: Some(crate::procurement::store::CHOICE_PENDING.into()),
                    ..Default::default()
                },
            )
            .await?
            .len(),
            "/plan-lines?status=choice_pending",
        ),
        // The head decides the plans others prepared and submitted, never its own (rule 14).
        Item::new(
            "funds-plans-to-approve",
            funds_plans(
                state,
                user,
                crate::funds_plan::store::PlanFilter {
                    status: Some("submitted".into()),
                    mine: Some(false),
                    ..Default::default()
                },
            )
            .await?,
            "/funds-plans?status=submitted&mine=false",
        ),
    ])
}

/// The requisitions `user` sees (the requisitions list's own store function, all of them).
async fn requisitions(state: &AppState, user: &CurrentUser) -> AppResult<Vec<RequisitionRow>> {
    use crate::requisitions::store::{RequisitionFilter, requisitions_for};
    requisitions_for(
        &state.db.read,
        user,
        state.now(),
        &RequisitionFilter::default(),
        None,
    )
    .await
}

fn in_status(rows: &[RequisitionRow], s: RequisitionStatus) -> usize {
    rows.iter().filter(|r| r.status == Some(s)).count()
}

async fn keeper(state: &AppState, ctx: &PageCtx, user: &CurrentUser) -> AppResult<Vec<Item>> {
    use crate::receiving::store::{DeliveryOrder, deliveries_for};
    let db = &state.db.read;
    let today = state.today();
    let waiting = deliveries_for(db, user, today, DeliveryOrder::Waiting).await?;
    let overdue = waiting.iter().filter(|d| d.deadline.overdue).count();
    let reqs = requisitions(state, user).await?;
    Ok(vec![
        Item::new("deliveries-overdue", overdue, "/deliveries?status=overdue").urgent(),
        Item::new("deliveries", waiting.len(), "/deliveries?status=pending"),
        Item::new(
            "requisitions-overdue",
            reqs.iter().filter(|r| r.overdue).count(),
            "/requisitions?overdue=true",
        )
        .urgent(),
        Item::new(
            "requisitions-to-issue",
            in_status(&reqs, RequisitionStatus::Approved),
            "/requisitions?status=approved",
        ),
        Item::new(
            "requisitions-partly-issued",
            in_status(&reqs, RequisitionStatus::PartlyIssued),
            "/requisitions?status=partly_issued",
        ),
        Item::new(
            "flagged-lots",
            lot_rows(state, ctx, None, LotFilter::Flagged).await?.len(),
            "/lots?flagged=true",
        ),
    ])
}

async fn site_user(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Item>> {
    let reqs = requisitions(state, user).await?;
    Ok(vec![
        Item::new(
            "requisitions-submitted",
            in_status(&reqs, RequisitionStatus::Submitted),
            "/requisitions?status=submitted",
        ),
        Item::new(
            "requisitions-approved",
            in_status(&reqs, RequisitionStatus::Approved),
            "/requisitions?status=approved",
        ),
        Item::new(
            "requisitions-partly-issued",
            in_status(&reqs, RequisitionStatus::PartlyIssued),
            "/requisitions?status=partly_issued",
        ),
    ])
}

async fn site_manager(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Item>> {
    use crate::requisitions::store::{RequisitionFilter, requisitions_for};
    // A manager decides the others' requisitions, never its own (rule 14).
    let others = requisitions_for(
        &state.db.read,
        user,
        state.now(),
        &RequisitionFilter {
            status: Some(RequisitionStatus::Submitted.as_str().into()),
            mine: Some(false),
            ..Default::default()
        },
        None,
    )
    .await?;
    Ok(vec![Item::new(
        "requisitions-to-approve",
        others.len(),
        "/requisitions?status=submitted&mine=false",
    )])
}

async fn supplier(state: &AppState, ctx: &PageCtx, user: &CurrentUser) -> AppResult<Vec<Item>> {
    use crate::receiving::store::{DeliveryOrder, REJECTED_RECENT_DAYS, deliveries_for};
    let sid = user.own_supplier()?;
    let db = &state.db.read;
    let listings = |price| crate::catalogue::store::own_listings(db, sid, Some(price));
    let since = state
        .today()
        .checked_sub_days(chrono::Days::new(REJECTED_RECENT_DAYS))
        .unwrap_or_default();
    Ok(vec![
        Item::new(
            "lots-to-answer",
            lot_rows(state, ctx, Some(sid), LotFilter::Unanswered)
                .await?
                .len(),
            "/my/lots?waiting=true",
        )
        .urgent(),
        statement_item(
            "statements-to-answer",
            statements(state, user, "issued").await?,
            "issued",
        ),
        Item::new(
            "tenders-open",
            tenders(state, ctx, user, "published", Some(false)).await?,
            "/tenders?status=published&bids_closed=false",
        ),
        Item::new(
            "deliveries-rejected",
            deliveries_for(
                db,
                user,
                state.today(),
                DeliveryOrder::Rejected { since: Some(since) },
            )
            .await?
            .len(),
            format!("/deliveries?status=rejected&since={since}"),
        ),
        Item::new(
            "prices-refused",
            listings("refused").await?.len(),
            "/my/listings?price=refused",
        ),
        Item::new(
            "prices-waiting",
            listings("pending").await?.len(),
            "/my/listings?price=pending",
        ),
    ])
}

async fn finance(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Item>> {
    let mut items = vec![
        // Only ended periods are listed, and the daily job closes them: whatever waits is late.
        Item::new(
            "periods-to-close",
            crate::settlement::store::to_close(state, state.today())
                .await?
                .len(),
            "/statements/to-close",
        )
        .urgent(),
        statement_item(
            "statements-disputed",
            statements(state, user, "disputed").await?,
            "disputed",
        ),
        statement_item(
            "statements-draft",
            statements(state, user, "draft").await?,
            "draft",
        ),
        statement_item(
            "statements-confirmed",
            statements(state, user, "confirmed").await?,
            "confirmed",
        ),
        statement_item(
            "statements-resolved",
            statements(state, user, "resolved").await?,
            "resolved",
        ),
        statement_item(
            "statements-invoiced",
            statements(state, user, "invoiced").await?,
            "invoiced",
        ),
    ];
    items.extend(funds_plan_items(state, user).await?);
    Ok(items)
}

async fn auditor(state: &AppState) -> AppResult<Vec<Item>> {
    Ok(vec![
        Item::new(
            "signoffs-overdue",
            contracts(state, "in_signoff", Some(true)).await?,
            "/contracts?status=in_signoff&overdue=on",
        )
        .urgent(),
        Item::new(
            "signoffs",
            contracts(state, "in_signoff", None).await?,
            "/contracts?status=in_signoff",
        ),
    ])
}

async fn admin(state: &AppState) -> AppResult<Vec<Item>> {
    use crate::mail::pages::{OutboxFilter, queue};
    let db = &state.db.read;
    Ok(vec![
        Item::new(
            "mail-failing",
            queue(db, OutboxFilter::Failing).await?.len(),
            "/admin/outbox?status=failing",
        )
        .urgent(),
        Item::new(
            "jobs-failed",
            crate::jobs::pages::failing(db).await?.len(),
            "/admin/jobs?failed=true",
        )
        .urgent(),
        Item::new(
            "mail-pending",
            queue(db, OutboxFilter::Pending).await?.len(),
            "/admin/outbox?status=pending",
        ),
        Item::new(
            "users-dormant",
            crate::users::store::list_where(
                db,
                &crate::users::store::UserFilter {
                    dormant: Some(true),
                },
                state.now(),
            )
            .await?
            .len(),
            "/admin/users?dormant=true",
        ),
    ])
}
