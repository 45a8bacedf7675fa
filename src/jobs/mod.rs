//! Scheduled jobs. Each run is claimed by inserting `(job, period_key)` into `job_runs`,
//! whose unique index lets exactly one instance run a job for a period, however many
//! processes share the database; re-running for the same period does nothing.
//! Every job takes an "as of" date, so it can be tested and re-run for any day.

pub mod detail;
pub mod pages;

pub use detail::{JobDetail, detail_text};

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use chrono::NaiveDate;
use entity::job_run;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

/// The jobs this portal runs, with how often.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    /// Daily: forget failed sign-ins that no longer count.
    Housekeeping,
    /// Daily: warn 30 days before a supplier document expires.
    DocumentExpiry,
    /// Daily: lift suspensions that have run out.
    SuspensionExpiry,
    /// Daily: remind procurement of yearly supplier reviews that are due.
    ReviewDue,
    /// Daily: flag consigned lots with no movement for longer than the agreement allows.
    StaleScan,
    /// Daily: apply approved listing prices whose date has come.
    PriceEffective,
    /// Monthly, from the 26th: the no-movement list goes to the procurement office (保管员 8).
    NoMovementReport,
    /// Daily: close every supplier's settlement period that has ended into statements (rule 11);
    /// idempotent, so a missed day is caught up by the next.
    ClosePeriod,
    /// Daily: remind procurement, once per material and cycle, of listed materials whose market
    /// price survey is more than two weeks old (rule 13).
    PriceSurveyDue,
    /// Daily: an archive of the database, uploads and outbox into the backup folder, the
    /// oldest beyond the `backup_keep` setting removed (issue 14).
    Backup,
    /// Once per settlement period, after the close: the monthly pack for the head and finance
    /// (issue 15). Its period is the last one that has ended, by the cut-off setting.
    MonthlyPack,
}

impl Job {
    pub const ALL: [Job; 11] = [
        Job::Housekeeping,
        Job::DocumentExpiry,
        Job::SuspensionExpiry,
        Job::ReviewDue,
        Job::StaleScan,
        Job::PriceEffective,
        Job::NoMovementReport,
        Job::ClosePeriod,
        Job::PriceSurveyDue,
        Job::Backup,
        Job::MonthlyPack,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Job::Housekeeping => "housekeeping",
            Job::DocumentExpiry => "document-expiry",
            Job::SuspensionExpiry => "suspension-expiry",
            Job::ReviewDue => "review-due",
            Job::StaleScan => "stale-scan",
            Job::PriceEffective => "price-effective",
            Job::NoMovementReport => "no-movement-report",
            Job::ClosePeriod => "close-period",
            Job::PriceSurveyDue => "price-survey-due",
            Job::Backup => "backup",
            Job::MonthlyPack => "monthly-pack",
        }
    }

    pub fn parse(s: &str) -> Option<Job> {
        Job::ALL.into_iter().find(|j| j.name() == s)
    }

    /// The period a run as of `date` belongs to: one run per period, settlement periods ending
    /// on the `cutoff` day.
    pub fn period_key(self, date: NaiveDate, cutoff: u32) -> String {
        match self {
            Job::NoMovementReport => date.format("%Y-%m").to_string(),
            Job::MonthlyPack => crate::monthly_pack::rules::pack_period(date, cutoff).to_string(),
            _ => date.to_string(),
        }
    }

    /// Whether the scheduler should run the job on `date` (a run by hand always may).
    pub fn due_on(self, date: NaiveDate) -> bool {
        match self {
            // The books close on the 25th; the list is out by the 30th.
            Job::NoMovementReport => chrono::Datelike::day(&date) >= 26,
            _ => true,
        }
    }
}

async fn close_periods(state: &AppState, as_of: NaiveDate) -> AppResult<JobDetail> {
    let actor = crate::audit::Actor::system("job:close-period");
    let made = crate::settlement::store::close(state, &actor, as_of, None).await?;
    Ok(JobDetail::new("job-detail-close-period").arg("count", made.len()))
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RunOutcome {
    pub job: String,
    pub period_key: String,
    /// False when another run already claimed this period.
    pub ran: bool,
    /// What the run did, in English (the jobs page shows it in the reader's language).
    pub detail: String,
}

/// A run still "running" this long after it started was cut off (its instance killed, or the
/// database restored from a backup taken while it ran): no job takes nearly as long.
pub const ABANDONED_AFTER: chrono::Duration = chrono::Duration::hours(2);

/// Releases the claim of `job`'s run for `key` when it was abandoned: marked failed, with
/// why, so that the period runs again. Conditional on the row still running, so of several
/// instances only one releases it (and then only one claims the period anew).
async fn release_abandoned(state: &AppState, job: Job, key: &str) -> AppResult<bool> {
    let now = state.now();
    let Some(stuck) = job_run::Entity::find()
        .filter(job_run::Column::Job.eq(job.name()))
        .filter(job_run::Column::PeriodKey.eq(key))
        .filter(job_run::Column::Status.eq("running"))
        .one(&state.db.write)
        .await?
        .filter(|r| now - r.started_at >= ABANDONED_AFTER)
    else {
        return Ok(false);
    };
    let released = job_run::Entity::update_many()
        .col_expr(job_run::Column::Status, "failed".into())
        .col_expr(
            job_run::Column::Detail,
            "abandoned: it never finished (its instance stopped, or the database was restored \
             from a backup taken while it ran)"
                .into(),
        )
        .col_expr(
            job_run::Column::PeriodKey,
            format!("{key}#abandoned-{}", stuck.id).into(),
        )
        .col_expr(job_run::Column::FinishedAt, Some(now).into())
        .filter(job_run::Column::Id.eq(stuck.id))
        .filter(job_run::Column::Status.eq("running"))
        .exec(&state.db.write)
        .await?;
    if released.rows_affected == 1 {
        tracing::warn!(
            job = job.name(),
            period = key,
            run = stuck.id,
            "an abandoned run was released so that its period runs again"
        );
    }
    Ok(released.rows_affected == 1)
}

/// Claims and runs `job` for the period of `as_of`. A claim abandoned for
/// [`ABANDONED_AFTER`] is released first, so a killed instance never blocks a period.
pub async fn run(state: &AppState, job: Job, as_of: NaiveDate) -> AppResult<RunOutcome> {
    let cutoff = crate::settings::cutoff_day(&state.db.read).await?;
    let key = job.period_key(as_of, cutoff);
    let now = state.now();
    let claim_row = || job_run::ActiveModel {
        job: Set(job.name().into()),
        period_key: Set(key.clone()),
        instance: Set(state.instance.clone()),
        started_at: Set(now),
        finished_at: Set(None),
        status: Set("running".into()),
        detail: Set(String::new()),
        ..Default::default()
    };
    let mut claim = job_run::Entity::insert(claim_row())
        .exec(&state.db.write)
        .await;
    if let Err(e) = &claim
        && matches!(AppError::from(e.clone()), AppError::Conflict(_))
        && release_abandoned(state, job, &key).await?
    {
        claim = job_run::Entity::insert(claim_row())
            .exec(&state.db.write)
            .await;
    }
    let id = match claim {
        Ok(r) => r.last_insert_id,
        Err(e) => {
            return match AppError::from(e) {
                AppError::Conflict(_) => Ok(RunOutcome {
                    job: job.name().into(),
                    period_key: key,
                    ran: false,
                    detail: String::new(),
                }),
                other => Err(other),
            };
        }
    };
    let result = match job {
        Job::Housekeeping => housekeeping(state, as_of).await,
        Job::DocumentExpiry => crate::suppliers::checks::document_expiry(state, as_of).await,
        Job::SuspensionExpiry => crate::suppliers::checks::suspension_expiry(state, as_of).await,
        Job::ReviewDue => crate::suppliers::checks::review_due(state, as_of).await,
        Job::StaleScan => crate::stock::store::stale_scan(state, as_of).await,
        Job::PriceEffective => crate::catalogue::store::apply_due_prices(state, as_of).await,
        Job::NoMovementReport => crate::stock::store::send_no_movement_report(state, as_of).await,
        Job::ClosePeriod => close_periods(state, as_of).await,
        Job::PriceSurveyDue => crate::price_watch::store::survey_reminders(state, as_of).await,
        // The archive is of the portal as it is now, whatever the date it runs for.
        Job::Backup => crate::backup::daily(state).await,
        Job::MonthlyPack => crate::monthly_pack::store::assemble(state, as_of).await,
    };
    let (status, detail) = match &result {
        Ok(d) => ("done", d.stored()),
        Err(e) => ("failed", e.to_string()),
    };
    job_run::Entity::update_many()
        .col_expr(job_run::Column::Status, status.into())
        .col_expr(job_run::Column::Detail, detail.clone().into())
        .col_expr(job_run::Column::FinishedAt, Some(state.now()).into())
        .filter(job_run::Column::Id.eq(id))
        .exec(&state.db.write)
        .await?;
    if result.is_err() {
        // A failed run gives up its claim so that the next pass can try again.
        job_run::Entity::update_many()
            .col_expr(
                job_run::Column::PeriodKey,
                format!("{key}#failed-{id}").into(),
            )
            .filter(job_run::Column::Id.eq(id))
            .exec(&state.db.write)
            .await?;
    }
    result.map(|detail| RunOutcome {
        job: job.name().into(),
        period_key: key,
        ran: true,
        detail: detail.text(crate::i18n::Locale::En),
    })
}

async fn housekeeping(state: &AppState, as_of: NaiveDate) -> AppResult<JobDetail> {
    let window = chrono::Duration::minutes(state.config.login_window_minutes);
    let cutoff = crate::time::start_of_day(as_of, state.tz()) - window;
    let n = crate::auth::throttle::purge(&state.db.write, cutoff).await?;
    let ended = crate::auth::sessions::purge_ended(&state.db.write, state.now()).await?;
    Ok(JobDetail::new("job-detail-housekeeping")
        .arg("count", n)
        .arg("sessions", ended))
}

/// The scheduler: every minute, run each job for today's period (a no-op once claimed).
pub async fn scheduler(state: AppState) {
    loop {
        let today = state.today();
        for job in Job::ALL.into_iter().filter(|j| j.due_on(today)) {
            match run(&state, job, today).await {
                Ok(o) if o.ran => tracing::info!(
                    job = o.job,
                    period = o.period_key,
                    detail = o.detail,
                    "job ran"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(job = job.name(), error = %e, "job failed"),
            }
        }
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(pages::api_list)
        .service(pages::api_run)
        .map(|c| c.service(pages::page).service(pages::page_run));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_no_movement_report_runs_once_a_month_after_the_books_close() {
        let d = |day| NaiveDate::from_ymd_opt(2027, 1, day).unwrap_or_default();
        assert!(!Job::NoMovementReport.due_on(d(25)));
        assert!(Job::NoMovementReport.due_on(d(26)));
        assert_eq!(
            Job::NoMovementReport.period_key(d(26), 25),
            Job::NoMovementReport.period_key(d(31), 25)
        );
        assert_eq!(Job::NoMovementReport.period_key(d(26), 25), "2027-01");
        // The pack: the period that ended last, by the cut-off setting.
        assert_eq!(Job::MonthlyPack.period_key(d(25), 25), "2026-12");
        assert_eq!(Job::MonthlyPack.period_key(d(26), 25), "2027-01");
        assert_eq!(Job::MonthlyPack.period_key(d(21), 20), "2027-01");
    }

    #[test]
    fn housekeeping_runs_once_a_day() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default();
        assert_eq!(Job::Housekeeping.period_key(d, 25), "2026-11-27");
        assert_eq!(Job::parse("housekeeping"), Some(Job::Housekeeping));
        assert_eq!(Job::parse("nope"), None);
    }
}
