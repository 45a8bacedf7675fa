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
use std::sync::{Arc, Mutex};

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

/// What the request's form posted, shared by [`CsrfForm`] (or [`keep_posted`], for multipart
/// forms) and the [`PageCtx`] of the same request: a page answering a refused form shows
/// what was typed (`ctx.kept("field", default)`) without each handler passing it along.
#[derive(Debug, Clone, Default)]
pub struct Posted(Arc<Mutex<Option<Pairs>>>);

/// A form's fields in the order posted (a checkbox group repeats its name).
type Pairs = Vec<(String, String)>;

impl Posted {
    /// The request's slot, created on first use.
    fn of(req: &HttpRequest) -> Posted {
        if let Some(p) = req.extensions().get::<Posted>() {
            return p.clone();
        }
        let p = Posted::default();
        req.extensions_mut().insert(p.clone());
        p
    }

    fn set(&self, pairs: Vec<(String, String)>) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(pairs);
        }
    }

    /// The values posted under `name` (several for checkboxes), or `None` when no form was
    /// posted or it had no such field.
    fn values(&self, name: &str) -> Option<Vec<String>> {
        let slot = self.0.lock().ok()?;
        let pairs = slot.as_ref()?;
        let found: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect();
        (!found.is_empty()).then_some(found)
    }

    fn any(&self) -> bool {
        self.0.lock().is_ok_and(|s| s.is_some())
    }
}

/// Keeps the fields of a multipart form (read by hand, not by [`CsrfForm`]) for the page that
/// may answer it; files are never kept.
pub fn keep_posted(req: &HttpRequest, f: &Form) {
    Posted::of(req).set(
        f.iter()
            .filter(|(k, _)| k.as_str() != "csrf_token")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    );
}

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
    /// The values the request posted, if it posted a form.
    pub posted: Posted,
    /// The signed-in user's unread notices, for the top bar (0 when not counted).
    pub unread: u64,
}

/// The signed-in user's unread notices, counted for a page by `notices::topbar`.
#[derive(Clone, Copy)]
pub struct UnreadNotices(pub u64);

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
    (
        "/dashboards/supplier",
        "nav-dashboard-supplier",
        &[Capability::ManageOwnSupplier],
    ),
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
        "/plan-prices",
        "nav-plan-prices",
        &[Capability::ReadPlanPrices],
    ),
    (
        "/price-differences",
        "nav-price-differences",
        &[Capability::ReadPlanPrices],
    ),
    (
        "/funds-plans",
        "nav-funds-plans",
        &[Capability::ReadFundsPlan],
    ),
    (
        "/monthly-packs",
        "nav-monthly-packs",
        &[Capability::ReadSettlement],
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
        "/dashboards/procurement",
        "nav-dashboard",
        &[Capability::ReadProcurement],
    ),
    (
        "/dashboards/warehouse",
        "nav-dashboard-warehouse",
        &[Capability::ReadStock],
    ),
    (
        "/dashboards/finance",
        "nav-dashboard-finance",
        &[Capability::ReadSettlement],
    ),
    (
        "/dashboards/site",
        "nav-dashboard-site",
        &[Capability::Requisition],
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

    /// What was typed into `name` when a form was posted and refused; `default` otherwise
    /// (the page shown fresh, or another form of the page posted).
    pub fn kept(&self, name: &str, default: impl std::fmt::Display) -> String {
        self.posted
            .values(name)
            .and_then(|v| v.into_iter().next())
            .unwrap_or_else(|| default.to_string())
    }

    /// True when `value` was chosen for `name` (a select's option, a radio, a checkbox) in the
    /// posted form; `default` when the form had no such field.
    pub fn kept_is(&self, name: &str, value: impl std::fmt::Display, default: bool) -> bool {
        let value = value.to_string();
        match self.posted.values(name) {
            Some(v) => v.contains(&value),
            None => default,
        }
    }

    /// [`Self::kept`] for the form whose `errors` these are: a page with several forms shows
    /// what was typed only in the one that was refused.
    pub fn kept_in(
        &self,
        errors: &FormErrors,
        name: &str,
        default: impl std::fmt::Display,
    ) -> String {
        if errors.any() {
            self.kept(name, default)
        } else {
            default.to_string()
        }
    }

    /// [`Self::kept_is`] for the form whose `errors` these are.
    pub fn kept_is_in(
        &self,
        errors: &FormErrors,
        name: &str,
        value: impl std::fmt::Display,
        default: bool,
    ) -> bool {
        if errors.any() {
            self.kept_is(name, value, default)
        } else {
            default
        }
    }

    /// `errors` for the form that posts to `action`, or none for the page's other forms: a
    /// refused form is answered at its own path, so only the form posting there shows them
    /// (and, through [`Self::kept_in`], what was typed into it).
    pub fn errors_at<'a>(&self, errors: &'a FormErrors, action: impl AsRef<str>) -> &'a FormErrors {
        let action = action.as_ref();
        let action = action.split('?').next().unwrap_or(action);
        if action.is_empty() || action == self.path {
            errors
        } else {
            &NO_ERRORS
        }
    }

    /// No errors, for the forms of a page that has no `errors` of its own.
    pub fn no_errors(&self) -> &'static FormErrors {
        &NO_ERRORS
    }

    /// True when this request posted a form (the page answers a refused one).
    pub fn posted_form(&self) -> bool {
        self.posted.any()
    }
}

/// Money, quantities, units and the names of recorded things as a clerk reads them
/// (`crate::money::text`): thousands grouped in both languages, units and actions named in
/// the page's language. Files keep plain numbers and do not come through here.
impl PageCtx {
    /// An amount in yuan to the cent, grouped: "758,295.00" (the column or label says ¥).
    pub fn money(&self, d: &rust_decimal::Decimal) -> String {
        crate::money::text::amount(self.locale, *d)
    }

    /// An amount with the yuan sign: "¥758,295.00", a credit "-¥12.00".
    pub fn yuan(&self, d: &rust_decimal::Decimal) -> String {
        crate::money::text::yuan(self.locale, *d)
    }

    /// A unit price, grouped, with two to four places: "3,850.00", "0.1250".
    pub fn price(&self, d: &rust_decimal::Decimal) -> String {
        crate::money::text::unit_price(self.locale, *d)
    }

    /// A quantity of the unit `unit` (its code) with the unit's places and its name in the
    /// page's language: "1,234.500 吨" / "1,234.500 t".
    pub fn qty(&self, d: &rust_decimal::Decimal, unit: &str) -> String {
        crate::money::units::quantity(self.locale, *d, unit)
    }

    /// The unit `code` in the page's language ("吨" on a Chinese page, "t" on an English one).
    pub fn unit(&self, code: &str) -> String {
        crate::money::units::name(self.locale, code)
    }

    /// A tax rate kept as a fraction, as a percent: "13%".
    pub fn percent(&self, fraction: &rust_decimal::Decimal) -> String {
        format!("{}%", crate::money::text::tax_percent(*fraction))
    }

    /// An amount in Chinese capitals (大写金额) for printed statements and slips.
    pub fn capitals(&self, d: &rust_decimal::Decimal) -> String {
        crate::money::in_capitals(*d)
    }

    /// An audit log action in the page's language ("user.login" is 登录 / "Signed in").
    pub fn audit_action(&self, action: &str) -> String {
        crate::audit::actions::label(self.locale, action)
    }

    /// The kind of record an audit entry is about, in the page's language.
    pub fn audit_entity(&self, entity: &str) -> String {
        crate::audit::actions::entity_label(self.locale, entity)
    }

    /// A scheduled job's name in the page's language.
    pub fn job_name(&self, job: &str) -> String {
        self.message_or(&format!("job-name-{job}"), job)
    }

    /// A job run's status (`running`, `done`, `failed`) in the page's language.
    pub fn job_status(&self, status: &str) -> String {
        self.message_or(&format!("job-status-{status}"), status)
    }

    /// What a job run did (`job_runs.detail`) in the page's language; older plain text as it is.
    pub fn job_detail(&self, stored: &str) -> String {
        crate::jobs::detail_text(self.locale, stored)
    }

    /// The message `key`, or `raw` as it is when there is none.
    fn message_or(&self, key: &str, raw: &str) -> String {
        if self.locale.has(key) {
            self.t(key)
        } else {
            raw.to_string()
        }
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
            unread: ext.get::<UnreadNotices>().map_or(0, |u| u.0),
            posted: {
                drop(ext);
                Posted::of(req)
            },
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
        let posted = Posted::of(req);
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
            if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) {
                posted.set(
                    pairs
                        .into_iter()
                        .filter(|(k, _)| k != "csrf_token")
                        .collect(),
                );
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

/// The one reader of a `next` (after sign-in, a language switch): only a path of this site is
/// followed; anything else answers "/". Refused: no leading `/`, a second `/` or a `\` at any
/// place (browsers read `/\\host` as `//host`), any control character (browsers drop tabs and
/// line breaks, so `/\t/host` is `//host` to them; CR/LF or DEL cannot go into a header). What
/// is kept is percent-encoded where it is not plain visible ASCII, so it is a valid Location.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            let mut out = String::with_capacity(n.len());
            for c in n.chars() {
                if c.is_ascii_graphic() {
                    out.push(c);
                } else {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("%{b:02X}"));
                    }
                }
            }
            out
        }
        _ => "/".to_string(),
    }
}

/// Field messages for a form, translated.
pub fn field_messages(errors: &FieldErrors, locale: Locale) -> BTreeMap<String, String> {
    errors.messages(locale)
}

/// The errors of a refused page form: a message about the whole form, and each field's
/// message under the field's name as the form posts it (`tax_rate`, not the API's
/// `terms.tax_rate`), with the field's label in the page's language for the error summary.
///
/// Templates show them with `templates/_form.html`: `{% call form::summary(ctx, errors, "") %}`
/// at the top of the form (a list of links to the fields), and on each field
/// `{{ errors.aria("", "name")|safe }}` (`aria-invalid`, `aria-describedby`) and
/// `{{ errors.beside("", "name")|safe }}` (the message, with its id). The first argument is
/// the prefix of the form's field ids (`id="{prefix}{name}"`) for pages with several forms.
#[derive(Debug, Default)]
pub struct FormErrors {
    /// Messages by field name.
    pub fields: BTreeMap<String, String>,
    /// A message about the whole form.
    pub form: Option<String>,
    /// Each field's label (`form-field-<name>`), in the order of `fields`.
    pub labels: BTreeMap<String, String>,
    /// The names the errors came with (`terms.tax_rate`), by field name.
    pub keys: BTreeMap<String, String>,
    /// Set when a summary showed them: a page shows them once more at its end when the form
    /// they belong to is not on the page any more (`ux::unshown` in `_form.html`).
    pub shown: std::sync::atomic::AtomicBool,
}

impl Clone for FormErrors {
    fn clone(&self) -> Self {
        FormErrors {
            fields: self.fields.clone(),
            form: self.form.clone(),
            labels: self.labels.clone(),
            keys: self.keys.clone(),
            shown: std::sync::atomic::AtomicBool::new(self.shown()),
        }
    }
}

/// No errors: what a page with several forms shows on the forms that were not posted.
pub static NO_ERRORS: FormErrors = FormErrors {
    fields: BTreeMap::new(),
    form: None,
    labels: BTreeMap::new(),
    keys: BTreeMap::new(),
    shown: std::sync::atomic::AtomicBool::new(false),
};

/// One line of the error summary: a link to the field, its label and what is wrong.
pub struct SummaryItem {
    pub key: String,
    pub href: String,
    pub label: String,
    pub message: String,
}

/// The name a form posts for an error's field: the last part of a dotted API name
/// (`terms.tax_rate` → `tax_rate`); list entries keep their index (`lines[2].quantity`,
/// `lines.2.quantity` → `lines_2_quantity`).
pub fn field_name(key: &str) -> String {
    let indexed = key.contains('[') || key.split('.').any(|p| p.parse::<u64>().is_ok());
    if indexed {
        key.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
            .split('_')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("_")
    } else {
        key.rsplit('.').next().unwrap_or(key).to_string()
    }
}

/// A field's label: `form-field-<name>`, for a per-row field (`qty_2`, `reason_17`) the label
/// of its name without the number; a name without a label reads as "this field", never a key.
pub fn field_label(name: &str, locale: Locale) -> String {
    let base: Vec<&str> = name
        .split('_')
        .filter(|p| p.parse::<u64>().is_err())
        .collect();
    [
        name.to_string(),
        base.join("_"),
        base.last().map(|b| b.to_string()).unwrap_or_default(),
    ]
    .iter()
    .map(|c| format!("form-field-{c}"))
    .find(|k| locale.has(k))
    .map(|k| locale.t(&k))
    .unwrap_or_else(|| locale.t("form-field-fallback"))
}

/// `s` made safe inside HTML or SVG text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl FormErrors {
    pub fn from_error(e: &AppError, locale: Locale) -> Self {
        match e {
            AppError::Validation(f) => {
                let mut out = Self {
                    form: Some(e.message(locale)),
                    ..Self::default()
                };
                for (key, message) in f.messages(locale) {
                    let name = field_name(&key);
                    if out.fields.contains_key(&name) {
                        continue;
                    }
                    out.labels.insert(name.clone(), field_label(&name, locale));
                    out.keys.insert(name.clone(), key);
                    out.fields.insert(name, message);
                }
                out
            }
            other => Self {
                form: Some(other.message(locale)),
                ..Self::default()
            },
        }
    }

    pub fn get(&self, field: &str) -> String {
        self.fields.get(field).cloned().unwrap_or_default()
    }

    pub fn has(&self, field: &str) -> bool {
        self.fields.contains_key(field)
    }

    /// Notes that a summary showed these errors (answers nothing to print).
    pub fn mark_shown(&self) -> &'static str {
        if self.any() {
            self.shown.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        ""
    }

    pub fn shown(&self) -> bool {
        self.shown.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// True when the form was refused.
    pub fn any(&self) -> bool {
        self.form.is_some() || !self.fields.is_empty()
    }

    /// The summary's lines, each linking to `#{prefix}{name}`.
    pub fn items(&self, prefix: &str) -> Vec<SummaryItem> {
        self.fields
            .iter()
            .map(|(name, message)| SummaryItem {
                key: self.keys.get(name).cloned().unwrap_or_else(|| name.clone()),
                href: format!("#{prefix}{name}"),
                label: self
                    .labels
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| name.clone()),
                message: message.clone(),
            })
            .collect()
    }

    /// The attributes of a field in error: ` aria-invalid="true" aria-describedby="…"`.
    pub fn aria(&self, prefix: &str, name: &str) -> String {
        if self.has(name) {
            format!(
                " aria-invalid=\"true\" aria-describedby=\"{}\"",
                escape(&format!("{prefix}{name}-error"))
            )
        } else {
            String::new()
        }
    }

    /// The field's message, to put right after it (its id is the one `aria` names).
    pub fn beside(&self, prefix: &str, name: &str) -> String {
        match self.fields.get(name) {
            Some(m) => format!(
                "<span class=\"field-error\" id=\"{}\">{}</span>",
                escape(&format!("{prefix}{name}-error")),
                escape(m)
            ),
            None => String::new(),
        }
    }
}

/// A page form's fields by name, as `CsrfForm<Form>` reads them.
pub type Form = HashMap<String, String>;

/// A form field, trimmed; empty when the form lacks it.
pub fn field(f: &Form, k: &str) -> String {
    f.get(k).map(|v| v.trim().to_string()).unwrap_or_default()
}

/// A choice the form posts, e.g. the `decision` of the button pressed: one of `allowed`, or
/// the field's `required` error (missing) or `invalid` error (anything else). Never a default:
/// a form posted without its decision must not reject, fail or approve anything.
pub fn choice_field<'a>(f: &Form, k: &str, allowed: &[&'a str]) -> Result<&'a str, AppError> {
    let v = field(f, k);
    if v.is_empty() {
        return Err(AppError::field(k, RuleCode::Required));
    }
    allowed
        .iter()
        .find(|a| **a == v)
        .copied()
        .ok_or_else(|| AppError::field(k, RuleCode::Invalid))
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

/// A list's pages for a page that shows one slice of rows it read whole: templates render it
/// with `templates/_pager.html` (`{% let pager = self.pager() %}{% include "_pager.html" %}`).
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: u64,
    pub pages: u64,
    /// The list's address with its filters, without `page` (`/lots?flagged=true`).
    pub base: String,
}

impl Pager {
    /// Rows per page: about twenty fit in three phone screens.
    pub const SIZE: usize = 20;

    pub fn new(page: u64, total: usize, base: impl Into<String>) -> Self {
        let pages = (total.div_ceil(Self::SIZE) as u64).max(1);
        Pager {
            page: page.clamp(1, pages),
            pages,
            base: base.into(),
        }
    }

    /// This page's rows of `rows`.
    pub fn slice<T>(&self, rows: Vec<T>) -> Vec<T> {
        let start = (self.page as usize - 1) * Self::SIZE;
        rows.into_iter().skip(start).take(Self::SIZE).collect()
    }

    pub fn link(&self, page: u64) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{sep}page={page}", self.base)
    }

    /// "Page 2 of 5" in the page's language.
    pub fn position(&self, ctx: &PageCtx) -> String {
        ctx.ta(
            "ux-page-of",
            &[
                ("page", self.page.to_string()),
                ("pages", self.pages.to_string()),
            ],
        )
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages
    }

    pub fn prev(&self) -> u64 {
        self.page.saturating_sub(1).max(1)
    }

    pub fn next(&self) -> u64 {
        (self.page + 1).min(self.pages)
    }
}

/// The pages a form posts to when the form's own path has no page: a GET there (a reload, the
/// language switcher after a refused form) goes to the page that holds the form instead of
/// answering 404. `{id}`, `{listing_id}` and `{month}` are taken from the path.
const FORM_PAGES: &[(&str, &str)] = &[
    ("/account/locale", "/account"),
    ("/account/password", "/account"),
    ("/account/sign-out-everywhere", "/account"),
    ("/admin/jobs/run", "/admin/jobs"),
    ("/categories/new", "/materials"),
    ("/contract-items/{id}/adopt-price", "/contracts"),
    ("/contracts/{id}/signoffs", "/contracts/{id}"),
    ("/contracts/{id}/submit", "/contracts/{id}"),
    ("/deliveries/lines/{id}/failure", "/deliveries"),
    ("/deliveries/{id}/inspect", "/deliveries"),
    ("/failures/{id}/decision", "/suppliers"),
    ("/funds-plans/{month}/decision", "/funds-plans/{month}"),
    ("/funds-plans/{month}/lines", "/funds-plans/{month}"),
    ("/funds-plans/{month}/lines/{id}", "/funds-plans/{month}"),
    (
        "/funds-plans/{month}/lines/{id}/delete",
        "/funds-plans/{month}",
    ),
    ("/funds-plans/{month}/payments", "/funds-plans/{month}"),
    ("/funds-plans/{month}/submit", "/funds-plans/{month}"),
    ("/logout", "/"),
    ("/lots/{id}/exchange", "/lots"),
    ("/lots/{id}/return", "/lots"),
    ("/material-proposals/{id}", "/materials"),
    ("/materials/new", "/materials"),
    ("/my/application", "/my/supplier"),
    ("/my/application/submit", "/my/supplier"),
    ("/my/deliveries", "/my/listings"),
    ("/my/documents", "/my/supplier"),
    ("/my/failures/{id}/response", "/my/supplier"),
    ("/my/listings/{id}/price", "/my/listings"),
    ("/my/lots/{id}/answer", "/my/lots"),
    ("/organisation/sites", "/organisation"),
    ("/organisation/warehouses", "/organisation"),
    ("/plan-lines/{id}", "/plan-lines/{id}/edit"),
    ("/plan-lines/{id}/choice", "/plan-lines/{id}/quotes"),
    (
        "/plan-lines/{id}/choice/decision",
        "/plan-lines/{id}/quotes",
    ),
    ("/plan-lines/{id}/delete", "/plan-lines/{id}/edit"),
    ("/notices/preferences", "/account"),
    ("/notices/read-all", "/notices"),
    ("/plans/{id}/decision", "/plans/{id}"),
    ("/plans/{id}/lines", "/plans/{id}"),
    ("/plans/{id}/submit", "/plans/{id}"),
    ("/price-changes/{id}", "/price-changes"),
    ("/prices/candidates/{listing_id}", "/prices/candidates"),
    ("/requisition-lines/{id}/return", "/requisitions"),
    ("/requisitions/{id}/approve", "/requisitions"),
    ("/requisitions/{id}/cancel", "/requisitions"),
    ("/requisitions/{id}/issue", "/requisitions"),
    ("/statements/close", "/statements"),
    ("/statements/{id}/step", "/statements/{id}"),
    ("/stock-counts/new", "/stock-counts"),
    ("/stock-counts/{id}/decision", "/stock-counts"),
    ("/suppliers/{id}/admission", "/suppliers/{id}"),
    ("/suppliers/{id}/failures", "/suppliers/{id}"),
    ("/suppliers/{id}/re-review", "/suppliers/{id}"),
    ("/suppliers/{id}/reinstatement", "/suppliers/{id}"),
    ("/suppliers/{id}/review", "/suppliers/{id}"),
    ("/suppliers/{id}/suspension", "/suppliers/{id}"),
    ("/tenders/{id}/bid/withdraw", "/tenders/{id}/bid"),
    ("/tenders/{id}/committee", "/tenders/{id}"),
    ("/tenders/{id}/decision", "/tenders/{id}"),
    ("/tenders/{id}/documents", "/tenders/{id}"),
    ("/tenders/{id}/evaluate", "/tenders/{id}"),
    ("/tenders/{id}/open", "/tenders/{id}"),
    ("/tenders/{id}/publish", "/tenders/{id}"),
    ("/tenders/{id}/reissue", "/tenders/{id}"),
    ("/tenders/{id}/scores", "/tenders/{id}"),
    ("/supplier-documents/{id}/decision", "/suppliers"),
];

/// A GET for each entry of [`FORM_PAGES`]: 303 to the form's page. Guarded at the resource,
/// so a POST to the same path goes on to its handler.
pub fn form_pages(cfg: &mut web::ServiceConfig) {
    for (path, page) in FORM_PAGES {
        cfg.service(web::resource(*path).guard(actix_web::guard::Get()).to(
            move |req: HttpRequest| {
                let mut to = page.to_string();
                for name in ["id", "listing_id", "month"] {
                    if let Some(v) = req.match_info().get(name) {
                        to = to.replace(&format!("{{{name}}}"), &urlencoding::encode(v));
                    }
                }
                std::future::ready(redirect(&to))
            },
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_unknown_choice_is_refused_never_defaulted() {
        let form = |v: &str| Form::from([("decision".to_string(), v.to_string())]);
        let allowed = ["approve", "reject"];
        assert_eq!(
            choice_field(&form(" reject "), "decision", &allowed).ok(),
            Some("reject")
        );
        let code = |f: &Form| match choice_field(f, "decision", &allowed) {
            Err(AppError::Validation(e)) => e.0.get("decision").map(|f| f.code),
            _ => None,
        };
        assert_eq!(code(&Form::new()), Some(RuleCode::Required));
        assert_eq!(code(&form("")), Some(RuleCode::Required));
        assert_eq!(code(&form("maybe")), Some(RuleCode::Invalid));
    }

    #[test]
    fn an_api_field_name_becomes_the_name_the_form_posts() {
        assert_eq!(field_name("terms.tax_rate"), "tax_rate");
        assert_eq!(field_name("max_stock"), "max_stock");
        assert_eq!(field_name("lines[2].quantity"), "lines_2_quantity");
        assert_eq!(field_name("lines.0.certificate"), "lines_0_certificate");
    }

    #[test]
    fn a_field_error_names_the_field_in_the_page_language() {
        let mut f = FieldErrors::new();
        f.add("terms.tax_rate", RuleCode::NotANumber);
        f.add("qty_1", RuleCode::Required);
        let e = FormErrors::from_error(&AppError::Validation(f), Locale::En);
        let items = e.items("adm-");
        assert_eq!(items.len(), 2);
        let tax = items.iter().find(|i| i.key == "terms.tax_rate");
        assert!(tax.is_some_and(|i| i.href == "#adm-tax_rate"
            && i.label == Locale::En.t("form-field-tax_rate")
            && !i.label.contains("tax_rate")));
        let qty = items.iter().find(|i| i.key == "qty_1");
        assert!(qty.is_some_and(|i| i.label == Locale::En.t("form-field-qty")));
        assert!(e.aria("adm-", "tax_rate").contains("aria-invalid=\"true\""));
        assert!(e.aria("adm-", "cutoff_day").is_empty());
        assert!(
            e.beside("adm-", "tax_rate")
                .contains("id=\"adm-tax_rate-error\"")
        );
    }

    #[test]
    fn a_message_beside_a_field_is_escaped() {
        let mut e = FormErrors::default();
        e.fields.insert("x".into(), "<b>".into());
        assert!(e.beside("", "x").contains("&lt;b&gt;"));
    }

    #[test]
    fn a_pager_keeps_its_page_within_the_list() {
        let p = Pager::new(9, 45, "/lots?flagged=true");
        assert_eq!((p.page, p.pages), (3, 3));
        assert_eq!(
            p.slice((0..45).collect::<Vec<_>>()),
            (40..45).collect::<Vec<_>>()
        );
        assert_eq!(p.link(2), "/lots?flagged=true&page=2");
        assert!(!p.has_next() && p.has_prev());
        assert_eq!(Pager::new(1, 0, "/lots").pages, 1);
    }

    /// Every page form's POST path answers a GET too (its own page, or a redirect to the
    /// form's page from [`FORM_PAGES`]), so a reload or a language switch after a refused
    /// form never meets a 404; and no entry outlives its route.
    #[test]
    fn every_page_post_path_has_a_get() {
        fn routes(dir: &std::path::Path, method: &str, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    routes(&path, method, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let marker = format!("#[{method}(\"");
                    for (at, _) in text.match_indices(&marker) {
                        let rest = &text[at + marker.len()..];
                        let route = rest.split('"').next().unwrap_or_default();
                        if !route.starts_with("/api/") {
                            found.push(route.to_string());
                        }
                    }
                }
            }
        }
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let (mut posts, mut gets) = (Vec::new(), Vec::new());
        routes(&src, "post", &mut posts);
        routes(&src, "get", &mut gets);
        assert!(
            posts.len() > 50,
            "too few POST routes found: {}",
            posts.len()
        );
        let redirected: Vec<&str> = FORM_PAGES.iter().map(|(p, _)| *p).collect();
        let missing: Vec<&String> = posts
            .iter()
            .filter(|p| !gets.contains(p) && !redirected.contains(&p.as_str()))
            .collect();
        assert!(missing.is_empty(), "POST paths without a GET: {missing:?}");
        let stale: Vec<&&str> = redirected
            .iter()
            .filter(|p| !posts.iter().any(|q| q == *p))
            .collect();
        assert!(
            stale.is_empty(),
            "FORM_PAGES entries without a POST route: {stale:?}"
        );
    }

    #[test]
    fn every_form_page_is_a_local_path() {
        for (path, page) in FORM_PAGES {
            assert!(path.starts_with('/') && page.starts_with('/'), "{path}");
        }
    }

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
        // Browsers drop tabs and line breaks: "/\t/evil.example" is "//evil.example" to them.
        for control in ["\t", "\n", "\r", "\r\n", "\u{1}", "\u{7f}", "\0", "\u{85}"] {
            assert_eq!(safe_next(Some(&format!("/{control}/evil.example"))), "/");
            assert_eq!(safe_next(Some(&format!("/a{control}b"))), "/");
        }
        assert_eq!(safe_next(Some("/a\\b")), "/");
        assert_eq!(safe_next(Some("")), "/");
        assert_eq!(safe_next(Some("evil.example")), "/");
        // Kept, and encoded where a header needs it.
        assert_eq!(safe_next(Some("/search?q=a b")), "/search?q=a%20b");
        assert_eq!(safe_next(Some("/catalogue?q=钢")), "/catalogue?q=%E9%92%A2");
        assert_eq!(safe_next(Some("/a/b?c=%2F")), "/a/b?c=%2F");
    }
}

#[cfg(test)]
mod name_tests {
    use crate::i18n::Locale;

    #[test]
    fn every_job_and_run_status_has_a_name_in_both_languages() {
        let keys = crate::jobs::Job::ALL
            .iter()
            .map(|j| format!("job-name-{}", j.name()))
            .chain(
                ["running", "done", "failed"]
                    .iter()
                    .map(|s| format!("job-status-{s}")),
            );
        let missing: Vec<String> = keys
            .flat_map(|k| Locale::ALL.map(|l| (l, k.clone())))
            .filter(|(l, k)| !l.has(k))
            .map(|(l, k)| format!("{}: {k}", l.tag()))
            .collect();
        assert!(missing.is_empty(), "jobs without a name: {missing:?}");
    }
}
