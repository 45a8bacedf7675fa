//! What every HTML page gets: the language, the signed-in user, the CSRF token, flash
//! messages and the navigation of the user's role.

use crate::auth::{Auth, Capability, CurrentUser, Role};
use crate::error::RuleCode;
use crate::error::{AppError, FieldErrors};
use crate::i18n::Locale;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, dev::Payload, web};
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap};
use std::future::{Ready, ready};
use std::pin::Pin;

pub const CSRF_COOKIE: &str = "portal_csrf";
pub const FLASH_COOKIE: &str = "portal_flash";

/// The CSRF token of this browser (double-submit: cookie and hidden form field).
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

#[derive(Debug, Clone)]
pub struct Flash {
    pub level: String,
    pub key: String,
}

#[derive(Debug, Clone, Default)]
pub struct IncomingFlash(pub Vec<Flash>);

pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub active: bool,
}

/// The context of a page: pass it to every template as `ctx`.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub locale: Locale,
    pub user: Option<CurrentUser>,
    pub csrf: String,
    pub path: String,
    pub query: String,
    pub flashes: Vec<Flash>,
    pub tz: chrono_tz::Tz,
}

/// The pages of the navigation, each shown to the roles with its capability.
const NAV: &[(&str, &str, &[Capability])] = &[
    ("/", "nav-home", &[]),
    (
        "/my/supplier",
        "nav-my-supplier",
        &[Capability::ManageOwnSupplier],
    ),
    (
        "/my/listings",
        "nav-my-listings",
        &[Capability::ManageOwnSupplier],
    ),
    ("/my/lots", "nav-my-lots", &[Capability::ManageOwnSupplier]),
    ("/suppliers", "nav-suppliers", &[Capability::ReadSuppliers]),
    ("/catalogue", "nav-catalogue", &[Capability::ReadCatalogue]),
    (
        "/requisitions",
        "nav-requisitions",
        &[Capability::Requisition, Capability::ReadStock],
    ),
    ("/deliveries", "nav-deliveries", &[Capability::ReadStock]),
    ("/lots", "nav-lots", &[Capability::ReadStock]),
    (
        "/stock-counts",
        "nav-stock-counts",
        &[Capability::ReadStock],
    ),
    ("/price-changes", "nav-prices", &[Capability::DecidePrices]),
    (
        "/prices",
        "nav-price-ledger",
        &[Capability::ReadProcurement],
    ),
    (
        "/stock/no-movement",
        "nav-no-movement",
        &[Capability::ReadStock],
    ),
    (
        "/reports/usage",
        "report-nav-usage",
        &[Capability::ReadUsageStatements],
    ),
    (
        "/reports/stock",
        "report-nav-stock",
        &[Capability::ReadStock],
    ),
    (
        "/statements",
        "nav-statements",
        &[Capability::ReadSettlement, Capability::ManageOwnSupplier],
    ),
    (
        "/plans",
        "nav-plans",
        &[Capability::ReadProcurement, Capability::PlanNeeds],
    ),
    (
        "/contracts",
        "nav-contracts",
        &[Capability::ReadProcurement],
    ),
    (
        "/tenders",
        "nav-tenders",
        &[Capability::ReadProcurement, Capability::ManageOwnSupplier],
    ),
    ("/materials", "nav-materials", &[Capability::ReadMaterials]),
    (
        "/organisation",
        "nav-organisation",
        &[Capability::ReadOrganisation],
    ),
    ("/admin/users", "nav-users", &[Capability::ReadUsers]),
    ("/audit", "nav-audit", &[Capability::ReadAudit]),
    ("/admin/outbox", "nav-outbox", &[Capability::ReadMailQueue]),
    ("/admin/jobs", "nav-jobs", &[Capability::ReadJobs]),
    (
        "/admin/settings",
        "nav-settings",
        &[Capability::ReadSettings],
    ),
];

impl PageCtx {
    pub fn t(&self, key: &str) -> String {
        self.locale.t(key)
    }

    pub fn ta(&self, key: &str, args: &[(&str, String)]) -> String {
        self.locale.ta(key, args)
    }

    /// The message `prefix` + `key`, e.g. `tp("document-", "business_licence")`.
    pub fn tp(&self, prefix: &str, key: &str) -> String {
        self.locale.t(&format!("{prefix}{key}"))
    }

    /// A message with one argument; templates use it.
    pub fn ta1(&self, key: &str, name: &str, value: impl ToString) -> String {
        self.locale.ta(key, &[(name, value.to_string())])
    }

    /// The name in the page's language, of a record named in both.
    pub fn pick(&self, zh: &str, en: &str) -> String {
        self.locale.pick(zh, en).to_string()
    }

    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.role)
    }

    pub fn can(&self, cap: Capability) -> bool {
        self.user.as_ref().is_some_and(|u| u.role.can(cap))
    }

    pub fn role_label(&self) -> String {
        self.role()
            .map(|r| self.t(&r.label_key()))
            .unwrap_or_default()
    }

    pub fn nav(&self) -> Vec<NavItem> {
        let Some(user) = &self.user else {
            return Vec::new();
        };
        NAV.iter()
            .filter(|(_, _, caps)| caps.is_empty() || caps.iter().any(|c| user.role.can(*c)))
            .map(|(href, key, _)| NavItem {
                href,
                label: self.t(key),
                active: if *href == "/" {
                    self.path == "/"
                } else {
                    self.path.starts_with(href)
                },
            })
            .collect()
    }

    /// Link to this page in the other language(s), through the switcher.
    pub fn lang_links(&self) -> Vec<(String, &'static str, bool)> {
        let back = if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        };
        Locale::ALL
            .iter()
            .map(|l| {
                (
                    format!("/lang/{}?next={}", l.tag(), urlencoding::encode(&back)),
                    match l {
                        Locale::ZhCn => "中文",
                        Locale::En => "English",
                    },
                    *l == self.locale,
                )
            })
            .collect()
    }

    pub fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        crate::time::display(*at, self.tz)
    }

    pub fn yes_no(&self, v: &bool) -> String {
        self.t(if *v { "common-yes" } else { "common-no" })
    }
}

impl FromRequest for PageCtx {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ext = req.extensions();
        let tz = req
            .app_data::<web::Data<crate::state::AppState>>()
            .map(|s| s.tz())
            .unwrap_or(chrono_tz::Asia::Shanghai);
        ready(Ok(PageCtx {
            locale: ext.get::<Locale>().copied().unwrap_or_default(),
            user: match ext.get::<Auth>() {
                Some(Auth::User(u)) => Some(u.clone()),
                _ => None,
            },
            csrf: ext
                .get::<CsrfToken>()
                .map(|c| c.0.clone())
                .unwrap_or_default(),
            path: req.path().to_string(),
            query: req.query_string().to_string(),
            flashes: ext
                .get::<IncomingFlash>()
                .map(|f| f.0.clone())
                .unwrap_or_default(),
            tz,
        }))
    }
}

/// Checks a posted CSRF token against this browser's cookie (for multipart forms, which
/// [`CsrfForm`] does not read).
pub fn check_csrf(req: &HttpRequest, posted: &str) -> Result<(), AppError> {
    let expected = req
        .extensions()
        .get::<CsrfToken>()
        .map(|c| c.0.clone())
        .unwrap_or_default();
    let cookie = req
        .cookie(CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    let same = |a: &str, b: &str| -> bool {
        subtle::ConstantTimeEq::ct_eq(a.as_bytes(), b.as_bytes()).into()
    };
    if posted.is_empty()
        || expected.is_empty()
        || !same(posted, &expected)
        || !same(&cookie, &expected)
    {
        return Err(AppError::Csrf);
    }
    Ok(())
}

/// A form posted from a page. Its `csrf_token` field must match the browser's CSRF cookie,
/// or the request is refused before the form is even read.
pub struct CsrfForm<T>(pub T);

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf_token: String,
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn std::future::Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let expected = req.extensions().get::<CsrfToken>().map(|c| c.0.clone());
        let cookie = req.cookie(CSRF_COOKIE).map(|c| c.value().to_string());
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = body
                .await
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            let field: CsrfField = serde_urlencoded::from_bytes(&body)
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            let (Some(expected), Some(cookie)) = (expected, cookie) else {
                return Err(AppError::Csrf);
            };
            let same = |a: &str, b: &str| -> bool {
                subtle::ConstantTimeEq::ct_eq(a.as_bytes(), b.as_bytes()).into()
            };
            if field.csrf_token.is_empty()
                || !same(&field.csrf_token, &expected)
                || !same(&cookie, &expected)
            {
                return Err(AppError::Csrf);
            }
            serde_urlencoded::from_bytes(&body)
                .map(CsrfForm)
                .map_err(|e| AppError::BadRequest(e.to_string()))
        })
    }
}

/// The outcome of a page form: on success a redirect to `to` with a flash message; when the
/// user can put things right (a field, a rule, a conflict) the page again with the messages;
/// anything else is an error page.
pub async fn form_outcome<Fut>(
    result: Result<(), AppError>,
    locale: Locale,
    to: &str,
    flash: &str,
    rerender: impl FnOnce(FormErrors, actix_web::http::StatusCode) -> Fut,
) -> Result<HttpResponse, AppError>
where
    Fut: std::future::Future<Output = Result<HttpResponse, AppError>>,
{
    match result {
        Ok(()) => Ok(redirect_with_flash(to, "success", flash)),
        Err(e @ (AppError::Validation(_) | AppError::Rule(_) | AppError::Conflict(_))) => {
            let errors = FormErrors::from_error(&e, locale);
            rerender(errors, e.status()).await
        }
        Err(e) => Err(e),
    }
}

/// A 303 redirect carrying a flash message (a message key) for the next page.
pub fn redirect_with_flash(location: &str, level: &str, key: &str) -> HttpResponse {
    let mut res = redirect(location);
    let c = Cookie::build(FLASH_COOKIE, format!("{level}:{key}"))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    let _ = res.add_cookie(&c);
    res
}

pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .finish()
}

/// Only same-site paths are followed after sign-in or a language switch.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

/// Field messages for a form, translated.
pub fn field_messages(errors: &FieldErrors, locale: Locale) -> BTreeMap<String, String> {
    errors.messages(locale)
}

/// Messages beside form fields; templates ask `errors.get("email")`.
#[derive(Debug, Default, Clone)]
pub struct FormErrors {
    pub fields: BTreeMap<String, String>,
    /// A message about the whole form.
    pub form: Option<String>,
}

impl FormErrors {
    pub fn from_error(e: &AppError, locale: Locale) -> Self {
        match e {
            AppError::Validation(f) => Self {
                fields: f.messages(locale),
                form: Some(e.message(locale)),
            },
            other => Self {
                fields: BTreeMap::new(),
                form: Some(other.message(locale)),
            },
        }
    }

    pub fn get(&self, field: &str) -> String {
        self.fields.get(field).cloned().unwrap_or_default()
    }

    pub fn has(&self, field: &str) -> bool {
        self.fields.contains_key(field)
    }
}

/// A page form's fields by name, as `CsrfForm<Form>` reads them.
pub type Form = HashMap<String, String>;

/// A form field, trimmed; empty when the form lacks it.
pub fn field(f: &Form, k: &str) -> String {
    f.get(k).map(|v| v.trim().to_string()).unwrap_or_default()
}

/// A decimal form field, or the field's `not_a_number` error.
pub fn decimal_field(f: &Form, k: &str) -> Result<rust_decimal::Decimal, AppError> {
    // As people type it, or copy it from a page ("3,850.50").
    crate::money::parse_decimal(&field(f, k))
        .ok_or_else(|| AppError::field(k, RuleCode::NotANumber))
}

/// A date form field (`YYYY-MM-DD`, as `<input type=date>` sends it), or the field's `date`
/// error.
pub fn date_field(f: &Form, k: &str) -> Result<chrono::NaiveDate, AppError> {
    chrono::NaiveDate::parse_from_str(&field(f, k), "%Y-%m-%d")
        .map_err(|_| AppError::field(k, RuleCode::Date))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(
            safe_next(Some("/admin/users?page=2")),
            "/admin/users?page=2"
        );
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
