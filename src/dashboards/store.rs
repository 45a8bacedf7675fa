//! The dashboards' figures, read from the ledger: the movements (receipts, issues, returns),
//! the lots on hand and the supplier directory. Sums are taken in the database as scaled
//! integers (as the stock report does) and made decimals here; [`super::rules`] arranges them
//! per month, day, age and stage.

use super::rules::{self, DAYS, MONTHS};
use crate::charts::{Chart, Series};
use crate::error::AppResult;
use crate::i18n::Locale;
use crate::settlement::rules::{LineKind, Period};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    SupplierId, category, contract, delivery, delivery_line, listing, lot, material, movement,
    plan, plan_line, requisition, requisition_line, site, statement, supplier, supplier_failure,
    tender,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, ExprTrait, JoinType, QueryFilter,
    QuerySelect, RelationDef,
};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// The instant the figures run to: the day (in the company's time zone) and the moment.
#[derive(Debug, Clone, Copy)]
pub struct AsOf {
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    pub tz: chrono_tz::Tz,
}

/// Whose dashboard: an area of the office, or one site's or one supplier's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Procurement,
    Warehouse,
    Finance,
    Site(i64),
    Supplier(SupplierId),
}

impl Area {
    /// The area's name in the dashboard's address (`/dashboards/{name}`).
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Procurement => "procurement",
            Area::Warehouse => "warehouse",
            Area::Finance => "finance",
            Area::Site(_) => "site",
            Area::Supplier(_) => "supplier",
        }
    }
}

/// A dashboard: its area's charts as of a day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    /// `procurement`, `warehouse`, `finance`, `site` or `supplier`.
    pub area: String,
    /// The day the figures run to.
    pub as_of: NaiveDate,
    pub charts: Vec<Chart>,
}

impl Dashboard {
    /// The chart `id`, if the dashboard has it.
    pub fn chart(&self, id: &str) -> Option<&Chart> {
        self.charts.iter().find(|c| c.id == id)
    }
}

/// The issue and site-return rows of the months shown (site, day, signed amount), of one
/// supplier's goods, one site's draws or everyone's (a range of `ix_movements_kind_on_date`).
async fn draw_rows(
    conn: &impl ConnectionTrait,
    today: NaiveDate,
    supplier: Option<SupplierId>,
    site: Option<i64>,
) -> AppResult<Vec<(Option<i64>, NaiveDate, Decimal)>> {
    let mut q = movement::Entity::find()
        .select_only()
        .column(movement::Column::SiteId)
        .column(movement::Column::OnDate)
        .column_as(Expr::cust("CAST(SUM(amount) AS BIGINT)"), "a")
        .filter(
            movement::Column::Kind.is_in([LineKind::Issue.as_str(), LineKind::SiteReturn.as_str()]),
        )
        .filter(movement::Column::OnDate.gte(rules::first_day(today, MONTHS)))
        .filter(movement::Column::OnDate.lte(today));
    if let Some(s) = supplier {
        q = q.filter(movement::Column::SupplierId.eq(s));
    }
    if let Some(s) = site {
        q = q.filter(movement::Column::SiteId.eq(s));
    }
    let rows: Vec<(Option<i64>, NaiveDate, i64)> = q
        .group_by(movement::Column::SiteId)
        .group_by(movement::Column::OnDate)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(s, d, a)| (s, d, Decimal::new(a, 2)))
        .collect())
}

/// What each site drew per month (a series per site), from the months' draw rows.
async fn draws_by_site(
    conn: &impl ConnectionTrait,
    locale: Locale,
    today: NaiveDate,
    draws: &[(Option<i64>, NaiveDate, Decimal)],
) -> AppResult<Chart> {
    let months = rules::last_months(today, MONTHS);
    let by_site = rules::draws_by_month(&months, draws);
    let sites: HashMap<i64, String> = site::Entity::find()
        .filter(site::Column::Id.is_in(by_site.keys().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, locale.pick(&s.name_zh, &s.name_en).to_string()))
        .collect();
    Ok(Chart {
        id: "draws-by-site".into(),
        title: locale.t("dash-draws-title"),
        desc: locale.ta("dash-draws-desc", &[("months", MONTHS.to_string())]),
        categories: months,
        series: by_site
            .into_iter()
            .map(|(id, values)| Series {
                name: sites.get(&id).cloned().unwrap_or_else(|| id.to_string()),
                values,
            })
            .collect(),
        money: true,
        colours: Vec::new(),
    })
}

/// The dashboard of `area` as of `at`: every chart, or only the first (`first_only`, for the
/// home page, which shows the area's first chart and links to the rest).
pub async fn dashboard(
    conn: &impl ConnectionTrait,
    locale: Locale,
    at: AsOf,
    area: Area,
    first_only: bool,
) -> AppResult<Dashboard> {
    let today = at.today;
    let mut charts = Vec::new();
    macro_rules! add {
        ($chart:expr) => {
            charts.push($chart.await?);
            if first_only {
                return Ok(Dashboard {
                    area: area.as_str().into(),
                    as_of: today,
                    charts,
                });
            }
        };
    }
    match area {
        Area::Procurement => {
            // One read of the months' draws for the two charts made of them.
            let draws = draw_rows(conn, today, None, None).await?;
            add!(draws_by_site(conn, locale, today, &draws));
            add!(funding(conn, locale, at, &draws));
            add!(stale_by_supplier(conn, locale));
            add!(turnover(conn, locale, today));
            add!(suppliers_by_stage(conn, locale));
            add!(tenders_by_stage(conn, locale));
            add!(contracts_waiting(conn, locale, at));
        }
        Area::Warehouse => {
            add!(receipts_and_issues(conn, locale, today));
            add!(inspections(conn, locale, at));
            add!(issue_times(conn, locale, at));
        }
        Area::Finance => {
            add!(to_pay(conn, locale, today));
            add!(statements_by_stage(conn, locale, today));
            add!(disputed(conn, locale));
        }
        Area::Site(site_id) => {
            add!(drawn_against_plan(conn, locale, today, site_id));
            add!(site_draws(conn, locale, today, site_id));
        }
        Area::Supplier(supplier_id) => {
            // One read of its lots for the two charts made of them.
            let lots = valued_lots(conn, supplier_id).await?;
            add!(stock_by_age(locale, today, &lots));
            add!(stock_by_listing(conn, locale, today, &lots));
            add!(own_draws(conn, locale, today, supplier_id));
            add!(deliveries(conn, locale, today, supplier_id));
            add!(scorecard(conn, locale, today, supplier_id));
        }
    }
    Ok(Dashboard {
        area: area.as_str().into(),
        as_of: today,
        charts,
    })
}

/// A chart of one series.
fn single(
    id: &str,
    title: String,
    desc: String,
    categories: Vec<String>,
    name: String,
    values: Vec<Decimal>,
    money: bool,
) -> Chart {
    Chart {
        id: id.into(),
        title,
        desc,
        categories,
        series: vec![Series { name, values }],
        money,
        colours: Vec::new(),
    }
}

/// The translated names of `keys` (`{prefix}{key}`): a chart's categories.
fn labels(locale: Locale, prefix: &str, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .map(|k| locale.t(&format!("{prefix}{k}")))
        .collect()
}

/// How many rows `cond` keeps there are of each value of `column` (a status), counted in the
/// database.
async fn count_by<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    column: E::Column,
    cond: sea_orm::Condition,
) -> AppResult<Vec<(String, i64)>> {
    Ok(E::find()
        .select_only()
        .column(column)
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .filter(cond)
        .group_by(column)
        .into_tuple()
        .all(conn)
        .await?)
}

/// The suppliers by stage (rule 2's removals among them).
async fn suppliers_by_stage(conn: &impl ConnectionTrait, locale: Locale) -> AppResult<Chart> {
    let all = sea_orm::Condition::all();
    let counts = rules::stage_counts(
        &count_by::<supplier::Entity>(conn, supplier::Column::Status, all).await?,
    );
    // Of them, those with a confirmed failure (rule 2: the second removes the supplier).
    let failed: Vec<SupplierId> = supplier_failure::Entity::find()
        .select_only()
        .column(supplier_failure::Column::SupplierId)
        .filter(supplier_failure::Column::Status.eq("confirmed"))
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    let failed_statuses = count_by::<supplier::Entity>(
        conn,
        supplier::Column::Status,
        sea_orm::Condition::all().add(supplier::Column::Id.is_in(failed)),
    )
    .await?;
    let with_failures = rules::stage_counts(&failed_statuses);
    Ok(Chart {
        id: "suppliers-by-stage".into(),
        title: locale.t("dash-suppliers-title"),
        desc: locale.t("dash-suppliers-desc"),
        categories: counts
            .iter()
            .map(|(stage, _)| locale.t(&format!("dash-stage-{stage}")))
            .collect(),
        series: vec![
            Series {
                name: locale.t("dash-suppliers-series"),
                values: counts.iter().map(|(_, n)| Decimal::from(*n)).collect(),
            },
            Series {
                name: locale.t("dash-suppliers-failed"),
                values: with_failures
                    .iter()
                    .map(|(_, n)| Decimal::from(*n))
                    .collect(),
            },
        ],
        money: false,
        colours: vec![0, 3],
    })
}

/// The tenders by stage, from draft to awarded or failed.
async fn tenders_by_stage(conn: &impl ConnectionTrait, locale: Locale) -> AppResult<Chart> {
    let rows: Vec<(String, Decimal)> =
        count_by::<tender::Entity>(conn, tender::Column::Status, sea_orm::Condition::all())
            .await?
            .into_iter()
            .map(|(s, n)| (s, Decimal::from(n)))
            .collect();
    Ok(single(
        "tenders-by-stage",
        locale.t("dash-tenders-title"),
        locale.t("dash-tenders-desc"),
        labels(locale, "dash-tender-", &rules::TENDER_STAGES),
        locale.t("dash-tenders-series"),
        rules::by_key(&rules::TENDER_STAGES, &rows),
        false,
    ))
}

/// The contracts waiting for their sign-offs, by how long they have waited (rule 5: 3 days
/// inside the company, 7 at group level).
async fn contracts_waiting(
    conn: &impl ConnectionTrait,
    locale: Locale,
    at: AsOf,
) -> AppResult<Chart> {
    let submitted: Vec<Option<DateTime<Utc>>> = contract::Entity::find()
        .select_only()
        .column(contract::Column::SubmittedAt)
        .filter(contract::Column::Status.eq("in_signoff"))
        .into_tuple()
        .all(conn)
        .await?;
    let days: Vec<NaiveDate> = submitted
        .into_iter()
        .flatten()
        .map(|t| t.with_timezone(&at.tz).date_naive())
        .collect();
    Ok(single(
        "contracts-waiting",
        locale.t("dash-waiting-title"),
        locale.t("dash-waiting-desc"),
        labels(locale, "dash-wait-", &rules::WAITS),
        locale.t("dash-contracts"),
        rules::waits(&days, at.today),
        false,
    ))
}

/// How the goods of each month were paid for: what the sites drew of consigned stock (the
/// supplier's money until drawn) against what the company bought outright (the contracts that
/// took effect): the zero-inventory measure (零库存), the consigned share month by month.
async fn funding(
    conn: &impl ConnectionTrait,
    locale: Locale,
    at: AsOf,
    draws: &[(Option<i64>, NaiveDate, Decimal)],
) -> AppResult<Chart> {
    let months = rules::last_months(at.today, MONTHS);
    let drawn: Vec<Decimal> = {
        let by_site = rules::draws_by_month(&months, draws);
        (0..months.len())
            .map(|i| by_site.values().map(|v| v[i]).sum())
            .collect()
    };
    let from = rules::first_day(at.today, MONTHS)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        - chrono::Duration::days(1);
    let contracts: Vec<(Option<DateTime<Utc>>, entity::Fixed<2>)> = contract::Entity::find()
        .select_only()
        .column(contract::Column::EffectiveAt)
        .column(contract::Column::Total)
        .filter(contract::Column::Status.eq("effective"))
        .filter(contract::Column::EffectiveAt.gte(from))
        .into_tuple()
        .all(conn)
        .await?;
    let bought = rules::by_month(
        &months,
        &contracts
            .into_iter()
            .filter_map(|(t, total)| Some((t?.with_timezone(&at.tz).date_naive(), total.value())))
            .collect::<Vec<_>>(),
    );
    Ok(Chart {
        id: "funding".into(),
        title: locale.t("dash-funding-title"),
        desc: locale.ta(
            "dash-funding-desc",
            &[
                ("months", MONTHS.to_string()),
                (
                    "share",
                    rules::consigned_share(&[drawn.iter().sum()], &[bought.iter().sum()])
                        .first()
                        .copied()
                        .flatten()
                        .map(|p| format!("{p}%"))
                        .unwrap_or_else(|| "–".into()),
                ),
            ],
        ),
        categories: months,
        series: vec![
            Series {
                name: locale.t("dash-funding-consigned"),
                values: drawn,
            },
            Series {
                name: locale.t("dash-funding-bought"),
                values: bought,
            },
        ],
        money: true,
        colours: Vec::new(),
    })
}

/// Scaled integers summed in the database (quantity in 1/1,000 of a unit × price in 1/10,000
/// of a yuan, so 1/10^7 yuan: exact, far within 64 bits for any real stock), made decimals and
/// rounded to the cent once per key.
fn to_cents(rows: Vec<(i64, i64)>) -> Vec<(i64, Decimal)> {
    rows.into_iter()
        .map(|(k, v)| (k, rules::cents(Decimal::new(v, 7))))
        .collect()
}

/// The value at today's listing price of the consigned stock to go back, by supplier: lots on
/// hand flagged by the stale scan or asked back, read from their partial index
/// (`ix_lots_to_go_back`, a small part of all lots) and priced through the listing.
async fn to_go_back_by_supplier(conn: &impl ConnectionTrait) -> AppResult<Vec<(i64, Decimal)>> {
    let to_listing: RelationDef = lot::Entity::belongs_to(listing::Entity)
        .from(lot::Column::ListingId)
        .to(listing::Column::Id)
        .into();
    let rows: Vec<(i64, i64)> = lot::Entity::find()
        .select_only()
        .column(lot::Column::SupplierId)
        .column_as(
            Expr::cust("CAST(SUM(lots.quantity * listings.price) AS BIGINT)"),
            "v",
        )
        .join(JoinType::InnerJoin, to_listing)
        .filter(lot::Column::Quantity.gt(entity::Fixed::<3>::zero()))
        .filter(
            sea_orm::Condition::any()
                .add(lot::Column::StaleFlaggedOn.is_not_null())
                .add(lot::Column::ReturnRequest.is_not_null()),
        )
        .group_by(lot::Column::SupplierId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(to_cents(rows))
}

/// The value at today's price of all stock on hand, by material category: each listing's on
/// hand (the sum of its lots, which the ledger check holds) × its price, so the 100,000
/// listings are read rather than every lot.
async fn on_hand_by_category(conn: &impl ConnectionTrait) -> AppResult<Vec<(i64, Decimal)>> {
    let cat = Expr::col((material::Entity, material::Column::CategoryId));
    let rows: Vec<(i64, i64)> = listing::Entity::find()
        .select_only()
        .column_as(cat.clone(), "k")
        .column_as(
            Expr::cust("CAST(SUM(listings.on_hand * listings.price) AS BIGINT)"),
            "v",
        )
        .join(JoinType::InnerJoin, listing_material())
        .filter(listing::Column::OnHand.gt(entity::Fixed::<3>::zero()))
        .group_by(cat)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(to_cents(rows))
}

/// The value of the consigned stock to go back to its supplier, by supplier (the largest few
/// and the rest together): flagged by the stale scan (rule 3: no movement for over two
/// months), or asked back because its supplier was removed (rule 2).
async fn stale_by_supplier(conn: &impl ConnectionTrait, locale: Locale) -> AppResult<Chart> {
    let rows = to_go_back_by_supplier(conn).await?;
    by_supplier(
        conn,
        locale,
        "stale-by-supplier",
        "dash-stale",
        "dash-stock-value",
        rows.into_iter().map(|(k, v)| (SupplierId(k), v)).collect(),
    )
    .await
}

/// A chart of one money figure per supplier (`id`, titled and described by `{key}-title` and
/// `{key}-desc`, its series named by `series`): the suppliers with the most by name, the rest
/// together.
async fn by_supplier(
    conn: &impl ConnectionTrait,
    locale: Locale,
    id: &str,
    key: &str,
    series: &str,
    rows: Vec<(SupplierId, Decimal)>,
) -> AppResult<Chart> {
    let names = crate::suppliers::store::names(conn, rows.iter().map(|(s, _)| *s)).await?;
    let named: Vec<(String, Decimal)> = rows
        .into_iter()
        .map(|(s, v)| (names.get(&s).cloned().unwrap_or_else(|| s.to_string()), v))
        .collect();
    let top = rules::top(&named, rules::TOP, &locale.t("dash-others"));
    Ok(single(
        id,
        locale.t(&format!("{key}-title")),
        locale.t(&format!("{key}-desc")),
        top.iter().map(|(n, _)| n.clone()).collect(),
        locale.t(series),
        top.into_iter().map(|(_, v)| v).collect(),
        true,
    ))
}

/// A listing's material, to join from a listing.
fn listing_material() -> RelationDef {
    listing::Entity::belongs_to(material::Entity)
        .from(listing::Column::MaterialId)
        .to(material::Column::Id)
        .into()
}

/// The categories' names by id, in `locale`.
async fn category_names(
    conn: &impl ConnectionTrait,
    locale: Locale,
    ids: impl Iterator<Item = i64>,
) -> AppResult<HashMap<i64, String>> {
    let ids: Vec<i64> = ids
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(category::Entity::find()
        .filter(category::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, locale.pick(&c.name_zh, &c.name_en).to_string()))
        .collect())
}

/// The issue and site-return amounts from `from` to `to`, by material category, of one site
/// or everyone's: (category, signed amount).
///
/// The draws come from the covering index on (kind, day, site, supplier, listing, amount)
/// without visiting the ledger's rows. How they meet their listing's material depends on the
/// planner: SQLite joins row by row, so the draws are summed per listing first and only those
/// sums are joined (1.1 s → 0.25 s over 440,000 draws); PostgreSQL hash-joins the draws
/// directly, and given the per-listing sums it rebuilt them in every parallel worker
/// (0.29 s → 0.71 s), so it gets the plain join.
async fn draws_by_category(
    conn: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
    site_id: Option<i64>,
) -> AppResult<Vec<(i64, Decimal)>> {
    let mut draws = Query::select()
        .from(movement::Entity)
        .and_where(
            Expr::col((movement::Entity, movement::Column::Kind))
                .is_in([LineKind::Issue.as_str(), LineKind::SiteReturn.as_str()]),
        )
        .and_where(Expr::col((movement::Entity, movement::Column::OnDate)).gte(from))
        .and_where(Expr::col((movement::Entity, movement::Column::OnDate)).lte(to))
        .to_owned();
    if let Some(s) = site_id {
        draws.and_where(Expr::col((movement::Entity, movement::Column::SiteId)).eq(s));
    }
    let (from_draws, listing_of, amount) = if conn.get_database_backend() == DbBackend::Sqlite {
        let d = Alias::new("d");
        draws
            .column((movement::Entity, movement::Column::ListingId))
            .expr_as(Expr::cust("SUM(movements.amount)"), Alias::new("a"))
            .group_by_col((movement::Entity, movement::Column::ListingId));
        let mut q = Query::select();
        q.from_subquery(draws, d.clone());
        (q, Expr::col((d, movement::Column::ListingId)), "d.a")
    } else {
        (
            draws,
            Expr::col((movement::Entity, movement::Column::ListingId)),
            "movements.amount",
        )
    };
    let cat = (material::Entity, material::Column::CategoryId);
    let mut q = from_draws;
    q.expr_as(Expr::col(cat), Alias::new("k"))
        .expr_as(
            Expr::cust(format!("CAST(SUM({amount}) AS BIGINT)")),
            Alias::new("a"),
        )
        .inner_join(
            listing::Entity,
            Expr::col((listing::Entity, listing::Column::Id)).eq(listing_of),
        )
        .inner_join(
            material::Entity,
            Expr::col((material::Entity, material::Column::Id))
                .equals((listing::Entity, listing::Column::MaterialId)),
        )
        .group_by_col(cat);
    let mut out = Vec::new();
    for row in conn.query_all(&q).await? {
        let k: i64 = row.try_get("", "k")?;
        let a: i64 = row.try_get("", "a")?;
        out.push((k, -Decimal::new(a, 2)));
    }
    Ok(out)
}

/// Stock turnover by category: what the sites drew over the months shown against what is on
/// hand now, at today's prices (drawn over on hand is the turnover of those months).
async fn turnover(
    conn: &impl ConnectionTrait,
    locale: Locale,
    today: NaiveDate,
) -> AppResult<Chart> {
    let on_hand = on_hand_by_category(conn).await?;
    let drawn = draws_by_category(conn, rules::first_day(today, MONTHS), today, None).await?;
    let names = category_names(
        conn,
        locale,
        on_hand
            .iter()
            .map(|(k, _)| *k)
            .chain(drawn.iter().map(|(k, _)| *k)),
    )
    .await?;
    let name = |k: &i64| names.get(k).cloned().unwrap_or_else(|| k.to_string());
    let pairs = rules::top_pairs(
        &drawn.iter().map(|(k, v)| (name(k), *v)).collect::<Vec<_>>(),
        &on_hand
            .iter()
            .map(|(k, v)| (name(k), *v))
            .collect::<Vec<_>>(),
        rules::TOP,
        &locale.t("dash-others"),
    );
    Ok(Chart {
        id: "turnover".into(),
        title: locale.t("dash-turnover-title"),
        desc: locale.ta("dash-turnover-desc", &[("months", MONTHS.to_string())]),
        categories: pairs.iter().map(|(n, _, _)| n.clone()).collect(),
        series: vec![
            Series {
                name: locale.ta("dash-drawn-months", &[("months", MONTHS.to_string())]),
                values: pairs.iter().map(|(_, a, _)| *a).collect(),
            },
            Series {
                name: locale.t("dash-on-hand"),
                values: pairs.iter().map(|(_, _, b)| *b).collect(),
            },
        ],
        money: true,
        colours: Vec::new(),
    })
}

/// The warehouse's dashboard: what it received and issued each day of the last fortnight.
async fn receipts_and_issues(
    conn: &impl ConnectionTrait,
    locale: Locale,
    today: NaiveDate,
) -> AppResult<Chart> {
    let days = rules::last_days(today, DAYS);
    let rows: Vec<(String, NaiveDate, i64)> = movement::Entity::find()
        .select_only()
        .column(movement::Column::Kind)
        .column(movement::Column::OnDate)
        .column_as(Expr::cust("CAST(SUM(amount) AS BIGINT)"), "a")
        .filter(movement::Column::Kind.is_in(["receipt", LineKind::Issue.as_str()]))
        .filter(movement::Column::OnDate.gte(days.first().copied().unwrap_or(today)))
        .filter(movement::Column::OnDate.lte(today))
        .group_by(movement::Column::Kind)
        .group_by(movement::Column::OnDate)
        .into_tuple()
        .all(conn)
        .await?;
    let rows: Vec<(String, NaiveDate, Decimal)> = rows
        .into_iter()
        .map(|(k, d, a)| (k, d, Decimal::new(a, 2)))
        .collect();
    let (receipts, issues) = rules::receipts_and_issues(&days, &rows);
    Ok(Chart {
        id: "receipts-and-issues".into(),
        title: locale.t("dash-flow-title"),
        desc: locale.ta("dash-flow-desc", &[("days", DAYS.to_string())]),
        categories: days.iter().map(|d| rules::day_key(*d)).collect(),
        series: vec![
            Series {
                name: locale.t("dash-receipts"),
                values: receipts,
            },
            Series {
                name: locale.t("dash-issues"),
                values: issues,
            },
        ],
        money: true,
        colours: Vec::new(),
    })
}

/// The deliveries inspected over the last [`rules::LEAD_DAYS`] days, in time or late against
/// rule 8's deadline for the way each arrived.
async fn inspections(conn: &impl ConnectionTrait, locale: Locale, at: AsOf) -> AppResult<Chart> {
    let today = at.today;
    let from = today
        .checked_sub_days(chrono::Days::new(rules::LEAD_DAYS))
        .unwrap_or(today);
    let rows: Vec<(String, NaiveDate, Option<DateTime<Utc>>)> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Arrival)
        .column(delivery::Column::DeliveredOn)
        .column(delivery::Column::InspectedAt)
        // By the day of inspection: a delivery inspected late may have come long before.
        .filter(delivery::Column::InspectedAt.gte(crate::time::start_of_day(from, at.tz)))
        .into_tuple()
        .all(conn)
        .await?;
    let rows: Vec<(String, NaiveDate, NaiveDate)> = rows
        .into_iter()
        .filter_map(|(a, d, i)| Some((a, d, i?.with_timezone(&at.tz).date_naive())))
        .filter(|(_, _, i)| *i >= from && *i <= today)
        .collect();
    let (in_time, late) = rules::inspections(&rows);
    Ok(Chart {
        id: "inspections".into(),
        title: locale.t("dash-inspections-title"),
        desc: locale.ta(
            "dash-inspections-desc",
            &[("days", rules::LEAD_DAYS.to_string())],
        ),
        categories: labels(locale, "dash-arrival-", &rules::ARRIVALS),
        series: vec![
            Series {
                name: locale.t("dash-in-time"),
                values: in_time,
            },
            Series {
                name: locale.t("dash-late"),
                values: late,
            },
        ],
        money: false,
        colours: Vec::new(),
    })
}

/// The requisitions approved over the last [`rules::LEAD_DAYS`] days against rule 9's 24
/// hours: issued in time, issued late, waiting, overdue.
async fn issue_times(conn: &impl ConnectionTrait, locale: Locale, at: AsOf) -> AppResult<Chart> {
    let from = at.now - chrono::Duration::days(rules::LEAD_DAYS as i64);
    let approved: Vec<(i64, Option<DateTime<Utc>>)> = requisition::Entity::find()
        .select_only()
        .column(requisition::Column::Id)
        .column(requisition::Column::ApprovedAt)
        .filter(requisition::Column::ApprovedAt.gte(from))
        .filter(requisition::Column::ApprovedAt.lte(at.now))
        .into_tuple()
        .all(conn)
        .await?;
    let ids: Vec<i64> = approved.iter().map(|(id, _)| *id).collect();
    let from_day = from.with_timezone(&at.tz).date_naive() - chrono::Duration::days(1);
    let to_line: RelationDef = movement::Entity::belongs_to(requisition_line::Entity)
        .from(movement::Column::RequisitionLineId)
        .to(requisition_line::Column::Id)
        .into();
    let req = Expr::col((
        requisition_line::Entity,
        requisition_line::Column::RequisitionId,
    ));
    let first_issues: Vec<(i64, Option<DateTime<Utc>>)> = if ids.is_empty() {
        Vec::new()
    } else {
        movement::Entity::find()
            .select_only()
            .column_as(req.clone(), "r")
            .column_as(Expr::cust("MIN(movements.at)"), "t")
            .join(JoinType::InnerJoin, to_line)
            .filter(movement::Column::Kind.eq(LineKind::Issue.as_str()))
            // A requisition is issued after its approval, so its issues lie in the window's
            // days (a day's margin for the time zone): a range of the covering index on
            // (kind, on_date, …) instead of every issue ever made (0.27 → 0.05 s at the
            // benchmark's scale on SQLite).
            .filter(movement::Column::OnDate.gte(from_day))
            .filter(
                Expr::col((
                    requisition_line::Entity,
                    requisition_line::Column::RequisitionId,
                ))
                .is_in(ids),
            )
            .group_by(req)
            .into_tuple()
            .all(conn)
            .await?
    };
    let first: HashMap<i64, DateTime<Utc>> = first_issues
        .into_iter()
        .filter_map(|(r, t)| Some((r, t?)))
        .collect();
    let standings: Vec<(String, Decimal)> = approved
        .into_iter()
        .filter_map(|(id, a)| {
            let a = a?;
            Some((
                rules::issue_time(a, first.get(&id).copied(), at.now).to_string(),
                Decimal::ONE,
            ))
        })
        .collect();
    Ok(single(
        "issue-times",
        locale.t("dash-issue-times-title"),
        locale.ta(
            "dash-issue-times-desc",
            &[("days", rules::LEAD_DAYS.to_string())],
        ),
        labels(locale, "dash-issue-", &rules::ISSUE_TIMES),
        locale.t("dash-requisitions"),
        rules::by_key(&rules::ISSUE_TIMES, &standings),
        false,
    ))
}

/// The unpaid statements' (status, gross).
async fn unpaid_statements(conn: &impl ConnectionTrait) -> AppResult<Vec<(String, Decimal)>> {
    let rows: Vec<(String, entity::Fixed<2>)> = statement::Entity::find()
        .select_only()
        .column(statement::Column::Status)
        .column(statement::Column::Gross)
        .filter(statement::Column::Status.ne("paid"))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(s, g)| (s, g.value())).collect())
}

/// What finance will pay this month (statements agreed) and next (statements still being
/// agreed, and what the sites drew since the last statement).
async fn to_pay(conn: &impl ConnectionTrait, locale: Locale, today: NaiveDate) -> AppResult<Chart> {
    let unpaid = unpaid_statements(conn).await?;
    let last_stated: Option<Option<NaiveDate>> = statement::Entity::find()
        .select_only()
        .column_as(statement::Column::LastDay.max(), "d")
        .into_tuple()
        .one(conn)
        .await?;
    let mut q = movement::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(SUM(amount) AS BIGINT)"), "a")
        .filter(
            movement::Column::Kind.is_in([LineKind::Issue.as_str(), LineKind::SiteReturn.as_str()]),
        )
        .filter(movement::Column::OnDate.lte(today));
    if let Some(d) = last_stated.flatten() {
        q = q.filter(movement::Column::OnDate.gt(d));
    }
    let drawn: Option<Option<i64>> = q.into_tuple().one(conn).await?;
    let not_stated = -Decimal::new(drawn.flatten().unwrap_or_default(), 2);
    Ok(single(
        "to-pay",
        locale.t("dash-to-pay-title"),
        locale.t("dash-to-pay-desc"),
        labels(
            locale,
            "dash-pay-",
            &["agreed", "being_agreed", "not_stated"],
        ),
        locale.t("dash-amount"),
        rules::to_pay(&unpaid, not_stated).to_vec(),
        true,
    ))
}

/// The statements of the periods shown, by stage, in value.
async fn statements_by_stage(
    conn: &impl ConnectionTrait,
    locale: Locale,
    today: NaiveDate,
) -> AppResult<Chart> {
    let rows: Vec<(String, entity::Fixed<2>)> = statement::Entity::find()
        .select_only()
        .column(statement::Column::Status)
        .column(statement::Column::Gross)
        .filter(statement::Column::LastDay.gte(rules::first_day(today, MONTHS)))
        .into_tuple()
        .all(conn)
        .await?;
    let rows: Vec<(String, Decimal)> = rows.into_iter().map(|(s, g)| (s, g.value())).collect();
    Ok(single(
        "statements-by-stage",
        locale.t("dash-statements-title"),
        locale.ta("dash-statements-desc", &[("months", MONTHS.to_string())]),
        labels(locale, "dash-statement-", &rules::STATEMENT_STAGES),
        locale.t("dash-amount"),
        rules::by_key(&rules::STATEMENT_STAGES, &rows),
        true,
    ))
}

/// The amounts under dispute, by supplier (the largest few and the rest together).
async fn disputed(conn: &impl ConnectionTrait, locale: Locale) -> AppResult<Chart> {
    let rows: Vec<(SupplierId, entity::Fixed<2>)> = statement::Entity::find()
        .select_only()
        .column(statement::Column::SupplierId)
        .column(statement::Column::Gross)
        .filter(statement::Column::Status.eq("disputed"))
        .into_tuple()
        .all(conn)
        .await?;
    by_supplier(
        conn,
        locale,
        "disputed",
        "dash-disputed",
        "dash-amount",
        rows.into_iter().map(|(s, g)| (s, g.value())).collect(),
    )
    .await
}

/// What a site drew this period by category, against what its approved plan lines for the
/// period's month hold.
async fn drawn_against_plan(
    conn: &impl ConnectionTrait,
    locale: Locale,
    today: NaiveDate,
    site_id: i64,
) -> AppResult<Chart> {
    let cutoff = crate::settings::cutoff_day(conn).await?;
    let period = Period::containing(today, cutoff);
    let drawn = draws_by_category(
        conn,
        period.first_day(cutoff),
        Ord::min(today, period.last_day(cutoff)),
        Some(site_id),
    )
    .await?;
    let plans: Vec<i64> = plan::Entity::find()
        .select_only()
        .column(plan::Column::Id)
        .filter(plan::Column::Month.eq(period.to_string()))
        .filter(plan::Column::Status.eq("approved"))
        .into_tuple()
        .all(conn)
        .await?;
    let to_material: RelationDef = plan_line::Entity::belongs_to(material::Entity)
        .from(plan_line::Column::MaterialId)
        .to(material::Column::Id)
        .into();
    let cat = Expr::col((material::Entity, material::Column::CategoryId));
    let planned: Vec<(i64, i64)> = if plans.is_empty() {
        Vec::new()
    } else {
        plan_line::Entity::find()
            .select_only()
            .column_as(cat.clone(), "k")
            .column_as(
                Expr::cust("CAST(SUM(plan_lines.line_value) AS BIGINT)"),
                "v",
            )
            .join(JoinType::InnerJoin, to_material)
            .filter(plan_line::Column::PlanId.is_in(plans))
            .filter(plan_line::Column::SiteId.eq(site_id))
            .group_by(cat)
            .into_tuple()
            .all(conn)
            .await?
    };
    let planned: Vec<(i64, Decimal)> = planned
        .into_iter()
        .map(|(k, v)| (k, Decimal::new(v, 2)))
        .collect();
    let names = category_names(
        conn,
        locale,
        drawn.iter().chain(planned.iter()).map(|(k, _)| *k),
    )
    .await?;
    let name = |k: &i64| names.get(k).cloned().unwrap_or_else(|| k.to_string());
    let named = |rows: &[(i64, Decimal)]| -> Vec<(String, Decimal)> {
        rows.iter().map(|(k, v)| (name(k), *v)).collect()
    };
    let pairs = rules::top_pairs(
        &named(&planned),
        &named(&drawn),
        rules::TOP,
        &locale.t("dash-others"),
    );
    Ok(Chart {
        id: "drawn-against-plan".into(),
        title: locale.t("dash-plan-title"),
        desc: locale.ta("dash-plan-desc", &[("period", period.to_string())]),
        categories: pairs.iter().map(|(n, _, _)| n.clone()).collect(),
        series: vec![
            Series {
                name: locale.t("dash-planned"),
                values: pairs.iter().map(|(_, a, _)| *a).collect(),
            },
            Series {
                name: locale.t("dash-drawn"),
                values: pairs.iter().map(|(_, _, b)| *b).collect(),
            },
        ],
        money: true,
        colours: Vec::new(),
    })
}

/// What one site drew per month.
async fn site_draws(
    conn: &impl ConnectionTrait,
    locale: Locale,
    today: NaiveDate,
    site_id: i64,
) -> AppResult<Chart> {
    let months = rules::last_months(today, MONTHS);
    let by_site =
        rules::draws_by_month(&months, &draw_rows(conn, today, None, Some(site_id)).await?);
    let values = by_site
        .get(&site_id)
        .cloned()
        .unwrap_or_else(|| vec![Decimal::ZERO; months.len()]);
    Ok(single(
        "site-draws",
        locale.t("dash-site-draws-title"),
        locale.ta("dash-site-draws-desc", &[("months", MONTHS.to_string())]),
        months,
        locale.t("dash-drawn"),
        values,
        true,
    ))
}

/// A supplier's lots on hand valued at today's listing price: (listing, last moved, value).
async fn valued_lots(
    conn: &impl ConnectionTrait,
    supplier_id: SupplierId,
) -> AppResult<Vec<(entity::ListingId, NaiveDate, Decimal)>> {
    let lots = lot::Entity::find()
        .filter(lot::Column::SupplierId.eq(i64::from(supplier_id)))
        .filter(lot::Column::Quantity.gt(entity::Fixed::<3>::zero()))
        .all(conn)
        .await?;
    let prices: HashMap<entity::ListingId, Decimal> = listing::Entity::find()
        .filter(listing::Column::Id.is_in(lots.iter().map(|l| l.listing_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.id, l.price.value()))
        .collect();
    let mut valued = Vec::with_capacity(lots.len());
    for l in &lots {
        let price = prices.get(&l.listing_id).copied().unwrap_or_default();
        let value =
            crate::money::line_amount(l.quantity.value(), price).map_err(|e| e.on("value"))?;
        valued.push((l.listing_id, l.last_movement_on, value));
    }
    Ok(valued)
}

/// A supplier's own stock on site by age (rule 3: over two months is flagged for return or
/// exchange).
async fn stock_by_age(
    locale: Locale,
    today: NaiveDate,
    lots: &[(entity::ListingId, NaiveDate, Decimal)],
) -> AppResult<Chart> {
    let valued: Vec<(NaiveDate, Decimal)> = lots.iter().map(|(_, moved, v)| (*moved, *v)).collect();
    Ok(single(
        "stock-by-age",
        locale.t("dash-ages-title"),
        locale.t("dash-ages-desc"),
        labels(locale, "dash-age-", &rules::AGES),
        locale.t("dash-stock-value"),
        rules::stock_by_age(today, &valued),
        true,
    ))
}

/// A supplier's stock on site by listing (named spec first: its own listings often share a
/// material name), each split by age: the lots nearing two months without movement (one to
/// two months) stand apart from the fresh ones and the stale (rule 3).
async fn stock_by_listing(
    conn: &impl ConnectionTrait,
    locale: Locale,
    today: NaiveDate,
    valued: &[(entity::ListingId, NaiveDate, Decimal)],
) -> AppResult<Chart> {
    let names: HashMap<entity::ListingId, String> = listing::Entity::find()
        .select_only()
        .column(listing::Column::Id)
        .column_as(
            Expr::col((material::Entity, material::Column::NameZh)),
            "zh",
        )
        .column_as(
            Expr::col((material::Entity, material::Column::NameEn)),
            "en",
        )
        .column_as(
            Expr::col((material::Entity, material::Column::Spec)),
            "spec",
        )
        .join(JoinType::InnerJoin, listing_material())
        .filter(listing::Column::Id.is_in(valued.iter().map(|(l, _, _)| *l)))
        .into_tuple::<(entity::ListingId, String, String, String)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(id, zh, en, spec)| {
            (
                id,
                format!("{spec} {}", locale.pick(&zh, &en))
                    .trim()
                    .to_string(),
            )
        })
        .collect();
    let rows: Vec<(String, NaiveDate, Decimal)> = valued
        .iter()
        .map(|(l, moved, v)| {
            (
                names.get(l).cloned().unwrap_or_else(|| l.to_string()),
                *moved,
                *v,
            )
        })
        .collect();
    let (categories, series) =
        rules::listings_by_age(today, &rows, rules::TOP, &locale.t("dash-others"));
    Ok(Chart {
        id: "stock-by-listing".into(),
        title: locale.t("dash-listings-title"),
        desc: locale.t("dash-listings-desc"),
        categories,
        series: rules::AGES
            .iter()
            .zip(series)
            .map(|(age, values)| Series {
                name: locale.t(&format!("dash-age-{age}")),
                values,
            })
            .collect(),
        money: true,
        // Fresh in blue; nearing two months in yellow, stale in red, so they stand out.
        colours: vec![0, 2, 3],
    })
}

/// What the sites drew of a supplier's goods per month.
async fn own_draws(
    conn: &impl ConnectionTrait,
    locale: Locale,
    today: NaiveDate,
    supplier_id: SupplierId,
) -> AppResult<Chart> {
    let months = rules::last_months(today, MONTHS);
    let by_site = rules::draws_by_month(
        &months,
        &draw_rows(conn, today, Some(supplier_id), None).await?,
    );
    let drawn: Vec<Decimal> = (0..months.len())
        .map(|i| by_site.values().map(|v| v[i]).sum())
        .collect();
    Ok(single(
        "own-draws",
        locale.t("dash-own-draws-title"),
        locale.ta("dash-own-draws-desc", &[("months", MONTHS.to_string())]),
        months,
        locale.t("dash-drawn"),
        drawn,
        true,
    ))
}

/// A supplier's deliveries inspected per month: the lines accepted whole and those with
/// something rejected (rule 8; a rejection may become a quality failure, rule 2).
async fn deliveries(
    conn: &impl ConnectionTrait,
    locale: Locale,
    today: NaiveDate,
    supplier_id: SupplierId,
) -> AppResult<Chart> {
    let months = rules::last_months(today, MONTHS);
    let to_delivery: RelationDef = delivery_line::Entity::belongs_to(delivery::Entity)
        .from(delivery_line::Column::DeliveryId)
        .to(delivery::Column::Id)
        .into();
    let rows: Vec<(NaiveDate, entity::Fixed<3>)> = delivery_line::Entity::find()
        .select_only()
        .column_as(
            Expr::col((delivery::Entity, delivery::Column::DeliveredOn)),
            "d",
        )
        .column(delivery_line::Column::Rejected)
        .join(JoinType::InnerJoin, to_delivery)
        .filter(
            Expr::col((delivery::Entity, delivery::Column::SupplierId)).eq(i64::from(supplier_id)),
        )
        .filter(Expr::col((delivery::Entity, delivery::Column::InspectedAt)).is_not_null())
        .filter(
            Expr::col((delivery::Entity, delivery::Column::DeliveredOn))
                .gte(rules::first_day(today, MONTHS)),
        )
        .into_tuple()
        .all(conn)
        .await?;
    let (whole, part): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(_, r)| r.value().is_zero());
    let count = |rows: Vec<(NaiveDate, entity::Fixed<3>)>| {
        rules::by_month(
            &months,
            &rows
                .into_iter()
                .map(|(d, _)| (d, Decimal::ONE))
                .collect::<Vec<_>>(),
        )
    };
    Ok(Chart {
        id: "deliveries".into(),
        title: locale.t("dash-deliveries-title"),
        desc: locale.ta("dash-deliveries-desc", &[("months", MONTHS.to_string())]),
        categories: months.clone(),
        series: vec![
            Series {
                name: locale.t("dash-lines-accepted"),
                values: count(whole),
            },
            Series {
                name: locale.t("dash-lines-rejected"),
                values: count(part),
            },
        ],
        money: false,
        colours: Vec::new(),
    })
}

/// A supplier's own failures (rule 2): confirmed quality and price failures, those still open
/// and those dismissed, with how many more confirmed ones would remove it.
async fn scorecard(
    conn: &impl ConnectionTrait,
    locale: Locale,
    today: NaiveDate,
    supplier_id: SupplierId,
) -> AppResult<Chart> {
    let rows: Vec<(String, String)> = supplier_failure::Entity::find()
        .select_only()
        .column(supplier_failure::Column::Kind)
        .column(supplier_failure::Column::Status)
        .filter(supplier_failure::Column::SupplierId.eq(supplier_id))
        .into_tuple()
        .all(conn)
        .await?;
    let pairs: Vec<(&str, &str)> = rows.iter().map(|(k, s)| (k.as_str(), s.as_str())).collect();
    let c = crate::suppliers::rules::scorecard(&pairs, &[], None, today);
    Ok(single(
        "scorecard",
        locale.t("dash-scorecard-title"),
        locale.ta(
            "dash-scorecard-desc",
            &[("left", c.failures_until_removal.to_string())],
        ),
        labels(locale, "dash-failures-", &rules::FAILURE_COUNTS),
        locale.t("dash-failures"),
        [
            c.quality_failures_confirmed,
            c.price_failures_confirmed,
            c.failures_open,
            c.failures_dismissed,
        ]
        .into_iter()
        .map(Decimal::from)
        .collect(),
        false,
    ))
}
