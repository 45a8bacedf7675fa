//! Plan-price pages: a year's plan prices with their history and the form that sets one
//! (`/plan-prices`), and the monthly price-difference table (`/price-differences`) with its
//! month picker and downloads.

use super::store::{self, PlanPriceInput, PlanPriceYear, PriceDifferences};
use crate::auth::{Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::export::Format;
use crate::money::text;
use crate::state::AppState;
use crate::web::page::{CsrfForm, Form, FormErrors, PageCtx, field, form_outcome};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Datelike;
use entity::material;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

#[derive(Template)]
#[template(path = "plan_prices/list.html")]
struct PlanPricesView {
    ctx: PageCtx,
    data: PlanPriceYear,
    may_set: bool,
    /// Active materials: code and label.
    materials: Vec<(String, String)>,
    values: Form,
    errors: FormErrors,
}

impl PlanPricesView {
    fn value(&self, k: &str) -> String {
        self.values.get(k).cloned().unwrap_or_default()
    }
    fn price(&self, d: &Decimal) -> String {
        text::unit_price(self.ctx.locale, *d)
    }
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        at.with_timezone(&self.ctx.tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

/// The year a page asks for; the current one when none, or one that is not a plan year.
fn asked_year(state: &AppState, v: Option<&String>) -> i32 {
    v.and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|y| super::rules::plan_year(y).ok())
        .unwrap_or_else(|| state.today().year())
}

async fn plan_prices(
    state: &AppState,
    ctx: PageCtx,
    year: i32,
    values: Form,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let conn = &state.db.read;
    let may_set = ctx.can(Capability::SetPlanPrices);
    let materials = if may_set {
        store::materials(conn, ctx.locale).await?
    } else {
        Vec::new()
    };
    let data = store::year_view(conn, year, ctx.locale).await?;
    Ok(crate::web::html_status(
        status,
        &PlanPricesView {
            ctx,
            data,
            may_set,
            materials,
            values,
            errors,
        },
    ))
}

/// A year's plan prices (`?year=`, the current year when absent), with the form that sets one.
#[get("/plan-prices")]
pub async fn plan_prices_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadPlanPrices)?;
    let year = asked_year(&state, q.get("year"));
    let mut values = Form::new();
    values.insert("year".into(), year.to_string());
    plan_prices(
        &state,
        ctx,
        year,
        values,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// Reads the form; what cannot be read is a field error beside its field.
async fn input_from_form(state: &AppState, f: &Form) -> AppResult<(PlanPriceInput, FieldErrors)> {
    let mut errors = FieldErrors::new();
    let code = field(f, "material_code");
    let material_id = if code.is_empty() {
        errors.add("material_id", RuleCode::Required);
        None
    } else {
        let m = material::Entity::find()
            .filter(material::Column::Code.eq(code.as_str()))
            .one(&state.db.read)
            .await?;
        if m.is_none() {
            errors.add("material_id", RuleCode::NotFound);
        }
        m.map(|m| m.id)
    };
    let raw_year = field(f, "year");
    let year = if raw_year.is_empty() {
        None
    } else {
        let y = raw_year.parse::<i64>().ok();
        if y.is_none() {
            errors.add("year", RuleCode::PlanPriceYear);
        }
        y
    };
    let raw_price = field(f, "unit_price");
    let unit_price = if raw_price.is_empty() {
        None
    } else {
        let p = crate::money::parse_decimal(&raw_price);
        if p.is_none() {
            errors.add("unit_price", RuleCode::NotANumber);
        }
        p
    };
    Ok((
        PlanPriceInput {
            material_id,
            year,
            unit_price,
            note: field(f, "note"),
        },
        errors,
    ))
}

#[post("/plan-prices")]
pub async fn plan_price_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::SetPlanPrices)?;
    let f = form.0;
    let result = async {
        let (input, errors) = input_from_form(&state, &f).await?;
        match store::set_now(&state, &user, input, errors).await {
            // The form names the material by its code.
            Err(AppError::Validation(mut e)) => {
                e.rename("material_id", "material_code");
                Err(AppError::Validation(e))
            }
            other => other,
        }
    }
    .await;
    let year = asked_year(&state, f.get("year"));
    let to = match &result {
        Ok(p) => format!("/plan-prices?year={}", p.year),
        Err(_) => "/plan-prices".to_string(),
    };
    let locale = ctx.locale;
    form_outcome(
        result.map(|_| ()),
        locale,
        &to,
        "pp-flash-set",
        |errors, status| plan_prices(&state, ctx, year, f.clone(), errors, status),
    )
    .await
}

#[derive(Template)]
#[template(path = "plan_prices/differences.html")]
struct DifferencesView {
    ctx: PageCtx,
    month: String,
    errors: FormErrors,
    table: Option<PriceDifferences>,
}

impl DifferencesView {
    fn money(&self, d: &Decimal) -> String {
        text::amount(self.ctx.locale, *d)
    }
    fn download_link(&self, format: &str) -> String {
        format!("/price-differences/download/{format}?month={}", self.month)
    }
    /// The month before or after the one shown, for the links beside the picker.
    fn step(&self, forward: bool) -> String {
        self.table
            .as_ref()
            .map(|t| {
                let m = t.month.month;
                if forward { m.next() } else { m.prev() }.to_string()
            })
            .unwrap_or_default()
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct MonthForm {
    month: Option<String>,
}

/// The monthly price-difference table; an empty or absent month is the current one.
#[get("/price-differences")]
pub async fn differences_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<MonthForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadPlanPrices)?;
    let mut view = DifferencesView {
        ctx,
        month: q.month.clone().unwrap_or_default(),
        errors: FormErrors::default(),
        table: None,
    };
    let month = match store::month_info(&state, q.month.as_deref()).await {
        Ok(m) => m,
        Err(e @ AppError::Validation(_)) => {
            view.errors = FormErrors::from_error(&e, view.ctx.locale);
            return Ok(crate::web::html_status(e.status(), &view));
        }
        Err(e) => return Err(e),
    };
    view.month = month.month.to_string();
    view.table = Some(store::price_differences(&state.db.read, month, view.ctx.locale).await?);
    Ok(crate::web::html(&view))
}

/// The table as CSV or XLSX, headers in the page's language.
#[get("/price-differences/download/{format}")]
pub async fn differences_download(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    format: web::Path<String>,
    q: crate::web::Query<MonthForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadPlanPrices)?;
    let format = Format::parse(&format).ok_or(AppError::NotFound)?;
    super::api::download(&state, q.month.as_deref(), format, ctx.locale).await
}
