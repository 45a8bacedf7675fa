//! The one error type. Each variant has a stable snake_case code that the UI translates
//! (`error-<code>` in the locale files); the API answers
//! `{"error": {"code", "message", "fields": {field: {"code", "message"}}}}`. A rule, a conflict
//! and a field problem carry a [`RuleCode`], whose messages a test keeps in both languages.

mod rule_code;

pub use rule_code::{RuleCode, UnknownRuleCode};

use crate::i18n::Locale;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use std::collections::BTreeMap;

/// Why one field was refused: a code (`validation-<code>` is its message) and arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub code: RuleCode,
    pub args: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<String, FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the first problem of `field`; later ones for the same field are dropped.
    pub fn add(&mut self, field: &str, code: RuleCode) -> &mut Self {
        self.add_with(field, code, &[])
    }

    pub fn add_with(&mut self, field: &str, code: RuleCode, args: &[(&str, String)]) -> &mut Self {
        self.0
            .entry(field.to_string())
            .or_insert_with(|| FieldError {
                code,
                args: args
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), v.clone()))
                    .collect(),
            });
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Moves the problem of `from` to `to`: a store names a row's field by its place in the
    /// list it was given (`lines.0.quantity`), a page's form by the row's id (`issue_17`).
    pub fn rename(&mut self, from: &str, to: &str) {
        if let Some(e) = self.0.remove(from) {
            self.0.insert(to.to_string(), e);
        }
    }

    /// `Ok(())` when nothing was recorded, else the validation error.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self))
        }
    }

    /// The translated message for each field.
    pub fn messages(&self, locale: Locale) -> BTreeMap<String, String> {
        self.0
            .iter()
            .map(|(f, e)| {
                let args: Vec<(&str, String)> = e
                    .args
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                (f.clone(), e.code.field_message(locale, &args))
            })
            .collect()
    }
}

/// validator's derive codes (`code = "..."`, `ValidationError::new("...")`) are strings; each is
/// a [`RuleCode`] string (a test checks every derive), so an unknown one is a slip and is
/// answered as `invalid` rather than shown as a key.
impl From<validator::ValidationErrors> for FieldErrors {
    fn from(errs: validator::ValidationErrors) -> Self {
        let mut out = FieldErrors::new();
        for (field, list) in errs.field_errors() {
            if let Some(e) = list.first() {
                let args: Vec<(&str, String)> = e
                    .params
                    .iter()
                    .filter(|(k, _)| *k != "value")
                    .map(|(k, v)| {
                        (
                            k.as_ref(),
                            v.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| v.to_string()),
                        )
                    })
                    .collect();
                let code = e.code.parse().unwrap_or_else(|_| {
                    tracing::warn!(code = %e.code, "validator code is not a rule code");
                    RuleCode::Invalid
                });
                out.add_with(field.as_ref(), code, &args);
            }
        }
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("validation failed")]
    Validation(FieldErrors),
    /// A request that could not be read at all (malformed JSON, wrong types).
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("not signed in")]
    Unauthenticated,
    #[error("token invalid")]
    TokenInvalid,
    #[error("token expired")]
    TokenExpired,
    #[error("wrong email or password")]
    BadCredentials,
    #[error("forbidden")]
    Forbidden,
    #[error("csrf check failed")]
    Csrf,
    #[error("not found")]
    NotFound,
    /// A business rule refused the change; the code names the rule.
    #[error("rule: {0}")]
    Rule(RuleCode),
    #[error("conflict: {0}")]
    Conflict(RuleCode),
    #[error("too many attempts")]
    TooManyAttempts { retry_after_secs: i64 },
    #[error("service unavailable")]
    Unavailable,
    /// Something outside the database failed (a backup folder that cannot be written): not a
    /// bug, and said in full in the log and the job's run; answered as unavailable.
    #[error("{0}")]
    Outside(String),
    /// The disk (or the SQLite file's cap) is full: the change was rolled back whole.
    #[error("storage full")]
    StorageFull,
    #[error("internal: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// The field problems of a validation error, renamed by `rename` (a page's form names a
    /// field differently from the store it calls); any other error unchanged.
    pub fn with_fields(self, rename: impl FnOnce(&mut FieldErrors)) -> Self {
        match self {
            AppError::Validation(mut fields) => {
                rename(&mut fields);
                AppError::Validation(fields)
            }
            other => other,
        }
    }

    /// The problems of a list's entries under the names of the form's row fields: the store
    /// (and the form readers) name a field by the entry's place in the list
    /// (`items.1.quantity`), the form by its row (`qty_4`). `rows[n]` is the row of the list's
    /// `n`th entry; `fields` pairs each entry field with the form's name for it (an earlier
    /// pair gives way to a later one naming the same form field).
    pub fn rows_named<R: std::fmt::Display>(
        self,
        list: &str,
        rows: &[R],
        fields: &[(&str, &str)],
    ) -> Self {
        self.with_fields(|errors| {
            for (n, row) in rows.iter().enumerate() {
                for (from, to) in fields {
                    errors.rename(&format!("{list}.{n}.{from}"), &format!("{to}_{row}"));
                }
            }
        })
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation_failed",
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthenticated => "unauthenticated",
            AppError::TokenInvalid => "token_invalid",
            AppError::TokenExpired => "token_expired",
            AppError::BadCredentials => "bad_credentials",
            AppError::Forbidden => "forbidden",
            AppError::Csrf => "csrf_failed",
            AppError::NotFound => "not_found",
            AppError::Rule(code) | AppError::Conflict(code) => code.as_str(),
            AppError::TooManyAttempts { .. } => "too_many_attempts",
            AppError::Unavailable | AppError::Outside(_) => "unavailable",
            AppError::StorageFull => "storage_full",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Validation(_) | AppError::Rule(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated
            | AppError::TokenInvalid
            | AppError::TokenExpired
            | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable | AppError::Outside(_) | AppError::StorageFull => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message in `locale`.
    pub fn message(&self, locale: Locale) -> String {
        match self {
            AppError::TooManyAttempts { retry_after_secs } => locale.ta(
                "error-too_many_attempts",
                &[("minutes", ((retry_after_secs + 59) / 60).max(1).to_string())],
            ),
            AppError::Rule(code) | AppError::Conflict(code) => code.error_message(locale),
            other => locale.t(&format!("error-{}", other.code())),
        }
    }

    pub fn fields(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Validation(f) => Some(f),
            _ => None,
        }
    }

    /// The JSON body in `locale`.
    pub fn body(&self, locale: Locale) -> ErrorBody {
        let fields = self
            .fields()
            .map(|f| {
                let msgs = f.messages(locale);
                f.0.iter()
                    .map(|(k, e)| {
                        (
                            k.clone(),
                            FieldMessage {
                                code: e.code.to_string(),
                                message: msgs.get(k).cloned().unwrap_or_default(),
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message: self.message(locale),
                fields,
            },
        }
    }

    /// A single-field validation error.
    pub fn field(field: &str, code: RuleCode) -> AppError {
        let mut f = FieldErrors::new();
        f.add(field, code);
        AppError::Validation(f)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `validation_failed`, `forbidden`.
    pub code: String,
    /// The message in the caller's language.
    pub message: String,
    /// Per-field problems, present for `validation_failed`.
    pub fields: BTreeMap<String, FieldMessage>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldMessage {
    pub code: String,
    pub message: String,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    /// Rendered in zh-CN here; the `localise` middleware re-renders it in the caller's
    /// language (and as a page for browsers), since only it can see the request.
    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(detail) = self {
            tracing::error!(%detail, "internal error");
        }
        let mut res = HttpResponse::build(self.status());
        if let AppError::TooManyAttempts { retry_after_secs } = self {
            res.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        res.json(self.body(Locale::default()))
    }
}

/// Maps a unique-constraint violation to a `taken` error on `field`; other errors as usual.
pub fn taken_on(field: &'static str) -> impl Fn(DbErr) -> AppError {
    move |e| match AppError::from(e) {
        AppError::Conflict(_) => AppError::field(field, RuleCode::Taken),
        other => other,
    }
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        if crate::db::is_storage_full(&e) {
            tracing::warn!(error = %e, "storage full; the change was rolled back");
            return AppError::StorageFull;
        }
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                return AppError::Conflict(RuleCode::Duplicate);
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                return AppError::Rule(RuleCode::ReferenceMissingOrInUse);
            }
            _ => {}
        }
        match e {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => AppError::Unavailable,
            DbErr::RecordNotFound(_) => AppError::NotFound,
            other => {
                let text = other.to_string();
                // A dropped connection mid-query is the database going away, not a bug.
                if text.contains("Connection refused")
                    || text.contains("connection closed")
                    || text.contains("terminating connection")
                    || text.contains("pool timed out")
                {
                    AppError::Unavailable
                } else if text.contains("deadlock detected")
                    || text.contains("could not serialize access")
                    || text.contains("database is locked")
                {
                    // Two transactions met on the same rows and the database undid this one
                    // whole: nothing was written, and the same request can simply be sent again.
                    AppError::Conflict(RuleCode::TryAgain)
                } else {
                    AppError::Internal(text)
                }
            }
        }
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(e: sea_orm::TransactionError<AppError>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_validation_error_names_each_field_in_the_users_language() {
        let mut f = FieldErrors::new();
        f.add("email", RuleCode::Email).add_with(
            "password",
            RuleCode::LengthMin,
            &[("min", "8".into())],
        );
        let body = AppError::Validation(f).body(Locale::En);
        assert_eq!(body.error.code, "validation_failed");
        assert!(body.error.fields["password"].message.contains('8'));
        let zh = AppError::field("email", RuleCode::Email).body(Locale::ZhCn);
        assert_ne!(
            zh.error.fields["email"].message,
            body.error.fields["email"].message
        );
    }

    #[test]
    fn every_rule_code_has_both_messages_in_both_languages() {
        // Every argument any field message takes; a message given them all must resolve.
        let args: Vec<(&str, String)> = [
            "min", "max", "decimals", "open", "first", "days", "earliest", "month", "supplier",
            "missing",
        ]
        .into_iter()
        .map(|a| (a, "1".to_string()))
        .collect();
        let mut missing = Vec::new();
        for code in RuleCode::iter() {
            for l in Locale::ALL {
                for key in [format!("error-{code}"), format!("validation-{code}")] {
                    // `has` reads this locale's own file, so a fallback to zh-CN cannot hide
                    // a missing English message; `try_ta` proves references resolve.
                    match l.try_ta(&key, &args) {
                        Some(m) if l.has(&key) && !m.contains('{') && !m.is_empty() => {}
                        other => missing.push(format!("{key} ({}): {other:?}", l.tag())),
                    }
                }
                // The error form is shown without arguments: it must not need any.
                let whole = code.error_message(l);
                assert!(
                    !whole.contains('{') && !whole.contains("error-") && !whole.is_empty(),
                    "{code} ({}): {whole}",
                    l.tag()
                );
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
        assert!(RuleCode::iter().count() > 100);
    }

    #[test]
    fn rule_codes_are_unique_snake_case_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for code in RuleCode::iter() {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                s.starts_with(|c: char| c.is_ascii_lowercase())
                    && !s.ends_with('_')
                    && !s.contains("__")
                    && s.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{s} is not snake_case"
            );
            assert_eq!(s.parse::<RuleCode>(), Ok(code));
            assert_eq!(code.to_string(), s);
            assert_eq!(code, s);
        }
        assert_eq!("Required".parse::<RuleCode>(), Err(UnknownRuleCode));
        assert_eq!("".parse::<RuleCode>(), Err(UnknownRuleCode));
    }

    #[test]
    fn a_rule_keeps_its_code_and_its_status() {
        let rule = AppError::Rule(RuleCode::ListingNotOrderable);
        assert_eq!(rule.code(), "listing_not_orderable");
        assert_eq!(rule.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let conflict = AppError::Conflict(RuleCode::StockChanged);
        assert_eq!(conflict.code(), "stock_changed");
        assert_eq!(conflict.status(), StatusCode::CONFLICT);
        let body = rule.body(Locale::En);
        assert_eq!(body.error.code, "listing_not_orderable");
        assert!(!body.error.message.contains("listing_not_orderable"));
    }

    /// Every struct that derives `Validate` (users, auth, org), each field failing each of its
    /// validators: every code validator reports must be a rule code.
    #[test]
    fn every_derive_code_is_a_rule_code() {
        use validator::Validate;
        let long = "x".repeat(300);
        let results = [
            crate::users::store::NewUser {
                email: "not an email".into(),
                display_name: String::new(),
                password: "short".into(),
                ..Default::default()
            }
            .validate(),
            crate::users::store::NewUser {
                display_name: long.clone(),
                password: long.clone(),
                ..Default::default()
            }
            .validate(),
            crate::auth::api::PasswordChange {
                current_password: String::new(),
                new_password: "short".into(),
            }
            .validate(),
            crate::org::store::NewSite {
                code: "!".into(),
                address: long.clone(),
                ..Default::default()
            }
            .validate(),
            crate::org::store::NewWarehouse {
                code: "!".into(),
                address: long.clone(),
                ..Default::default()
            }
            .validate(),
        ];
        let mut codes = std::collections::BTreeSet::new();
        for r in results {
            let Err(errs) = r else {
                panic!("an invalid input passed");
            };
            for list in errs.field_errors().values() {
                codes.extend(list.iter().map(|e| e.code.to_string()));
            }
        }
        for c in &codes {
            assert!(
                c.parse::<RuleCode>().is_ok(),
                "derive code {c} is no rule code"
            );
        }
        for c in [
            "email",
            "required",
            "password_length",
            "code_length",
            "code_chars",
            "too_long",
        ] {
            assert!(codes.contains(c), "{c} not reported: {codes:?}");
        }
    }

    #[test]
    fn a_derive_error_is_translated_with_its_arguments() {
        use validator::Validate;
        let errs = crate::auth::api::PasswordChange {
            current_password: String::new(),
            new_password: "short".into(),
        }
        .validate()
        .err()
        .map(FieldErrors::from)
        .unwrap_or_default();
        assert_eq!(errs.0["new_password"].code, RuleCode::PasswordLength);
        let msg = &errs.messages(Locale::En)["new_password"];
        assert!(msg.contains('8') && msg.contains("200"), "{msg}");
    }

    #[test]
    fn every_error_code_has_a_message() {
        let errors = [
            AppError::Validation(FieldErrors::new()),
            AppError::BadRequest(String::new()),
            AppError::Unauthenticated,
            AppError::TokenInvalid,
            AppError::TokenExpired,
            AppError::BadCredentials,
            AppError::Forbidden,
            AppError::Csrf,
            AppError::NotFound,
            AppError::Conflict(RuleCode::Duplicate),
            AppError::Rule(RuleCode::ReferenceMissingOrInUse),
            AppError::TooManyAttempts {
                retry_after_secs: 60,
            },
            AppError::Unavailable,
            AppError::Outside(String::new()),
            AppError::StorageFull,
            AppError::Internal(String::new()),
        ];
        for e in errors {
            for l in Locale::ALL {
                assert!(
                    l.has(&format!("error-{}", e.code())),
                    "{} missing in {}",
                    e.code(),
                    l.tag()
                );
            }
        }
    }
}
