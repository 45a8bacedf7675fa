//! Email: every message is first written to the `outbox` table in the transaction of the
//! change that caused it, rendered in the recipient's language; [`sender`] delivers it (plain
//! text with an HTML alternative, [`html`]). Mail to users also lands in their inbox
//! ([`crate::notices`]), with the path of the item it is about.

pub mod html;
pub mod pages;
pub mod sender;

use crate::error::AppResult;
use crate::i18n::Locale;
use askama::Template;
use chrono::{DateTime, Utc};
use entity::outbox;
use sea_orm::ConnectionTrait;

/// One email to queue. `kind` names its messages: `mail-<kind>-subject` and `mail-<kind>-body`.
pub struct Email<'a> {
    pub kind: &'a str,
    pub to: &'a str,
    pub locale: Locale,
    pub args: Vec<(&'a str, String)>,
}

#[derive(Template)]
#[template(path = "mail/message.txt")]
struct MailText<'a> {
    locale: Locale,
    greeting: String,
    body: &'a str,
    base_url: &'a str,
    /// The whole address of the item the mail is about.
    item: Option<String>,
}

impl MailText<'_> {
    fn t(&self, key: &str) -> String {
        self.locale.t(key)
    }
}

/// The subject and plain-text body of `email`.
pub fn render(email: &Email<'_>, base_url: &str) -> AppResult<(String, String)> {
    render_linked(email, base_url, None)
}

/// [`render`], ending with the address of the item at `link` (a portal path) instead of the
/// sign-in page. Signing in from there lands on the item (`/login?next=…`).
pub fn render_linked(
    email: &Email<'_>,
    base_url: &str,
    link: Option<&str>,
) -> AppResult<(String, String)> {
    let subject = email
        .locale
        .ta(&format!("mail-{}-subject", email.kind), &email.args);
    let body = email
        .locale
        .ta(&format!("mail-{}-body", email.kind), &email.args);
    let name = email
        .args
        .iter()
        .find(|(k, _)| *k == "name")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let text = MailText {
        locale: email.locale,
        greeting: email.locale.ta("mail-greeting", &[("name", name)]),
        body: &body,
        base_url,
        item: link
            .filter(|l| crate::notices::rules::valid_link(l))
            .map(|l| format!("{base_url}{l}")),
    }
    .render()
    .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
    Ok((subject, text))
}

/// Queues `email` on `conn` (the caller's transaction).
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    email: Email<'_>,
    base_url: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    queue_all(conn, vec![(email, None)], base_url, None, now).await
}

/// Emails queued per statement: eleven parameters a row, well under SQLite's limit.
const MAILS_PER_INSERT: usize = 500;

/// Writes the outbox rows of `emails`, each with the item's path `link` (see
/// [`render_linked`]), in one `INSERT … SELECT … FROM (VALUES …)` per batch. An email given
/// with its recipient's user id is left out when that user turned email off for the topic of
/// its kind (`notice_preferences`), asked in the same statement; one given without always
/// goes, as does mail of a kind that cannot be turned off ([`crate::notices::rules::always_by_email`]).
async fn queue_all(
    conn: &impl ConnectionTrait,
    emails: Vec<(Email<'_>, Option<i64>)>,
    base_url: &str,
    link: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut batch = crate::db::Batch::new();
    queue_all_into(&mut batch, emails, base_url, link, now)?;
    batch.run(conn).await?;
    Ok(())
}

/// [`queue_all`]'s statements, added to `batch` for the caller to run.
fn queue_all_into(
    batch: &mut crate::db::Batch,
    emails: Vec<(Email<'_>, Option<i64>)>,
    base_url: &str,
    link: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, Value, ValueTuple};
    let mut rows = Vec::with_capacity(emails.len());
    for (email, user_id) in emails {
        let (subject, body) = render_linked(&email, base_url, link)?;
        let muteable = !crate::notices::rules::always_by_email(email.kind);
        rows.push(ValueTuple::Many(vec![
            Value::from(now),
            Value::from(email.kind.to_string()),
            Value::from(email.to.to_string()),
            Value::from(email.locale.tag().to_string()),
            Value::from(subject),
            Value::from(body),
            Value::from("pending"),
            Value::from(0i32),
            Value::from(now),
            Value::from(user_id.filter(|_| muteable)),
            Value::from(crate::notices::rules::topic_of(email.kind)),
        ]));
    }
    let v = |n: usize| Expr::col((Alias::new("v"), Alias::new(format!("column{n}"))));
    while !rows.is_empty() {
        let chunk: Vec<ValueTuple> = rows.drain(..rows.len().min(MAILS_PER_INSERT)).collect();
        let mut select = Query::select();
        select
            .exprs((1..=9).map(v))
            .from_values(chunk, Alias::new("v"))
            .and_where(crate::notices::store::email_muted_expr(v(10), v(11)).not());
        let insert = Query::insert()
            .into_table(outbox::Entity)
            .columns([
                outbox::Column::CreatedAt,
                outbox::Column::Kind,
                outbox::Column::ToAddr,
                outbox::Column::Locale,
                outbox::Column::Subject,
                outbox::Column::BodyText,
                outbox::Column::Status,
                outbox::Column::Attempts,
                outbox::Column::NextAttemptAt,
            ])
            .select_from(select)
            .map_err(|e| crate::error::AppError::Internal(e.to_string()))?
            .to_owned();
        batch.insert(insert);
    }
    Ok(())
}

/// Queues `kind` to each of `users`, each in their own language, with `name` set to theirs.
pub async fn enqueue_to_users(
    conn: &impl ConnectionTrait,
    state: &crate::state::AppState,
    users: &[entity::user::Model],
    kind: &str,
    args: &[(&str, String)],
) -> AppResult<()> {
    notify(
        conn,
        &state.config.base_url(),
        state.now(),
        users,
        kind,
        None,
        args,
    )
    .await
}

/// [`enqueue_to_users`] with the links' address and the instant given (a store function's
/// [`crate::auth::Act`]).
pub async fn enqueue_to_users_at(
    conn: &impl ConnectionTrait,
    base_url: &str,
    now: DateTime<Utc>,
    users: &[entity::user::Model],
    kind: &str,
    args: &[(&str, String)],
) -> AppResult<()> {
    notify(conn, base_url, now, users, kind, None, args).await
}

/// [`enqueue_to_users_at`] about the item at `link`, a path of the portal (`/statements/3`):
/// the inbox notice opens it and the email ends with its whole address (`base_url` + `link`).
/// A link that is not a plain portal path is left out.
pub async fn enqueue_to_users_linked(
    conn: &impl ConnectionTrait,
    base_url: &str,
    now: DateTime<Utc>,
    users: &[entity::user::Model],
    kind: &str,
    link: &str,
    args: &[(&str, String)],
) -> AppResult<()> {
    notify(conn, base_url, now, users, kind, Some(link), args).await
}

/// Each user gets the notice in their inbox, and the email unless they turned email off for
/// its topic; all in the caller's transaction.
async fn notify(
    conn: &impl ConnectionTrait,
    base_url: &str,
    now: DateTime<Utc>,
    users: &[entity::user::Model],
    kind: &str,
    link: Option<&str>,
    args: &[(&str, String)],
) -> AppResult<()> {
    notify_each(
        conn,
        base_url,
        now,
        kind,
        link,
        users.iter().map(|u| (u, args.to_vec())).collect(),
    )
    .await
}

/// [`notify`]'s notices and emails, added to `batch` for the caller to run.
fn notify_into(
    batch: &mut crate::db::Batch,
    base_url: &str,
    now: DateTime<Utc>,
    users: &[entity::user::Model],
    kind: &str,
    link: Option<&str>,
    args: &[(&str, String)],
) -> AppResult<()> {
    notify_each_into(
        batch,
        base_url,
        now,
        kind,
        link,
        users.iter().map(|u| (u, args.to_vec())).collect(),
    )
}

/// Queues `kind` about the item at `link` to many users at once, each with arguments of their
/// own (e.g. a job telling each supplier about its own lots): every notice in one insert,
/// every email in one statement, rather than two statements per user.
pub async fn enqueue_each_linked(
    conn: &impl ConnectionTrait,
    base_url: &str,
    now: DateTime<Utc>,
    kind: &str,
    link: &str,
    each: Vec<(&entity::user::Model, Vec<(&str, String)>)>,
) -> AppResult<()> {
    notify_each(conn, base_url, now, kind, Some(link), each).await
}

/// [`enqueue_to_users_linked`]'s notices and emails, added to `batch` for the caller to run
/// with the rest of its transaction's writes ([`crate::db::Batch`]).
pub fn enqueue_to_users_linked_into(
    batch: &mut crate::db::Batch,
    base_url: &str,
    now: DateTime<Utc>,
    users: &[entity::user::Model],
    kind: &str,
    link: &str,
    args: &[(&str, String)],
) -> AppResult<()> {
    notify_into(batch, base_url, now, users, kind, Some(link), args)
}

/// [`notify`] with each user's own arguments; `name` is set to the user's.
async fn notify_each(
    conn: &impl ConnectionTrait,
    base_url: &str,
    now: DateTime<Utc>,
    kind: &str,
    link: Option<&str>,
    each: Vec<(&entity::user::Model, Vec<(&str, String)>)>,
) -> AppResult<()> {
    let mut batch = crate::db::Batch::new();
    notify_each_into(&mut batch, base_url, now, kind, link, each)?;
    batch.run(conn).await?;
    Ok(())
}

/// [`notify_each`]'s notices and emails, added to `batch` for the caller to run.
fn notify_each_into(
    batch: &mut crate::db::Batch,
    base_url: &str,
    now: DateTime<Utc>,
    kind: &str,
    link: Option<&str>,
    each: Vec<(&entity::user::Model, Vec<(&str, String)>)>,
) -> AppResult<()> {
    let link = link.filter(|l| crate::notices::rules::valid_link(l));
    let each: Vec<(&entity::user::Model, Vec<(&str, String)>)> = each
        .into_iter()
        .map(|(u, args)| {
            let mut all = vec![("name", u.display_name.clone())];
            all.extend(args);
            (u, all)
        })
        .collect();
    crate::notices::store::record_into(batch, now, &each, kind, link);
    let emails = each
        .into_iter()
        .map(|(u, args)| {
            let locale = u
                .locale
                .as_deref()
                .and_then(Locale::from_tag)
                .unwrap_or_default();
            let email = Email {
                kind,
                to: &u.email,
                locale,
                args,
            };
            (email, Some(u.id))
        })
        .collect();
    queue_all_into(batch, emails, base_url, link, now)
}

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(pages::api_list).map(|c| c.service(pages::page));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_welcome_mail_is_written_in_the_recipients_language() {
        let mk = |locale| Email {
            kind: "welcome",
            to: "a@b.test",
            locale,
            args: vec![
                ("name", "王工".into()),
                ("email", "a@b.test".into()),
                ("role", "x".into()),
            ],
        };
        let (s_en, b_en) = render(&mk(Locale::En), "http://portal").unwrap_or_default();
        let (s_zh, b_zh) = render(&mk(Locale::ZhCn), "http://portal").unwrap_or_default();
        assert_ne!(s_en, s_zh);
        assert!(
            b_en.contains("王工") && b_en.contains("http://portal"),
            "{b_en}"
        );
        assert!(b_zh.contains("王工"), "{b_zh}");
    }

    #[test]
    fn a_linked_mail_ends_with_the_items_address_and_an_odd_link_is_left_out() {
        let email = Email {
            kind: "statement_paid",
            to: "a@b.test",
            locale: Locale::En,
            args: vec![
                ("name", "Li".into()),
                ("number", "S-1".into()),
                ("period", "2026-11".into()),
                ("gross", "10.00".into()),
            ],
        };
        let (_, linked) =
            render_linked(&email, "https://portal.test", Some("/statements/3")).unwrap_or_default();
        assert!(
            linked.contains("https://portal.test/statements/3"),
            "{linked}"
        );
        assert!(!linked.contains("/login"), "{linked}");
        let (_, odd) =
            render_linked(&email, "https://portal.test", Some("//evil.test")).unwrap_or_default();
        assert!(!odd.contains("evil"), "{odd}");
        assert!(odd.contains("https://portal.test/login"), "{odd}");
    }
}
