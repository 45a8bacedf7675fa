//! The one error type. Each variant has a stable snake_case code that the UI translates
//! (`error-<code>` in the locale files); the API answers
//! `{"error": {"code", "message", "fields": {field: {"code", "message"}}}}`.

use crate::i18n::Locale;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use std::collections::BTreeMap;

/// Why one field was refused: a code (`validation-<code>` is its message) and arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub code: String,
    pub args: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<String, FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the first problem of `field`; later ones for the same field are dropped.
    pub fn add(&mut self, field: &str, code: &str) -> &mut Self {
        self.add_with(field, code, &[])
    }

    pub fn add_with(&mut self, field: &str, code: &str, args: &[(&str, String)]) -> &mut Self {
        self.0
            .entry(field.to_string())
            .or_insert_with(|| FieldError {
                code: code.to_string(),
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
                (
                    f.clone(),
                    locale.ta(&format!("validation-{}", e.code), &args),
                )
            })
            .collect()
    }
}

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
                out.add_with(field.as_ref(), e.code.as_ref(), &args);
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
    Rule(&'static str),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("too many attempts")]
    TooManyAttempts { retry_after_secs: i64 },
    #[error("service unavailable")]
    Unavailable,
    /// The disk (or the SQLite file's cap) is full: the change was rolled back whole.
    #[error("storage full")]
    StorageFull,
    #[error("internal: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
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
            AppError::Rule(code) | AppError::Conflict(code) => code,
            AppError::TooManyAttempts { .. } => "too_many_attempts",
            AppError::Unavailable => "unavailable",
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
            AppError::Unavailable | AppError::StorageFull => StatusCode::SERVICE_UNAVAILABLE,
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
                                code: e.code.clone(),
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
    pub fn field(field: &str, code: &str) -> AppError {
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
        AppError::Conflict(_) => AppError::field(field, "taken"),
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
            Some(SqlErr::UniqueConstraintViolation(_)) => return AppError::Conflict("duplicate"),
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                return AppError::Rule("reference_missing_or_in_use");
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
                    AppError::Conflict("try_again")
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
        f.add("email", "email")
            .add_with("password", "length_min", &[("min", "8".into())]);
        let body = AppError::Validation(f).body(Locale::En);
        assert_eq!(body.error.code, "validation_failed");
        assert!(body.error.fields["password"].message.contains('8'));
        let zh = AppError::field("email", "email").body(Locale::ZhCn);
        assert_ne!(
            zh.error.fields["email"].message,
            body.error.fields["email"].message
        );
    }

    /// For each call `marker(...)` in `text`, its top-level argument `nth` when that is a
    /// plain snake_case string literal.
    fn literal_args(text: &str, marker: &str, nth: usize) -> Vec<String> {
        let mut out = Vec::new();
        for (i, _) in text.match_indices(marker) {
            let rest = &text[i + marker.len()..];
            let (mut depth, mut in_str, mut args, mut cur) =
                (0i32, false, Vec::new(), String::new());
            for c in rest.chars() {
                match c {
                    '"' => in_str = !in_str,
                    '(' | '[' | '{' if !in_str => depth += 1,
                    ')' | ']' | '}' if !in_str && depth == 0 => break,
                    ')' | ']' | '}' if !in_str => depth -= 1,
                    ',' if !in_str && depth == 0 => {
                        args.push(std::mem::take(&mut cur));
                        continue;
                    }
                    _ => {}
                }
                cur.push(c);
            }
            args.push(cur);
            if let Some(a) = args.get(nth).map(|a| a.trim())
                && let Some(lit) = a.strip_prefix('"').and_then(|a| a.strip_suffix('"'))
                && !lit.is_empty()
                && lit.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            {
                out.push(lit.to_string());
            }
        }
        out
    }

    #[test]
    fn every_code_the_source_can_answer_has_a_message_in_both_languages() {
        let mut missing = Vec::new();
        let mut checked = 0;
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let text = text.split("#[cfg(test)]").next().unwrap_or_default();
                let mut keys = Vec::new();
                for m in ["AppError::Rule(", "AppError::Conflict("] {
                    keys.extend(
                        literal_args(text, m, 0)
                            .into_iter()
                            .map(|c| format!("error-{c}")),
                    );
                }
                if path.ends_with("rules.rs") {
                    keys.extend(
                        literal_args(text, "Err(", 0)
                            .into_iter()
                            .map(|c| format!("error-{c}")),
                    );
                }
                for m in ["AppError::field(", ".add(", ".add_with(", "taken_on("] {
                    let nth = if m == "taken_on(" { usize::MAX } else { 1 };
                    keys.extend(
                        literal_args(text, m, nth)
                            .into_iter()
                            .map(|c| format!("validation-{c}")),
                    );
                }
                // validator's derive codes, and the `code()` of the rules' error enums.
                for (i, _) in text.match_indices("code = \"") {
                    let rest = &text[i + 8..];
                    keys.extend(rest.find('"').map(|e| format!("validation-{}", &rest[..e])));
                }
                if path.ends_with("rules.rs") {
                    for (i, _) in text.match_indices("pub fn code(self)") {
                        let body = &text[i..];
                        let body = &body[..body.find("\n    }\n").unwrap_or(body.len())];
                        for (j, _) in body.match_indices("=> \"") {
                            let rest = &body[j + 4..];
                            keys.extend(
                                rest.find('"').map(|e| format!("validation-{}", &rest[..e])),
                            );
                        }
                    }
                }
                checked += keys.len();
                for k in keys {
                    for l in Locale::ALL {
                        if !l.has(&k) {
                            missing.push(format!("{}: {k} ({})", path.display(), l.tag()));
                        }
                    }
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "{missing:#?}");
        assert!(checked > 60, "the scan found only {checked} codes");
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
            AppError::Conflict("duplicate"),
            AppError::Rule("reference_missing_or_in_use"),
            AppError::TooManyAttempts {
                retry_after_secs: 60,
            },
            AppError::Unavailable,
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
