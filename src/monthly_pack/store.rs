//! Assembling the monthly pack: every section's sheet read from the portal's own reports (the
//! same functions the pages and downloads use, so the pack and the pages agree), in Chinese
//! and in English, kept with the section figures in one transaction with its audit record and
//! the notices to the head and finance.

use super::rules::{self, SECTIONS, Section};
use crate::audit::{self, Actor, Change};
use crate::auth::Role;
use crate::error::{AppError, AppResult};
use crate::export::{Cell, Sheet};
use crate::i18n::Locale;
use crate::jobs::JobDetail;
use crate::settlement::reports::PeriodInfo;
use crate::settlement::rules::Period;
use crate::state::AppState;
use chrono::NaiveDate;
use entity::{SupplierId, monthly_pack, site, statement, supplier_failure, tender, warehouse};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};

/// A pack's sheets in one language, with the sections' figures.
pub struct Built {
    pub sheets: Vec<Sheet>,
    pub sections: Vec<Section>,
}

impl Built {
    fn add(&mut self, key: &str, sheets: Vec<Sheet>, total: Option<Decimal>, link: String) {
        self.sections.push(Section {
            key: key.into(),
            sheets: sheets.len(),
            rows: sheets.iter().map(|s| s.rows.len()).sum(),
            total,
            link,
        });
        self.sheets.extend(sheets);
    }
}

/// Every section of the pack of `info`'s period, in `locale`, as of the period's end.
pub async fn build(state: &AppState, info: PeriodInfo, locale: Locale) -> AppResult<Built> {
    let db = &state.db.read;
    let tz = state.tz();
    let t = |k: &str| locale.t(k);
    let period = info.period.to_string();
    let mut b = Built {
        sheets: Vec::new(),
        sections: Vec::new(),
    };

    // The period's statements, one row each.
    let statements = statement::Entity::find()
        .filter(statement::Column::Period.eq(&period))
        .order_by_asc(statement::Column::Number)
        .all(db)
        .await?;
    let names =
        crate::suppliers::store::names(db, statements.iter().map(|s| s.supplier_id)).await?;
    let name = |id: SupplierId| names.get(&id).cloned().unwrap_or_else(|| id.to_string());
    let mut sheet = Sheet::new(t("pack-sheet-statements"))
        .with_preamble(t("pack-period"), period.clone())
        .with_headers(
            [
                "pack-col-number",
                "pack-col-supplier",
                "pack-col-status",
                "pack-col-gross",
                "pack-col-net",
                "pack-col-tax",
            ]
            .iter()
            .map(|k| t(k)),
        );
    let (mut gross, mut net, mut tax) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for s in &statements {
        gross += s.gross.value();
        net += s.net.value();
        tax += s.tax.value();
        sheet.push_row([
            Cell::text(s.number.clone()),
            Cell::text(name(s.supplier_id)),
            Cell::text(t(&format!("statement-status-{}", s.status))),
            Cell::money(s.gross.value()),
            Cell::money(s.net.value()),
            Cell::money(s.tax.value()),
        ]);
    }
    sheet.push_footer([
        Cell::text(t("pack-total")),
        Cell::Empty,
        Cell::Empty,
        Cell::money(gross),
        Cell::money(net),
        Cell::money(tax),
    ]);
    b.add(
        "statements",
        vec![sheet],
        Some(gross),
        format!("/statements?period={period}"),
    );

    // Each site's usage statement (rule 11: out on the 26th).
    let mut usage = Vec::new();
    let mut used = Decimal::ZERO;
    for s in site::Entity::find()
        .order_by_asc(site::Column::Code)
        .all(db)
        .await?
    {
        let u = crate::settlement::reports::usage_statement(db, locale, tz, &s, info).await?;
        if u.groups.is_empty() {
            continue;
        }
        used += u.total;
        // Named after its site, so that each site's sheet is told apart in the workbook.
        let mut sheet = crate::settlement::reports::usage_sheet(&u, locale);
        sheet.title = format!("{} {}", t("pack-sheet-usage"), u.site);
        usage.push(sheet);
    }
    b.add(
        "usage",
        usage,
        Some(used),
        format!("/reports/usage?period={period}"),
    );

    // Each warehouse's receipts / issues / balance.
    let mut stock = Vec::new();
    for w in warehouse::Entity::find()
        .order_by_asc(warehouse::Column::Code)
        .all(db)
        .await?
    {
        let r = crate::settlement::reports::stock_report(db, locale, &w, info).await?;
        let mut sheet = crate::settlement::reports::stock_sheet(&r, locale);
        sheet.title = format!("{} {}", t("pack-sheet-stock"), r.warehouse);
        stock.push(sheet);
    }
    b.add(
        "stock",
        stock,
        None,
        format!("/reports/stock?period={period}"),
    );

    // The no-movement list as of the period's last day, with the reason of each line.
    let lines =
        crate::stock::store::no_movement(db, None, info.last_day, locale == Locale::ZhCn).await?;
    let value = lines.iter().map(|l| l.value).sum();
    b.add(
        "no_movement",
        vec![crate::stock::pages::no_movement_sheet(&lines, locale)],
        Some(value),
        format!("/stock/no-movement?as_of={}", info.last_day),
    );

    b.add(
        "failures",
        vec![failures_sheet(db, info, locale, tz).await?],
        None,
        "/suppliers".into(),
    );
    b.add(
        "tenders",
        vec![tenders_sheet(db, info, locale, tz).await?],
        None,
        "/tenders".into(),
    );

    // The contract ledger (合同台帐, rule 13) as it stands.
    let contracts = crate::procurement::store::ledger(
        state,
        &crate::procurement::store::ContractFilter::default(),
    )
    .await?;
    let total = contracts.iter().map(|c| c.total).sum();
    b.add(
        "contracts",
        vec![crate::procurement::api::ledger_sheet(
            &contracts, locale, tz,
        )],
        Some(total),
        "/contracts".into(),
    );

    // The price differences of the issues of the period (材料差价汇总表).
    let month = crate::plan_prices::store::MonthInfo {
        month: info.period,
        first_day: info.first_day,
        last_day: info.last_day,
    };
    let d = crate::plan_prices::store::price_differences(db, month, locale).await?;
    b.add(
        "price_differences",
        vec![crate::plan_prices::api::sheet(&d, locale)],
        Some(d.total.difference),
        format!("/price-differences?month={period}"),
    );

    // The funds plan of the calendar month the period ends in, against what was paid.
    let funds_month = crate::funds_plan::rules::Month::new(info.period.year(), info.period.month())
        .ok_or_else(|| AppError::field("period", crate::error::RuleCode::Month))?;
    let c = crate::funds_plan::store::comparison(db, funds_month).await?;
    b.add(
        "funds_plan",
        vec![crate::funds_plan::api::sheet(&c, locale)],
        Some(c.total.variance),
        format!("/funds-plans/{funds_month}"),
    );

    // The dashboards' tables as of the period's last day.
    let as_of = crate::dashboards::store::AsOf {
        today: info.last_day,
        now: info.end - chrono::Duration::seconds(1),
        tz,
    };
    let mut charts = Vec::new();
    for area in [
        crate::dashboards::store::Area::Procurement,
        crate::dashboards::store::Area::Warehouse,
        crate::dashboards::store::Area::Finance,
    ] {
        let d = crate::dashboards::store::dashboard(db, locale, as_of, area, false).await?;
        for c in &d.charts {
            charts.push(c.sheet(&locale.t(&format!("dash-axis-{}", c.id))));
        }
    }
    b.add("charts", charts, None, "/dashboards/finance".into());
    debug_assert_eq!(
        b.sections
            .iter()
            .map(|s| s.key.as_str())
            .collect::<Vec<_>>(),
        SECTIONS
    );
    Ok(b)
}

/// The failures recorded or decided in the period, the ones that removed their supplier
/// (rule 2) marked.
async fn failures_sheet(
    conn: &impl ConnectionTrait,
    info: PeriodInfo,
    locale: Locale,
    tz: chrono_tz::Tz,
) -> AppResult<Sheet> {
    let t = |k: &str| locale.t(k);
    let all = supplier_failure::Entity::find()
        .order_by_asc(supplier_failure::Column::RecordedAt)
        .all(conn)
        .await?;
    let names = crate::suppliers::store::names(conn, all.iter().map(|f| f.supplier_id)).await?;
    let name = |id: SupplierId| names.get(&id).cloned().unwrap_or_else(|| id.to_string());
    let removals = rules::removals(
        &all.iter()
            .filter(|f| f.status == "confirmed")
            .filter_map(|f| Some((i64::from(f.supplier_id), f.id, f.decided_at?)))
            .collect::<Vec<_>>(),
    );
    let day = |at: chrono::DateTime<chrono::Utc>| at.with_timezone(&tz).date_naive();
    let mut sheet = Sheet::new(t("pack-sheet-failures")).with_headers(
        [
            "pack-col-supplier",
            "pack-col-kind",
            "pack-col-source",
            "pack-col-recorded",
            "pack-col-status",
            "pack-col-decided",
            "pack-col-removal",
            "pack-col-description",
        ]
        .iter()
        .map(|k| t(k)),
    );
    for f in all.iter().filter(|f| {
        rules::within(f.recorded_at, info.start, info.end)
            || f.decided_at
                .is_some_and(|d| rules::within(d, info.start, info.end))
    }) {
        sheet.push_row([
            Cell::text(name(f.supplier_id)),
            Cell::text(t(&format!("failure-kind-{}", f.kind))),
            Cell::text(t(&format!("failure-source-{}", f.source))),
            Cell::date(day(f.recorded_at)),
            Cell::text(t(&format!("failure-status-{}", f.status))),
            f.decided_at.map(day).map_or(Cell::Empty, Cell::date),
            Cell::text(if removals.contains(&f.id) {
                t("pack-removed")
            } else {
                String::new()
            }),
            Cell::text(f.description.clone()),
        ]);
    }
    Ok(sheet)
}

/// The tenders under way at the period's end or moved in it. Nothing of a bid is shown: a
/// tender's own fields only, so sealed stays sealed.
async fn tenders_sheet(
    conn: &impl ConnectionTrait,
    info: PeriodInfo,
    locale: Locale,
    tz: chrono_tz::Tz,
) -> AppResult<Sheet> {
    let t = |k: &str| locale.t(k);
    let day = |at: chrono::DateTime<chrono::Utc>| at.with_timezone(&tz).date_naive();
    let mut sheet = Sheet::new(t("pack-sheet-tenders")).with_headers(
        [
            "pack-col-number",
            "pack-col-title",
            "pack-col-tender-kind",
            "pack-col-status",
            "pack-col-deadline",
            "pack-col-published",
            "pack-col-opened",
            "pack-col-decided",
        ]
        .iter()
        .map(|k| t(k)),
    );
    for x in tender::Entity::find()
        .order_by_asc(tender::Column::Number)
        .all(conn)
        .await?
        .into_iter()
        .filter(|x| {
            rules::tender_in_pack(&x.status, x.created_at, x.updated_at, info.start, info.end)
        })
    {
        let when =
            |at: Option<chrono::DateTime<chrono::Utc>>| at.map(day).map_or(Cell::Empty, Cell::date);
        sheet.push_row([
            Cell::text(x.number.clone()),
            Cell::text(x.title.clone()),
            Cell::text(t(&format!("tender-kind-{}", x.kind))),
            Cell::text(t(&format!("tender-status-{}", x.status))),
            Cell::date(day(x.bid_deadline)),
            when(x.published_at),
            when(x.opened_at),
            when(x.decided_at),
        ]);
    }
    Ok(sheet)
}

/// What a run of the job did.
fn detail(message: &str, sheets: usize) -> JobDetail {
    JobDetail::new(message).arg("sheets", sheets)
}

/// The job: assembles the pack of the last period that has ended as of `as_of`, unless it was
/// assembled already. The period is closed into statements first (the close is idempotent),
/// so the pack never goes out without them, whichever instance ran the close.
pub async fn assemble(state: &AppState, as_of: NaiveDate) -> AppResult<JobDetail> {
    let cutoff = crate::settings::cutoff_day(&state.db.read).await?;
    let period = rules::pack_period(as_of, cutoff);
    if find(&state.db.read, period).await?.is_some() {
        return Ok(detail("job-detail-monthly-pack-exists", 0));
    }
    let actor = Actor::system("job:monthly-pack");
    crate::settlement::store::close(state, &actor, as_of, None).await?;
    let info = PeriodInfo::new(period, cutoff, state.tz());
    let zh = build(state, info, Locale::ZhCn).await?;
    let en = build(state, info, Locale::En).await?;
    let title = |l: Locale| format!("{} {period}", l.t("pack-title"));
    let workbook_zh = crate::export::to_xlsx_book(&title(Locale::ZhCn), &zh.sheets)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let workbook_en = crate::export::to_xlsx_book(&title(Locale::En), &en.sheets)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let summary =
        serde_json::to_string(&zh.sections).map_err(|e| AppError::Internal(e.to_string()))?;
    let now = state.now();
    let txn = state.db.write.begin().await?;
    let inserted = monthly_pack::Entity::insert(monthly_pack::ActiveModel {
        period: Set(period.to_string()),
        assembled_at: Set(now),
        instance: Set(state.instance.clone()),
        summary: Set(summary),
        workbook_zh: Set(workbook_zh),
        workbook_en: Set(workbook_en),
        ..Default::default()
    })
    .exec(&txn)
    .await;
    match inserted.map_err(AppError::from) {
        Ok(_) => {}
        // Another instance assembled it meanwhile: its pack stands.
        Err(AppError::Conflict(_)) => return Ok(detail("job-detail-monthly-pack-exists", 0)),
        Err(e) => return Err(e),
    }
    audit::record(
        &txn,
        &actor,
        now,
        Change::new("monthly_pack.assemble", "monthly_pack", period.to_string())
            .after(serde_json::json!({"sheets": zh.sheets.len(), "sections": zh.sections.len()})),
    )
    .await?;
    let readers =
        crate::users::store::active_with_roles(&txn, &[Role::Finance, Role::ProcurementHead])
            .await?;
    crate::mail::enqueue_to_users_linked(
        &txn,
        &state.config.base_url(),
        now,
        &readers,
        "monthly_pack",
        &format!("/monthly-packs/{period}"),
        &[
            ("period", period.to_string()),
            ("sheets", zh.sheets.len().to_string()),
        ],
    )
    .await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(detail("job-detail-monthly-pack", zh.sheets.len()))
}

/// The pack of `period`, if assembled.
pub async fn find(
    conn: &impl ConnectionTrait,
    period: Period,
) -> AppResult<Option<monthly_pack::Model>> {
    Ok(monthly_pack::Entity::find()
        .filter(monthly_pack::Column::Period.eq(period.to_string()))
        .one(conn)
        .await?)
}

/// The packs assembled, newest period first: (period, assembled at), without the workbooks.
pub async fn list(
    conn: &impl ConnectionTrait,
) -> AppResult<Vec<(String, chrono::DateTime<chrono::Utc>)>> {
    Ok(monthly_pack::Entity::find()
        .select_only()
        .column(monthly_pack::Column::Period)
        .column(monthly_pack::Column::AssembledAt)
        .order_by_desc(monthly_pack::Column::Period)
        .into_tuple()
        .all(conn)
        .await?)
}

/// A pack's sections as kept (an unreadable summary reads as none).
pub fn sections(p: &monthly_pack::Model) -> Vec<Section> {
    serde_json::from_str(&p.summary).unwrap_or_default()
}
