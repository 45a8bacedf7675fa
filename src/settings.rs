//! Run-time settings kept in the database, which admins change without a restart: the
//! settlement cut-off day (rule 11), the company's name on printed statements, the tender and
//! contract thresholds (rules 4, 5), the price-watch margin (rule 13) and the days a supplier
//! has to answer a failure (rule 14), how many backups the daily job keeps and the longest a
//! signed-in session lasts (issue 14).

use crate::audit::{self, Change};
use crate::auth::{Act, Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppResult, ErrorBody, FieldErrors};
use crate::state::AppState;
use crate::web::page::{CsrfForm, FormErrors, PageCtx, form_outcome};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, put, web};
use askama::Template;
use entity::setting;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

/// The day of the month on which the books close, unless a supplier's agreement says
/// otherwise (rule 11). New agreements start with it.
pub const CUTOFF_DAY: &str = "settlement_cutoff_day";

/// The cut-off day when no setting says otherwise.
pub const DEFAULT_CUTOFF_DAY: u32 = 25;

/// A setting's value, if set.
pub async fn get(conn: &impl ConnectionTrait, key: &str) -> Result<Option<String>, DbErr> {
    Ok(setting::Entity::find_by_id(key.to_string())
        .one(conn)
        .await?
        .map(|s| s.value))
}

/// The company's cut-off day: the setting, or the 25th. Like an agreement's, it is a day every
/// month has (1 to 28).
pub async fn cutoff_day(conn: &impl ConnectionTrait) -> Result<u32, DbErr> {
    Ok(get(conn, CUTOFF_DAY)
        .await?
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|d| (1..=28).contains(d))
        .unwrap_or(DEFAULT_CUTOFF_DAY))
}

/// A purchase of one item worth this much or more goes to tender (rule 4).
pub const TENDER_THRESHOLD: &str = "tender_threshold";
/// A purchase worth this much or more needs a written contract (rule 5).
pub const CONTRACT_THRESHOLD: &str = "contract_threshold";
/// A listing priced more than this fraction above the latest market survey is a
/// price-failure candidate (rule 13).
pub const PRICE_MARGIN: &str = "price_margin";

async fn decimal_setting(
    conn: &impl ConnectionTrait,
    key: &str,
    default: rust_decimal::Decimal,
) -> Result<rust_decimal::Decimal, DbErr> {
    Ok(get(conn, key)
        .await?
        .and_then(|v| v.trim().parse::<rust_decimal::Decimal>().ok())
        .filter(|d| *d > rust_decimal::Decimal::ZERO)
        .unwrap_or(default))
}

/// The tender threshold in yuan: the setting, or 50,000.
pub async fn tender_threshold(conn: &impl ConnectionTrait) -> Result<rust_decimal::Decimal, DbErr> {
    decimal_setting(conn, TENDER_THRESHOLD, rust_decimal::Decimal::from(50_000)).await
}

/// The contract threshold in yuan: the setting, or 10,000.
pub async fn contract_threshold(
    conn: &impl ConnectionTrait,
) -> Result<rust_decimal::Decimal, DbErr> {
    decimal_setting(
        conn,
        CONTRACT_THRESHOLD,
        rust_decimal::Decimal::from(10_000),
    )
    .await
}

/// The price-watch margin as a fraction: the setting, or 0.10.
pub async fn price_margin(conn: &impl ConnectionTrait) -> Result<rust_decimal::Decimal, DbErr> {
    decimal_setting(conn, PRICE_MARGIN, rust_decimal::Decimal::new(10, 2)).await
}

/// How many days a supplier has to answer a recorded failure before it may be confirmed
/// without its answer (rule 14).
pub const FAILURE_ANSWER_DAYS: &str = "failure_answer_days";

/// The answer window when no setting says otherwise.
pub const DEFAULT_FAILURE_ANSWER_DAYS: i64 = 3;

/// The days a supplier has to answer a failure: the setting (1 to 30), or 3.
pub async fn failure_answer_days(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    Ok(get(conn, FAILURE_ANSWER_DAYS)
        .await?
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|d| (1..=30).contains(d))
        .unwrap_or(DEFAULT_FAILURE_ANSWER_DAYS))
}

fn default_failure_answer_days() -> i64 {
    DEFAULT_FAILURE_ANSWER_DAYS
}

/// How many archives the daily backup job keeps (issue 14).
pub const BACKUP_KEEP: &str = "backup_keep";

/// The backups kept: the setting (1 to 365), or 7.
pub async fn backup_keep(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    use crate::backup::rules::{DEFAULT_KEEP, KEEP_RANGE};
    Ok(get(conn, BACKUP_KEEP)
        .await?
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|d| KEEP_RANGE.contains(d))
        .unwrap_or(DEFAULT_KEEP))
}

fn default_backup_keep() -> i64 {
    crate::backup::rules::DEFAULT_KEEP
}

/// How many hours a signed-in session lasts at most, however often it is renewed in use.
pub const SESSION_MAX_HOURS: &str = "session_max_hours";

/// The session's longest life when no setting says otherwise.
pub const DEFAULT_SESSION_MAX_HOURS: i64 = 12;

/// The hours a session lasts at most: the setting (1 to 72), or 12.
pub async fn session_max_hours(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    Ok(session_max_hours_of(get(conn, SESSION_MAX_HOURS).await?))
}

/// The session's limit from the setting's text (read with something else): 1 to 72 hours,
/// else the default.
pub fn session_max_hours_of(setting: Option<String>) -> i64 {
    setting
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|h| (1..=72).contains(h))
        .unwrap_or(DEFAULT_SESSION_MAX_HOURS)
}

fn default_session_max_hours() -> i64 {
    DEFAULT_SESSION_MAX_HOURS
}

/// How many members a tender's committee needs at least before it is published or opened
/// (rule 14: at least three, scoring apart).
pub const COMMITTEE_MIN_MEMBERS: &str = "committee_min_members";

/// The committee's size when no setting says otherwise; also the least it may be set to.
pub const DEFAULT_COMMITTEE_MIN_MEMBERS: i64 = 3;

/// The least committee: the setting (3 to 9), or 3.
pub async fn committee_min_members(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    Ok(get(conn, COMMITTEE_MIN_MEMBERS)
        .await?
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|d| (3..=9).contains(d))
        .unwrap_or(DEFAULT_COMMITTEE_MIN_MEMBERS))
}

fn default_committee_min_members() -> i64 {
    DEFAULT_COMMITTEE_MIN_MEMBERS
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Settings {
    /// Day of the month the settlement period ends on (1–28).
    pub settlement_cutoff_day: i64,
    /// The company's name on printed statements and reports.
    pub company_name_zh: String,
    pub company_name_en: String,
    /// Yuan: a purchase of one item worth this much or more goes to tender (rule 4).
    #[schema(value_type = String)]
    pub tender_threshold: rust_decimal::Decimal,
    /// Yuan: a purchase worth this much or more needs a written contract (rule 5).
    #[schema(value_type = String)]
    pub contract_threshold: rust_decimal::Decimal,
    /// A fraction: a listing priced this much above the latest market survey is a
    /// price-failure candidate (rule 13).
    #[schema(value_type = String)]
    pub price_margin: rust_decimal::Decimal,
    /// Days a supplier has to answer a recorded failure before it may be confirmed without
    /// the answer (1–30; rule 14). Left out, 3.
    #[serde(default = "default_failure_answer_days")]
    pub failure_answer_days: i64,
    /// How many archives the daily backup job keeps, the oldest beyond it removed (1–365).
    /// Left out, 7.
    #[serde(default = "default_backup_keep")]
    pub backup_keep: i64,
    /// Hours a signed-in session lasts at most, however often it is renewed in use (1–72).
    /// Left out, 12.
    #[serde(default = "default_session_max_hours")]
    pub session_max_hours: i64,
    /// Members a tender's committee needs at least before it is published (3–9; rule 14).
    /// Left out, 3.
    #[serde(default = "default_committee_min_members")]
    pub committee_min_members: i64,
}

pub async fn load(conn: &impl ConnectionTrait) -> AppResult<Settings> {
    Ok(Settings {
        settlement_cutoff_day: i64::from(cutoff_day(conn).await?),
        company_name_zh: get(conn, "company_name_zh").await?.unwrap_or_default(),
        company_name_en: get(conn, "company_name_en").await?.unwrap_or_default(),
        tender_threshold: tender_threshold(conn).await?,
        contract_threshold: contract_threshold(conn).await?,
        price_margin: price_margin(conn).await?,
        failure_answer_days: failure_answer_days(conn).await?,
        backup_keep: backup_keep(conn).await?,
        session_max_hours: session_max_hours(conn).await?,
        committee_min_members: committee_min_members(conn).await?,
    })
}

/// The admin (`act.actor`) saves the settings, with an audit record. Joins the caller's
/// transaction: it reads and writes through `txn` and commits nothing.
pub async fn save(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: Settings,
) -> AppResult<Settings> {
    let mut errors = FieldErrors::new();
    if !(1..=28).contains(&input.settlement_cutoff_day) {
        errors.add("settlement_cutoff_day", RuleCode::CutoffDayRange);
    }
    for (field, v) in [
        ("company_name_zh", &input.company_name_zh),
        ("company_name_en", &input.company_name_en),
    ] {
        if v.trim().is_empty() {
            errors.add(field, RuleCode::Required);
        } else if v.chars().count() > 100 {
            errors.add_with(field, RuleCode::TooLong, &[("max", "100".into())]);
        }
    }
    let yuan = |d: rust_decimal::Decimal| d > rust_decimal::Decimal::ZERO && d.scale() <= 2;
    if !yuan(input.tender_threshold) {
        errors.add("tender_threshold", RuleCode::AmountPositive);
    }
    if !yuan(input.contract_threshold) {
        errors.add("contract_threshold", RuleCode::AmountPositive);
    } else if input.contract_threshold > input.tender_threshold {
        errors.add("contract_threshold", RuleCode::ContractAboveTender);
    }
    if input.price_margin <= rust_decimal::Decimal::ZERO
        || input.price_margin >= rust_decimal::Decimal::ONE
    {
        errors.add("price_margin", RuleCode::MarginRange);
    }
    if !(1..=30).contains(&input.failure_answer_days) {
        errors.add("failure_answer_days", RuleCode::AnswerDaysRange);
    }
    if !crate::backup::rules::KEEP_RANGE.contains(&input.backup_keep) {
        errors.add("backup_keep", RuleCode::BackupKeepRange);
    }
    if !(1..=72).contains(&input.session_max_hours) {
        errors.add("session_max_hours", RuleCode::SessionHoursRange);
    }
    if !(3..=9).contains(&input.committee_min_members) {
        errors.add("committee_min_members", RuleCode::CommitteeMinRange);
    }
    errors.into_result()?;
    let before = load(txn).await?;
    let now = act.now;
    for (k, v) in [
        (CUTOFF_DAY, input.settlement_cutoff_day.to_string()),
        ("company_name_zh", input.company_name_zh.trim().to_string()),
        ("company_name_en", input.company_name_en.trim().to_string()),
        (
            TENDER_THRESHOLD,
            input.tender_threshold.normalize().to_string(),
        ),
        (
            CONTRACT_THRESHOLD,
            input.contract_threshold.normalize().to_string(),
        ),
        (PRICE_MARGIN, input.price_margin.normalize().to_string()),
        (FAILURE_ANSWER_DAYS, input.failure_answer_days.to_string()),
        (BACKUP_KEEP, input.backup_keep.to_string()),
        (SESSION_MAX_HOURS, input.session_max_hours.to_string()),
        (
            COMMITTEE_MIN_MEMBERS,
            input.committee_min_members.to_string(),
        ),
    ] {
        setting::Entity::insert(setting::ActiveModel {
            key: Set(k.into()),
            value: Set(v),
            updated_at: Set(now),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(setting::Column::Key)
                .update_columns([setting::Column::Value, setting::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(txn)
        .await?;
    }
    let after = load(txn).await?;
    audit::record(
        txn,
        &act.actor.actor(),
        now,
        Change::new("settings.update", "settings", "portal")
            .before(&before)
            .after(&after),
    )
    .await?;
    Ok(after)
}

/// [`save`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn save_now(
    state: &AppState,
    admin: &CurrentUser,
    input: Settings,
) -> AppResult<Settings> {
    let txn = state.db.begin_write().await?;
    let after = save(&txn, &Act::of(state, admin), input).await?;
    txn.commit().await?;
    Ok(after)
}

#[utoipa::path(get, path = "/api/settings", tag = "admin", security(("bearer" = ["read_settings"])),
    responses((status = 200, body = Settings), (status = 403, body = ErrorBody)))]
#[get("/api/settings")]
pub async fn api_get(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Settings>> {
    user.require(Capability::ReadSettings)?;
    Ok(web::Json(load(&state.db.read).await?))
}

#[utoipa::path(put, path = "/api/settings", tag = "admin", security(("bearer" = ["manage_settings"])), request_body = Settings,
    responses((status = 200, body = Settings), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/api/settings")]
pub async fn api_put(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<Settings>,
) -> AppResult<web::Json<Settings>> {
    user.require(Capability::ManageSettings)?;
    Ok(web::Json(save_now(&state, &user, body.into_inner()).await?))
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    ctx: PageCtx,
    s: Settings,
    may_edit: bool,
    errors: FormErrors,
}

impl SettingsPage {
    /// The thresholds as form fields: name, label key, value (the margin as a percentage).
    fn limits(&self) -> Vec<(&'static str, &'static str, String)> {
        vec![
            (
                "tender_threshold",
                "settings-tender-threshold",
                self.s.tender_threshold.normalize().to_string(),
            ),
            (
                "contract_threshold",
                "settings-contract-threshold",
                self.s.contract_threshold.normalize().to_string(),
            ),
            (
                "price_margin_percent",
                "settings-price-margin",
                (self.s.price_margin * rust_decimal::Decimal::from(100))
                    .normalize()
                    .to_string(),
            ),
        ]
    }
}

async fn page_with(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    shown: Option<Settings>,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let s = match shown {
        Some(s) => s,
        None => load(&state.db.read).await?,
    };
    Ok(crate::web::html_status(
        status,
        &SettingsPage {
            ctx,
            s,
            may_edit: user.role.can(Capability::ManageSettings),
            errors,
        },
    ))
}

#[get("/admin/settings")]
pub async fn page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadSettings)?;
    page_with(
        &state,
        ctx,
        &user,
        None,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[post("/admin/settings")]
pub async fn page_save(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageSettings)?;
    let f = form.0;
    let field = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let amount = |k: &str| {
        field(k)
            .parse::<rust_decimal::Decimal>()
            .unwrap_or_default()
    };
    let input = Settings {
        settlement_cutoff_day: field("settlement_cutoff_day").parse().unwrap_or(0),
        company_name_zh: field("company_name_zh"),
        company_name_en: field("company_name_en"),
        tender_threshold: amount("tender_threshold"),
        contract_threshold: amount("contract_threshold"),
        // The page asks for a percentage.
        price_margin: amount("price_margin_percent") / rust_decimal::Decimal::from(100),
        failure_answer_days: field("failure_answer_days").parse().unwrap_or(0),
        backup_keep: field("backup_keep").parse().unwrap_or(0),
        session_max_hours: field("session_max_hours").parse().unwrap_or(0),
        committee_min_members: field("committee_min_members").parse().unwrap_or(0),
    };
    let result = save_now(&state, &user, input.clone())
        .await
        .map(|_| ())
        // The page asks for the margin as a percentage, in its own field.
        .map_err(|e| e.with_fields(|f| f.rename("price_margin", "price_margin_percent")));
    let locale = ctx.locale;
    form_outcome(
        result,
        locale,
        "/admin/settings",
        "flash-saved",
        |errors, status| page_with(&state, ctx, &user, Some(input), errors, status),
    )
    .await
}

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api_get)
        .service(api_put)
        .map(|c| c.service(page).service(page_save));
}
