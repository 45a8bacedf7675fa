//! Settlement pages: the statements list (finance closes periods there), one statement with
//! its workflow (the supplier confirms or disputes line by line, finance resolves, invoices and
//! records payment), a print layout, and CSV/XLSX downloads.

use super::api::{StatementDetail, StatementView, detail, parse_period, sheet, views};
use super::rules::{Action, Period, Status, actor_of, next, who};
use super::store::{self, DisputedLine, InvoiceInput, PaymentInput, Resolution, Step};
use crate::auth::{Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult};
use crate::export::Format;
use crate::money::text;
use crate::state::AppState;
use crate::web::page::{CsrfForm, FormErrors, PageCtx, form_outcome};
use crate::web::page::{Form, date_field, field};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use entity::StatementId;
use rust_decimal::Decimal;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "settlement/statements.html")]
struct ListView {
    ctx: PageCtx,
    statements: Vec<StatementView>,
    filter: store::StatementFilter,
    statuses: Vec<&'static str>,
    may_close: bool,
    default_period: String,
    errors: FormErrors,
}

impl ListView {
    fn money(&self, d: &Decimal) -> String {
        text::amount(self.ctx.locale, *d)
    }
    fn chosen_status(&self, s: &str) -> bool {
        self.filter.status.as_deref() == Some(s)
    }
    fn period_value(&self) -> String {
        self.filter.period.clone().unwrap_or_default()
    }
}

async fn list_page(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    filter: store::StatementFilter,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let list = store::list(&state.db.read, user, &filter).await?;
    let cutoff = crate::settings::cutoff_day(&state.db.read).await?;
    Ok(crate::web::html_status(
        status,
        &ListView {
            ctx,
            statements: views(&state.db.read, list).await?,
            filter,
            statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
            may_close: user.role.can(Capability::ManageSettlement),
            default_period: Period::last_closed_by(state.today(), cutoff).to_string(),
            errors,
        },
    ))
}

#[get("/statements")]
pub async fn statements_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<store::StatementFilter>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadStatements)?;
    list_page(
        &state,
        ctx,
        &user,
        q.into_inner(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Template)]
#[template(path = "settlement/to_close.html")]
struct ToCloseView {
    ctx: PageCtx,
    rows: Vec<store::ToClose>,
}

/// What a close today would put on statements, by supplier, with the close form: where
/// finance closes the periods that have ended (its home page counts these rows).
#[get("/statements/to-close")]
pub async fn to_close_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageSettlement)?;
    let rows = store::to_close(&state, state.today()).await?;
    Ok(crate::web::html(&ToCloseView { ctx, rows }))
}

#[post("/statements/close")]
pub async fn close_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageSettlement)?;
    let f = form.0;
    let result = async {
        let only = parse_period("period", Some(&field(&f, "period")))?;
        store::close(&state, &user.actor(), state.today(), only).await?;
        Ok(())
    }
    .await;
    let locale = ctx.locale;
    form_outcome(
        result,
        locale,
        "/statements",
        "flash-statements-closed",
        |errors, status| {
            list_page(
                &state,
                ctx,
                &user,
                store::StatementFilter::default(),
                errors,
                status,
            )
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "settlement/statement.html")]
struct DetailView {
    ctx: PageCtx,
    d: StatementDetail,
    company: String,
    /// What this user may do next, by action name.
    actions: Vec<&'static str>,
    errors: FormErrors,
}

impl DetailView {
    fn money(&self, d: &Decimal) -> String {
        text::amount(self.ctx.locale, *d)
    }
    fn price(&self, d: &Decimal) -> String {
        text::unit_price(self.ctx.locale, *d)
    }
    fn date(&self, at: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        at.map(|a| a.with_timezone(&self.ctx.tz).format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    }
    fn may(&self, action: &str) -> bool {
        self.actions.contains(&action)
    }
    fn tax_percent(&self) -> String {
        text::tax_percent(self.d.statement.tax_rate)
    }
    /// The gross as printed statements write it (大写金额).
    fn capitals(&self, d: &Decimal) -> String {
        crate::money::in_capitals(*d)
    }
}

/// The steps `user` may take on a statement in its current state.
fn actions_for(user: &CurrentUser, status: &str) -> Vec<&'static str> {
    let Some(status) = Status::parse(status) else {
        return Vec::new();
    };
    Action::ALL
        .into_iter()
        .filter(|a| next(status, *a).is_some())
        .filter(|a| actor_of(user.role) == Some(who(*a)))
        .map(|a| a.as_str())
        .collect()
}

async fn detail_page(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    id: StatementId,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let d = detail(&state.db.read, user, id, ctx.locale).await?;
    let company = crate::settings::get(
        &state.db.read,
        ctx.locale.pick("company_name_zh", "company_name_en"),
    )
    .await?
    .unwrap_or_default();
    let actions = actions_for(user, &d.statement.status);
    Ok(crate::web::html_status(
        status,
        &DetailView {
            ctx,
            d,
            company,
            actions,
            errors,
        },
    ))
}

#[get("/statements/{id}")]
pub async fn statement_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<StatementId>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadStatements)?;
    detail_page(
        &state,
        ctx,
        &user,
        *id,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// Reads a workflow step from the statement page's form. Dispute and resolve forms carry one
/// field per line (`reason_<line>`, `amount_<line>`, `note_<line>`); blank lines are left out.
fn step_from_form(f: &Form) -> AppResult<Step> {
    let per_line = |prefix: &str| -> Vec<(i64, String)> {
        let mut v: Vec<(i64, String)> = f
            .iter()
            .filter_map(|(k, val)| {
                let id = k.strip_prefix(prefix)?.parse().ok()?;
                Some((id, val.trim().to_string()))
            })
            .collect();
        v.sort();
        v
    };
    Ok(match field(f, "action").as_str() {
        "issue" => Step::Issue,
        "confirm" => Step::Confirm,
        "dispute" => Step::Dispute {
            lines: per_line("reason_")
                .into_iter()
                .filter(|(_, r)| !r.is_empty())
                .map(|(line_id, reason)| DisputedLine { line_id, reason })
                .collect(),
        },
        "resolve" => {
            let notes: HashMap<i64, String> = per_line("note_").into_iter().collect();
            let mut lines = Vec::new();
            for (line_id, amount) in per_line("amount_") {
                let amount = if amount.is_empty() {
                    Decimal::ZERO
                } else {
                    crate::money::parse_decimal(&amount).ok_or_else(|| {
                        AppError::field(&format!("amount_{line_id}"), RuleCode::NotANumber)
                    })?
                };
                lines.push(Resolution {
                    line_id,
                    amount,
                    note: notes.get(&line_id).cloned().unwrap_or_default(),
                });
            }
            Step::Resolve { lines }
        }
        "invoice" => Step::Invoice(InvoiceInput {
            invoice_number: field(f, "invoice_number"),
            invoice_date: date_field(f, "invoice_date")?,
        }),
        "pay" => Step::Pay(PaymentInput {
            paid_on: date_field(f, "paid_on")?,
            reference: field(f, "reference"),
        }),
        _ => return Err(AppError::field("action", RuleCode::Invalid)),
    })
}

#[post("/statements/{id}/step")]
pub async fn step_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<StatementId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::StepStatements)?;
    let id = *id;
    let f = form.0;
    let action = field(&f, "action");
    let result = async {
        let step = step_from_form(&f)?;
        let line_ids = step.line_ids();
        store::step_now(&state, &user, id, step)
            .await
            // The store counts the lines it was given; the form names each by its id.
            .map_err(|e| {
                e.rows_named(
                    "lines",
                    &line_ids,
                    &[("reason", "reason"), ("amount", "amount"), ("note", "note")],
                )
            })?;
        Ok(())
    }
    .await;
    let to = format!("/statements/{id}");
    let flash = format!("flash-statement-{action}");
    let flash = if ctx.locale.has(&flash) {
        flash
    } else {
        "flash-saved".to_string()
    };
    let locale = ctx.locale;
    form_outcome(result, locale, &to, &flash, |errors, status| {
        detail_page(&state, ctx, &user, id, errors, status)
    })
    .await
}

/// The statement as CSV or XLSX, headers in the page's language.
#[get("/statements/{id}/download/{format}")]
pub async fn download(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    path: web::Path<(StatementId, String)>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadStatements)?;
    let (id, format) = path.into_inner();
    let format = Format::parse(&format).ok_or(AppError::NotFound)?;
    let d = detail(&state.db.read, &user, id, ctx.locale).await?;
    let sheet = sheet(&state, &d, ctx.locale).await?;
    Ok(crate::export::download(
        format,
        &d.statement.number,
        &sheet,
    )?)
}
