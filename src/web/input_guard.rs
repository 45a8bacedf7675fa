//! The edge every query string, form and JSON body passes before a handler reads it (issue 14):
//!
//! - a NUL character (`%00`, `\u0000`) in any value or name is refused with a 422 naming the
//!   field (`nul_character`): PostgreSQL cannot store or compare it (it answered 500), SQLite
//!   silently stopped matching at it;
//! - a date (`YYYY-MM-DD`, optionally followed by a time) whose year is outside 1–9999 is
//!   refused with a 422 naming the field (`date`): chrono reads `+262142-12-31` and
//!   `-0001-01-01`, PostgreSQL refused them with a 500 and SQLite compared them as text.
//!   The rule for a single date is [`date_in_calendar`], unit-tested below; this guard applies
//!   it to every value shaped like a date, whatever the handler's struct calls the field.
//!
//! One place, so that no handler can forget it. Bodies are read here within the same 1 MB the
//! JSON and form extractors allow, then handed on unchanged. Multipart bodies (files) are not
//! read here: their text fields are checked where `crate::files` reads them.

use crate::error::{AppError, FieldErrors, RuleCode};
use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use futures_util::StreamExt;
use serde_json::Value;

/// The most a JSON or form body may hold (the extractors' limit, `web::extractor_configs`).
pub const BODY_LIMIT: usize = 1 << 20;

/// Whether `text`, when it is shaped like a date (`[+-]digits-digits-digits` with a month
/// 1–12 and a day 1–31; a time may follow after `T` or a space), names a year of the calendar
/// the portal keeps (1–9999). Text of any other shape is not a date and passes: a
/// specification such as `12000-30-40` (dimensions) is not refused as a year.
pub fn date_in_calendar(text: &str) -> bool {
    let t = text.trim();
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'+') => (1i64, &t[1..]),
        Some(b'-') => (-1i64, &t[1..]),
        _ => (1i64, t),
    };
    let date = rest.split(['T', 't', ' ']).next().unwrap_or_default();
    let parts: Vec<&str> = date.split('-').collect();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if parts.len() != 3 || !parts.iter().all(|p| digits(p)) || parts[1].len() > 2 {
        return true;
    }
    let in_range = |s: &str, max: u32| s.parse::<u32>().is_ok_and(|n| (1..=max).contains(&n));
    if !in_range(parts[1], 12) || parts[2].len() > 2 || !in_range(parts[2], 31) {
        return true;
    }
    let year_digits = parts[0].trim_start_matches('0');
    if year_digits.len() > 4 {
        return false;
    }
    let year = sign * year_digits.parse::<i64>().unwrap_or(0);
    (1..=9999).contains(&year)
}

/// The first fault of one value under `field`, if any.
fn value_fault(field: &str, value: &str) -> Option<AppError> {
    if value.contains('\0') {
        Some(AppError::field(field, RuleCode::NulCharacter))
    } else if !date_in_calendar(value) {
        Some(AppError::field(field, RuleCode::Date))
    } else {
        None
    }
}

/// Checks the pairs of a query string or a form; text that is not URL-encoded passes (the
/// extractor refuses it as before).
pub fn check_pairs(encoded: &str) -> Result<(), AppError> {
    let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(encoded) else {
        return Ok(());
    };
    for (k, v) in &pairs {
        if k.contains('\0') {
            return Err(AppError::field("query", RuleCode::NulCharacter));
        }
        if let Some(e) = value_fault(k, v) {
            return Err(e);
        }
    }
    Ok(())
}

/// Checks every string of a JSON body (names too); a body that is not JSON passes (the
/// extractor refuses it as before).
pub fn check_json(body: &[u8]) -> Result<(), AppError> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    let mut errors = FieldErrors::new();
    walk(&v, "", &mut errors);
    errors.into_result()
}

fn walk(v: &Value, at: &str, errors: &mut FieldErrors) {
    let name = |k: &str| {
        if at.is_empty() {
            k.to_string()
        } else {
            format!("{at}.{k}")
        }
    };
    match v {
        Value::String(s) => {
            let field = if at.is_empty() { "body" } else { at };
            if s.contains('\0') {
                errors.add(field, RuleCode::NulCharacter);
            } else if !date_in_calendar(s) {
                errors.add(field, RuleCode::Date);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk(x, &name(&i.to_string()), errors);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                if k.contains('\0') {
                    errors.add(&name("key"), RuleCode::NulCharacter);
                } else {
                    walk(x, &name(k), errors);
                }
            }
        }
        _ => {}
    }
}

/// The API answers the field error; a page (an error page: the form's own page is not at hand
/// here) says what was wrong with the field's reason as its message.
fn refuse(req: ServiceRequest, e: AppError) -> ServiceResponse<BoxBody> {
    let e = match e {
        AppError::Validation(f) if !req.path().starts_with("/api/") => {
            f.0.values()
                .next()
                .map(|first| AppError::Rule(first.code))
                .unwrap_or(AppError::Validation(f))
        }
        other => other,
    };
    req.error_response(e)
}

enum Kind {
    Json,
    Form,
}

/// The middleware (`lib.rs` wraps it inside the session, which renders its refusals as the
/// API's error body or an error page).
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Err(e) = check_pairs(req.query_string()) {
        return Ok(refuse(req, e));
    }
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.to_ascii_lowercase())
        .and_then(|ct| {
            if ct.starts_with("application/x-www-form-urlencoded") {
                Some(Kind::Form)
            } else if ct.starts_with("application/json") || ct.contains("+json") {
                Some(Kind::Json)
            } else {
                None
            }
        });
    if let Some(kind) = kind {
        let mut payload = req.take_payload();
        let mut body = Vec::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > BODY_LIMIT {
                return Ok(req.error_response(AppError::BadRequest(format!(
                    "the body is larger than {BODY_LIMIT} bytes"
                ))));
            }
            body.extend_from_slice(&chunk);
        }
        let checked = match kind {
            Kind::Json => check_json(&body),
            Kind::Form => std::str::from_utf8(&body)
                .map(check_pairs)
                .unwrap_or(Ok(())),
        };
        if let Err(e) = checked {
            return Ok(refuse(req, e));
        }
        req.set_payload(Payload::from(body));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_code(r: Result<(), AppError>) -> Option<(String, String)> {
        match r {
            Err(AppError::Validation(f)) => {
                f.0.iter()
                    .next()
                    .map(|(k, e)| (k.clone(), e.code.as_str().to_string()))
            }
            _ => None,
        }
    }

    #[test]
    fn a_date_of_the_years_one_to_9999_is_in_the_calendar() {
        for ok in [
            "0001-01-01",
            "9999-12-31",
            "2026-12-06",
            "2026-12-06T08:00:00Z",
            "+2026-12-06",
        ] {
            assert!(date_in_calendar(ok), "{ok}");
        }
        for out in [
            "0000-01-01",
            "-0001-01-01",
            "-262143-01-01",
            "+262142-12-31",
            "10000-01-01",
            "99999999999999999999-01-01",
            "-0-01-01",
            "+262142-12-31T00:00:00Z",
        ] {
            assert!(!date_in_calendar(out), "{out}");
        }
        // Not dates at all: left to the field's own reader.
        for other in [
            "",
            "水泥",
            "2027-01",
            "12.5",
            "a-b-c",
            "M-0001-2",
            "1-2-3-4",
            "12000-30-40",
            "20000-12-400",
            "-5-0-3",
        ] {
            assert!(date_in_calendar(other), "{other}");
        }
    }

    #[test]
    fn a_nul_in_a_query_or_form_is_refused_under_its_field() {
        assert_eq!(
            field_code(check_pairs("q=a%00b&page=1")),
            Some(("q".into(), "nul_character".into()))
        );
        assert_eq!(
            field_code(check_pairs("from=0001-01-01&to=-262143-01-01")),
            Some(("to".into(), "date".into()))
        );
        assert!(check_pairs("q=%E6%B0%B4%E6%B3%A5&from=2026-01-01").is_ok());
        assert!(check_pairs("q=a%01b").is_ok());
    }

    #[test]
    fn a_nul_in_any_json_string_is_refused_under_its_path() {
        assert_eq!(
            field_code(check_json(br#"{"email":"a\u0000@b","password":"x"}"#)),
            Some(("email".into(), "nul_character".into()))
        );
        assert_eq!(
            field_code(check_json(
                br#"{"lines":[{"note":"ok"},{"note":"\u0000"}]}"#
            )),
            Some(("lines.1.note".into(), "nul_character".into()))
        );
        assert_eq!(
            field_code(check_json(br#"{"need_by":"+262142-12-31"}"#)),
            Some(("need_by".into(), "date".into()))
        );
        // An escaped backslash before "u0000" is text, not a NUL.
        assert!(check_json(br#"{"note":"\\u0000"}"#).is_ok());
        assert!(check_json(b"not json").is_ok());
    }
}
