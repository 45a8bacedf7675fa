//! The reports' JSON API, pages and downloads (thin: read, render).

use super::*;

// JSON API
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// Required except for a site manager, who reads their own site.
    pub site_id: Option<i64>,
    /// `YYYY-MM`, named by the month the period ends in; the last closed period when absent.
    pub period: Option<String>,
}

/// A site's usage statement (单位用料明细表) for a period: the site's issues (and goods it
/// handed back, credited) at their issue prices, by supplier, with subtotals and a total.
#[utoipa::path(get, path = "/api/reports/usage", tag = "settlement", security(("bearer" = ["read_usage_statements"])), params(UsageQuery),
    responses((status = 200, body = UsageStatement), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/reports/usage")]
pub async fn api_usage(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<UsageQuery>,
) -> AppResult<web::Json<UsageStatement>> {
    user.require(Capability::ReadUsageStatements)?;
    let site = usage_site(&state.db.read, &user, q.site_id).await?;
    let period = period_info(&state, q.period.as_deref()).await?;
    Ok(web::Json(
        usage_statement(&state.db.read, ctx.locale, state.tz(), &site, period).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockQuery {
    /// Required when there is more than one warehouse.
    pub warehouse_id: Option<i64>,
    /// `YYYY-MM`, named by the month the period ends in; the last closed period when absent.
    pub period: Option<String>,
}

/// A warehouse's receipts / issues / balance report (收付存) for a period, in quantity and
/// value: consigned stock per listing, and what was issued to sites (company-owned).
#[utoipa::path(get, path = "/api/reports/stock", tag = "settlement", security(("bearer" = ["read_stock"])), params(StockQuery),
    responses((status = 200, body = StockReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/reports/stock")]
pub async fn api_stock(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<StockQuery>,
) -> AppResult<web::Json<StockReport>> {
    user.require(Capability::ReadStock)?;
    let warehouse = report_warehouse(&state.db.read, q.warehouse_id).await?;
    let period = period_info(&state, q.period.as_deref()).await?;
    Ok(web::Json(
        stock_report(&state.db.read, ctx.locale, &warehouse, period).await?,
    ))
}

// ---------------------------------------------------------------------------------------------
// Pages and downloads
// ---------------------------------------------------------------------------------------------

/// The pages' form: strings, so that an empty choice is "none" rather than a bad request.
#[derive(Debug, Default, Deserialize)]
pub struct ReportForm {
    site_id: Option<String>,
    warehouse_id: Option<String>,
    period: Option<String>,
}

/// An id from the form; one that is not a number names nothing.
pub(super) fn form_id(v: &Option<String>) -> AppResult<Option<i64>> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| AppError::NotFound),
    }
}

pub(super) fn report_query(key: &str, id: i64, period: Period) -> String {
    format!("?{key}={id}&period={period}")
}

#[derive(Template)]
#[template(path = "settlement/usage.html")]
pub(super) struct UsageView {
    ctx: PageCtx,
    sites: Vec<site::Model>,
    site_id: Option<i64>,
    period: String,
    errors: FormErrors,
    report: Option<UsageStatement>,
    query: String,
}

impl UsageView {
    fn is_site(&self, id: &i64) -> bool {
        self.site_id == Some(*id)
    }
    fn money(&self, d: &Decimal) -> String {
        text::amount(self.ctx.locale, *d)
    }
    fn qty(&self, d: &Decimal, places: &u32) -> String {
        text::quantity(self.ctx.locale, *d, *places)
    }
    fn price(&self, d: &Decimal) -> String {
        text::unit_price(self.ctx.locale, *d)
    }
    fn requisition(&self, id: &Option<RequisitionId>) -> String {
        id.map(|i| format!("#{i}")).unwrap_or_default()
    }
}

#[get("/reports/usage")]
pub async fn usage_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<ReportForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadUsageStatements)?;
    let conn = &state.db.read;
    let asked = form_id(&q.site_id)?;
    let sites = if user.role.needs_site() {
        let own = user.site_id.ok_or(AppError::NotFound)?;
        site::Entity::find_by_id(own).all(conn).await?
    } else {
        site::Entity::find()
            .order_by_asc(site::Column::Code)
            .all(conn)
            .await?
    };
    let chosen = asked.or(if user.role.needs_site() {
        user.site_id
    } else {
        None
    });
    let mut view = UsageView {
        ctx,
        sites,
        site_id: chosen,
        period: q.period.clone().unwrap_or_default(),
        errors: FormErrors::default(),
        report: None,
        query: String::new(),
    };
    let period = match period_info(&state, q.period.as_deref()).await {
        Ok(p) => p,
        Err(e @ AppError::Validation(_)) => {
            view.errors = FormErrors::from_error(&e, view.ctx.locale);
            return Ok(crate::web::html_status(e.status(), &view));
        }
        Err(e) => return Err(e),
    };
    view.period = period.period.to_string();
    if chosen.is_some() {
        let site = usage_site(conn, &user, chosen).await?;
        view.query = report_query("site_id", site.id, period.period);
        view.report =
            Some(usage_statement(conn, view.ctx.locale, state.tz(), &site, period).await?);
    }
    Ok(crate::web::html(&view))
}

/// The usage statement as `/reports/usage.csv` or `/reports/usage.xlsx`.
#[get("/reports/usage.{format}")]
pub async fn usage_download(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    format: web::Path<String>,
    q: crate::web::Query<ReportForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadUsageStatements)?;
    let format = Format::parse(&format).ok_or(AppError::NotFound)?;
    let site = usage_site(&state.db.read, &user, form_id(&q.site_id)?).await?;
    let period = period_info(&state, q.period.as_deref()).await?;
    let s = usage_statement(&state.db.read, ctx.locale, state.tz(), &site, period).await?;
    let stem = file_stem("report-usage-title", &s.site, period.period, ctx.locale);
    Ok(crate::export::download(
        format,
        &stem,
        &usage_sheet(&s, ctx.locale),
    )?)
}

#[derive(Template)]
#[template(path = "settlement/stock_report.html")]
pub(super) struct StockView {
    ctx: PageCtx,
    warehouses: Vec<warehouse::Model>,
    warehouse_id: Option<i64>,
    period: String,
    errors: FormErrors,
    report: Option<StockReport>,
    /// The report's consigned lines by supplier, the first few groups open (a phone shows
    /// about twenty lines, then one line per supplier).
    groups: Vec<SupplierStock>,
    open_groups: usize,
    query: String,
}

impl StockView {
    fn group_open(&self, index: &usize) -> bool {
        *index < self.open_groups
    }
    fn is_warehouse(&self, id: &i64) -> bool {
        self.warehouse_id == Some(*id)
    }
    fn money(&self, d: &Decimal) -> String {
        text::amount(self.ctx.locale, *d)
    }
    fn qty(&self, d: &Decimal, places: &u32) -> String {
        text::quantity(self.ctx.locale, *d, *places)
    }
}

#[get("/reports/stock")]
pub async fn stock_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<ReportForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadStock)?;
    let conn = &state.db.read;
    let warehouses = warehouse::Entity::find()
        .order_by_asc(warehouse::Column::Code)
        .all(conn)
        .await?;
    let chosen = form_id(&q.warehouse_id)?.or(match warehouses.as_slice() {
        [only] => Some(only.id),
        _ => None,
    });
    let mut view = StockView {
        ctx,
        warehouses,
        warehouse_id: chosen,
        period: q.period.clone().unwrap_or_default(),
        errors: FormErrors::default(),
        report: None,
        groups: Vec::new(),
        open_groups: 0,
        query: String::new(),
    };
    let period = match period_info(&state, q.period.as_deref()).await {
        Ok(p) => p,
        Err(e @ AppError::Validation(_)) => {
            view.errors = FormErrors::from_error(&e, view.ctx.locale);
            return Ok(crate::web::html_status(e.status(), &view));
        }
        Err(e) => return Err(e),
    };
    view.period = period.period.to_string();
    if chosen.is_some() {
        let warehouse = report_warehouse(conn, chosen).await?;
        view.query = report_query("warehouse_id", warehouse.id, period.period);
        let report = stock_report(conn, view.ctx.locale, &warehouse, period).await?;
        view.groups = group_by_supplier(&report.consigned.lines);
        view.open_groups = groups_open(
            view.groups.iter().map(|g| g.lines.len()),
            crate::web::page::Pager::SIZE,
        );
        view.report = Some(report);
    }
    Ok(crate::web::html(&view))
}

/// The 收付存 report as `/reports/stock.csv` or `/reports/stock.xlsx`.
#[get("/reports/stock.{format}")]
pub async fn stock_download(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    format: web::Path<String>,
    q: crate::web::Query<ReportForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadStock)?;
    let format = Format::parse(&format).ok_or(AppError::NotFound)?;
    let warehouse = report_warehouse(&state.db.read, form_id(&q.warehouse_id)?).await?;
    let period = period_info(&state, q.period.as_deref()).await?;
    let r = stock_report(&state.db.read, ctx.locale, &warehouse, period).await?;
    let stem = file_stem(
        "report-stock-title",
        &r.warehouse,
        period.period,
        ctx.locale,
    );
    Ok(crate::export::download(
        format,
        &stem,
        &stock_sheet(&r, ctx.locale),
    )?)
}
