//! Email: every message is first written to the `outbox` table in the transaction of the
//! change that caused it, rendered in the recipient's language; [`sender`] delivers it.

pub mod pages;
pub mod sender;

use crate::error::AppResult;
use crate::i18n::Locale;
use askama::Template;
use chrono::{DateTime, Utc};
use entity::outbox;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

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
}

impl MailText<'_> {
    fn t(&self, key: &str) -> String {
        self.locale.t(key)
    }
}

/// The subject and plain-text body of `email`.
pub fn render(email: &Email<'_>, base_url: &str) -> AppResult<(String, String)> {
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
) -> AppResult<i64> {
    let (subject, body) = render(&email, base_url)?;
    let r = outbox::Entity::insert(outbox::ActiveModel {
        created_at: Set(now),
        kind: Set(email.kind.to_string()),
        to_addr: Set(email.to.to_string()),
        locale: Set(email.locale.tag().to_string()),
        subject: Set(subject),
        body_text: Set(body),
        status: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(r.last_insert_id)
}

/// Queues `kind` to each of `users`, each in their own language, with `name` set to theirs.
pub async fn enqueue_to_users(
    conn: &impl ConnectionTrait,
    state: &crate::state::AppState,
    users: &[entity::user::Model],
    kind: &str,
    args: &[(&str, String)],
) -> AppResult<()> {
    enqueue_to_users_at(
        conn,
        &state.config.base_url(),
        state.now(),
        users,
        kind,
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
    for u in users {
        let locale = u
            .locale
            .as_deref()
            .and_then(Locale::from_tag)
            .unwrap_or_default();
        let mut all = vec![("name", u.display_name.clone())];
        all.extend(args.iter().map(|(k, v)| (*k, v.clone())));
        let email = Email {
            kind,
            to: &u.email,
            locale,
            args: all,
        };
        enqueue(conn, email, base_url, now).await?;
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
}
