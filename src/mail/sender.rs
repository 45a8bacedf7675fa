//! Delivers queued mail: over SMTP when `SMTP_URL` is set, else as `.eml` files in
//! `data/outbox/`. Each row is claimed before sending, so two instances never send one
//! email twice; a failure is retried later with growing back-off, never dropped.
//!
//! Each message carries what large mail providers insist on: a `Message-ID` of the portal's
//! own host, `MIME-Version`, `Date`, and the text with an HTML alternative of the same words.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use entity::outbox;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};

#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

impl Transport {
    pub fn from_config(config: &crate::config::Config) -> Result<Self, String> {
        if config.smtp_url.is_empty() {
            let dir = config.outbox_dir();
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            Ok(Transport::Files(AsyncFileTransport::new(dir)))
        } else {
            let t = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.smtp_url)
                .map_err(|e| format!("SMTP_URL: {e}"))?
                .timeout(Some(std::time::Duration::from_secs(10)))
                .build();
            Ok(Transport::Smtp(t))
        }
    }

    async fn send(&self, msg: Message) -> Result<(), String> {
        match self {
            Transport::Smtp(t) => t.send(msg).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Files(t) => t.send(msg).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

/// How long to wait after the `attempts`-th failure: 30 s, doubling, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 8) - 1;
    Duration::seconds((30i64 << exp).min(3600))
}

/// How long a claim protects a row that is being sent.
const CLAIM: i64 = 120;

fn due(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(outbox::Column::Status.eq("pending"))
        .add(outbox::Column::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(outbox::Column::ClaimedUntil.is_null())
                .add(outbox::Column::ClaimedUntil.lt(now)),
        )
}

/// Sends what is due now; answers how many were delivered.
///
/// The due rows (at most [`BATCH`], oldest first, found on a reader) are claimed in one
/// statement that returns them: a row another process claimed meanwhile is no longer due
/// there and is left out, so no email goes twice. Each is then sent; the delivered ones are
/// marked sent together after every [`MARK_EVERY`] sends (a process killed in between sends
/// at most those again once their claim runs out), each failure at once with its back-off.
pub async fn deliver_due(state: &AppState, transport: &Transport) -> AppResult<usize> {
    use sea_orm::sea_query::ExprTrait;
    let now = state.now();
    let from: Mailbox = state
        .config
        .mail_from
        .parse()
        .map_err(|e| AppError::Internal(format!("mail_from: {e}")))?;
    let base_url = state.config.base_url();
    let host = message_id_host(&base_url);
    // Which rows are due, on a reader: a pass that finds none (most wake-ups under load, the
    // mail of the commit that woke it already taken by an earlier pass) never waits for the
    // writer.
    let due_ids: Vec<i64> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .filter(due(now))
        .order_by_asc(outbox::Column::Id)
        .limit(BATCH)
        .into_tuple()
        .all(&state.db.read)
        .await?;
    if due_ids.is_empty() {
        return Ok(0);
    }
    let mut claim = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::ClaimedUntil,
            Expr::value(now + Duration::seconds(CLAIM)),
        )
        .col_expr(
            outbox::Column::ClaimedBy,
            Expr::value(state.instance.clone()),
        )
        .filter(outbox::Column::Id.is_in(due_ids))
        .filter(due(now))
        .into_query();
    claim.returning_all();
    let mut rows = state
        .db
        .write
        .query_all(&claim)
        .await?
        .iter()
        .map(|r| outbox::Model::from_query_result(r, ""))
        .collect::<Result<Vec<_>, _>>()?;
    rows.sort_by_key(|r| r.id);
    let mut sent = 0;
    for chunk in rows.chunks(MARK_EVERY) {
        let mut delivered = Vec::with_capacity(chunk.len());
        for row in chunk {
            let result = match build(row, &from, &base_url, &host, now) {
                Ok(msg) => transport.send(msg).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => delivered.push(row.id),
                Err(err) => {
                    let attempts = row.attempts + 1;
                    tracing::warn!(id = row.id, attempts, %err, "mail delivery failed; will retry");
                    outbox::Entity::update_many()
                        .col_expr(outbox::Column::Attempts, Expr::value(attempts))
                        .col_expr(
                            outbox::Column::ClaimedUntil,
                            Expr::value(Option::<DateTime<Utc>>::None),
                        )
                        .col_expr(
                            outbox::Column::NextAttemptAt,
                            Expr::value(state.now() + backoff(attempts)),
                        )
                        .col_expr(outbox::Column::LastError, Expr::value(Some(err)))
                        .filter(outbox::Column::Id.eq(row.id))
                        .exec(&state.db.write)
                        .await?;
                }
            }
        }
        if delivered.is_empty() {
            continue;
        }
        sent += delivered.len();
        outbox::Entity::update_many()
            .col_expr(
                outbox::Column::Attempts,
                Expr::col(outbox::Column::Attempts).add(1),
            )
            .col_expr(
                outbox::Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(outbox::Column::Status, Expr::value("sent"))
            .col_expr(outbox::Column::SentAt, Expr::value(Some(state.now())))
            .col_expr(
                outbox::Column::LastError,
                Expr::value(Option::<String>::None),
            )
            .filter(outbox::Column::Id.is_in(delivered))
            .exec(&state.db.write)
            .await?;
    }
    Ok(sent)
}

/// Rows claimed at most per pass.
const BATCH: u64 = 50;
/// Deliveries marked sent together.
const MARK_EVERY: usize = 10;

/// The host part of every `Message-ID`: the host of the portal's public address, which the
/// portal's operator owns (an address or name that cannot stand there gives `portal.local`).
pub fn message_id_host(base_url: &str) -> String {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host_port
        .rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(host_port, |(h, _)| h);
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if ok {
        host.to_ascii_lowercase()
    } else {
        "portal.local".into()
    }
}

/// A new, unique `Message-ID`: `<uuid@host>`.
pub fn new_message_id(host: &str) -> String {
    format!("<{}@{host}>", uuid::Uuid::new_v4())
}

fn build(
    row: &outbox::Model,
    from: &Mailbox,
    base_url: &str,
    host: &str,
    now: DateTime<Utc>,
) -> Result<Message, String> {
    let to: Mailbox = row.to_addr.parse().map_err(|e| format!("recipient: {e}"))?;
    let html = super::html::render(&row.body_text, &row.subject, &row.locale, base_url)?;
    // `multipart` sets `MIME-Version: 1.0`.
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(row.subject.clone())
        .message_id(Some(new_message_id(host)))
        .date(std::time::SystemTime::from(now))
        .multipart(MultiPart::alternative_plain_html(
            row.body_text.clone(),
            html,
        ))
        .map_err(|e| e.to_string())
}

/// The sender loop: a pass every `mail_interval_secs`, or at once when woken.
pub async fn run(state: AppState, transport: Transport) {
    let interval = std::time::Duration::from_secs(state.config.mail_interval_secs.max(1));
    loop {
        match deliver_due(&state, &transport).await {
            Ok(n) if n > 0 => tracing::info!(sent = n, "mail delivered"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "mail pass failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = state.mail_wake.notified() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(5), Duration::seconds(480));
        assert_eq!(backoff(50), Duration::seconds(3600));
    }

    #[test]
    fn message_ids_name_the_portals_host_and_never_repeat() {
        assert_eq!(
            message_id_host("https://Portal.Example.com:8443/base"),
            "portal.example.com"
        );
        assert_eq!(message_id_host("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(message_id_host("http://[::1]:8080"), "portal.local");
        assert_eq!(message_id_host(""), "portal.local");
        let a = new_message_id("p.test");
        assert!(a.starts_with('<') && a.ends_with("@p.test>"), "{a}");
        assert_ne!(a, new_message_id("p.test"));
    }

    #[test]
    fn a_built_message_has_its_headers_and_both_parts() {
        let row = outbox::Model {
            id: 1,
            created_at: Utc::now(),
            kind: "welcome".into(),
            to_addr: "li@example.test".into(),
            locale: "en".into(),
            subject: "Hello".into(),
            body_text: "Dear Li,\n\nOpen /statements/3 <now>.".into(),
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: Utc::now(),
            claimed_until: None,
            claimed_by: None,
            last_error: None,
            sent_at: None,
        };
        let from: Mailbox = "Portal <noreply@p.test>".parse().unwrap();
        let msg = build(&row, &from, "https://p.test", "p.test", Utc::now())
            .map(|m| String::from_utf8_lossy(&m.formatted()).into_owned())
            .unwrap_or_default();
        for header in [
            "Message-ID: <",
            "MIME-Version: 1.0",
            "Date: ",
            "multipart/alternative",
            "text/plain",
            "text/html",
        ] {
            assert!(msg.contains(header), "{header} missing:\n{msg}");
        }
        assert!(msg.contains("@p.test>"), "{msg}");
    }
}
