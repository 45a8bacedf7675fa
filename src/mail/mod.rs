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
    queue(conn, email, base_url, None, now, None).await
}

/// Writes `email`'s outbox row, with the item's path `link` (see [`render_linked`]), unless
/// `skip_when` holds: the row is an `INSERT … SELECT` whose select finds nothing then, so a
/// condition such as the recipient's mute (`notices::store::email_muted_expr`) is asked in
/// the same statement.
async fn queue(
    conn: &impl ConnectionTrait,
    email: Email<'_>,
    base_url: &str,
    link: Option<&str>,
    now: DateTime<Utc>,
    skip_when: Option<sea_orm::sea_query::Expr>,
) -> AppResult<()> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let (subject, body) = render_linked(&email, base_url, link)?;
    let mut row = Query::select();
    row.exprs([
        Expr::val(now),
        Expr::val(email.kind),
        Expr::val(email.to),
        Expr::val(email.locale.tag()),
        Expr::val(subject),
        Expr::val(body),
        Expr::val("pending"),
        Expr::val(0i32),
        Expr::val(now),
    ]);
    if let Some(skip) = skip_when {
        row.and_where(skip.not());
    }
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
        .select_from(row)
        .map_err(|e| crate::error::AppError::Internal(e.to_string()))?
        .to_owned();
    conn.execute(&insert).await?;
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
    let link = link.filter(|l| crate::notices::rules::valid_link(l));
    let each: Vec<(&entity::user::Model, Vec<(&str, String)>)> = users
        .iter()
        .map(|u| {
            let mut all = vec![("name", u.display_name.clone())];
            all.extend(args.iter().map(|(k, v)| (*k, v.clone())));
            (u, all)
        })
        .collect();
    crate::notices::store::record(conn, now, &each, kind, link).await?;
    for (u, all) in each {
        let locale = u
            .locale
            .as_deref()
            .and_then(Locale::from_tag)
            .unwrap_or_default();
        let email = Email {
            kind,
            to: &u.email,
            locale,
            args: all,
        };
        let muted = crate::notices::store::email_muted_expr(u.id, kind);
        queue(conn, email, base_url, link, now, muted).await?;
    }
    Ok(())
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
