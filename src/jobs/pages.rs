//! Job runs: a list for admins and auditors, and running a job by hand for a date.

use super::{Job, RunOutcome};
use crate::auth::{Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::state::AppState;
use crate::web::page::{CsrfForm, PageCtx, redirect_with_flash};
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use entity::job_run;
use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
use serde::Deserialize;

async fn recent(state: &AppState) -> AppResult<Vec<job_run::Model>> {
    Ok(job_run::Entity::find()
        .order_by_desc(job_run::Column::Id)
        .limit(100)
        .all(&state.db.read)
        .await?)
}

/// Each job whose latest run failed: that run, newest first (`/admin/jobs?failed=true`; the
/// admin's home page counts them). A job that failed and then ran again is not listed.
pub async fn failing(conn: &impl sea_orm::ConnectionTrait) -> AppResult<Vec<job_run::Model>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let failed = job_run::Entity::find()
        .filter(job_run::Column::Status.eq("failed"))
        .order_by_desc(job_run::Column::Id)
        .all(conn)
        .await?;
    let mut out: Vec<job_run::Model> = Vec::new();
    for run in failed {
        if out.iter().any(|r| r.job == run.job) {
            continue;
        }
        let later = job_run::Entity::find()
            .filter(job_run::Column::Job.eq(run.job.clone()))
            .filter(job_run::Column::Id.gt(run.id))
            .one(conn)
            .await?;
        if later.is_none() {
            out.push(run);
        }
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/jobs", tag = "jobs", security(("bearer" = ["read_jobs"])),
    responses((status = 200, body = Vec<JobRunView>), (status = 403, body = ErrorBody)))]
#[get("/api/jobs")]
pub async fn api_list(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Vec<JobRunView>>> {
    user.require(Capability::ReadJobs)?;
    Ok(web::Json(
        recent(&state).await?.into_iter().map(Into::into).collect(),
    ))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct JobRunView {
    pub job: String,
    pub period_key: String,
    pub instance: String,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    pub status: String,
    pub detail: String,
}

impl From<job_run::Model> for JobRunView {
    fn from(m: job_run::Model) -> Self {
        Self {
            job: m.job,
            period_key: m.period_key,
            instance: m.instance,
            started_at: m.started_at,
            finished_at: m.finished_at,
            status: m.status,
            // In English, as the jobs wrote it before they kept a message id.
            detail: super::detail_text(crate::i18n::Locale::En, &m.detail),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RunRequest {
    /// The date to run as of, `YYYY-MM-DD`; today when absent.
    pub as_of: Option<String>,
}

/// The day a job run from the web (API or page) runs as of: today when left out, else a day
/// up to today. A later day would have fresh lots counted stale and suppliers mailed about
/// documents that are still valid (issue 14); the command line keeps `--as-of` for tests and
/// catching up.
fn parse_as_of(state: &AppState, v: Option<&str>) -> AppResult<chrono::NaiveDate> {
    let today = state.today();
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today),
        Some(s) => {
            let day = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| AppError::field("as_of", RuleCode::Date))?;
            if day > today {
                return Err(AppError::field("as_of", RuleCode::InFuture));
            }
            Ok(day)
        }
    }
}

#[utoipa::path(post, path = "/api/jobs/{name}/run", tag = "jobs", security(("bearer" = ["run_jobs"])), request_body = RunRequest,
    params(("name" = String, Path, description = "job name, e.g. housekeeping")),
    responses((status = 200, body = RunOutcome), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/jobs/{name}/run")]
pub async fn api_run(
    state: web::Data<AppState>,
    user: CurrentUser,
    name: web::Path<String>,
    body: web::Json<RunRequest>,
) -> AppResult<web::Json<RunOutcome>> {
    user.require(Capability::RunJobs)?;
    let job = Job::parse(&name).ok_or(AppError::NotFound)?;
    let as_of = parse_as_of(&state, body.as_of.as_deref())?;
    Ok(web::Json(super::run(&state, job, as_of).await?))
}

#[derive(Template)]
#[template(path = "admin/jobs.html")]
struct JobsPage {
    ctx: PageCtx,
    jobs: Vec<&'static str>,
    runs: Vec<job_run::Model>,
    today: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct JobsQuery {
    /// `true`: only the jobs whose latest run failed.
    pub failed: Option<bool>,
}

#[get("/admin/jobs")]
pub async fn page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<JobsQuery>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadJobs)?;
    let runs = if q.failed == Some(true) {
        failing(&state.db.read).await?
    } else {
        recent(&state).await?
    };
    Ok(crate::web::html(&JobsPage {
        ctx,
        jobs: Job::ALL.iter().map(|j| j.name()).collect(),
        runs,
        today: state.today().to_string(),
    }))
}

#[derive(Deserialize)]
pub struct RunForm {
    #[serde(default)]
    job: String,
    #[serde(default)]
    as_of: String,
}

#[post("/admin/jobs/run")]
pub async fn page_run(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: CsrfForm<RunForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::RunJobs)?;
    let job =
        Job::parse(&form.0.job).ok_or_else(|| AppError::field("job", RuleCode::UnknownJob))?;
    let as_of = parse_as_of(&state, Some(&form.0.as_of))?;
    let outcome = match super::run(&state, job, as_of).await {
        Ok(o) => o,
        // The run is in the list below with what went wrong (a backup to a full disk, …):
        // the page says it failed rather than answering an error page.
        Err(e) => {
            tracing::warn!(job = job.name(), error = %e, "a job run from the jobs page failed");
            return Ok(redirect_with_flash(
                "/admin/jobs",
                "error",
                "flash-job-failed",
            ));
        }
    };
    let key = if outcome.ran {
        "flash-job-ran"
    } else {
        "flash-job-already-ran"
    };
    Ok(redirect_with_flash(
        "/admin/jobs",
        if outcome.ran { "success" } else { "info" },
        key,
    ))
}
