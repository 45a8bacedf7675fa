//! Browser hardening, for every response: a strict Content-Security-Policy (no inline script
//! or style: the pages load `/static/app.js` and `/static/app.css`), no framing, no MIME
//! sniffing, no referrer to other sites; over https, HSTS and `Secure` on every cookie, decided
//! by the base URL (`https://…`) or `secure_cookies`, so that nobody has to remember a flag.
//! HEAD is answered wherever GET is: the request is routed as a GET, and the HTTP layer sends
//! the headers without the body.

use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

/// What the pages may load: only this origin; images may also be inline `data:` (charts).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// HSTS for a year, once the portal is reached over https.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// The fixed headers of every response, each set unless the handler set its own.
fn fixed(https: bool) -> Vec<(HeaderName, &'static str)> {
    let mut v = vec![
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ),
    ];
    if https {
        v.push((header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT_SECURITY));
    }
    v
}

/// Adds `Secure` to a `Set-Cookie` value; `None` when it does not parse as a cookie (left as
/// it is).
fn secured(set_cookie: &str) -> Option<String> {
    let mut c = Cookie::parse(set_cookie.to_string()).ok()?;
    if c.secure() == Some(true) {
        return None;
    }
    c.set_secure(true);
    Some(c.to_string())
}

/// The middleware: HEAD routed as GET, then the headers above on the response.
pub async fn harden(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        // actix-http remembers that the request was a HEAD and sends no body.
        req.head_mut().method = Method::GET;
    }
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.config.https());
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    for (name, value) in fixed(https) {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if https {
        let cookies: Vec<HeaderValue> = headers.get_all(header::SET_COOKIE).cloned().collect();
        if !cookies.is_empty() {
            headers.remove(header::SET_COOKIE);
            for v in cookies {
                let secure = v
                    .to_str()
                    .ok()
                    .and_then(secured)
                    .and_then(|s| HeaderValue::from_str(&s).ok());
                headers.append(header::SET_COOKIE, secure.unwrap_or(v));
            }
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_read_from_the_base_url_or_the_flag() {
        let mut c = crate::config::Config::default();
        assert!(!c.https());
        c.base_url = "HTTPS://portal.example.cn".into();
        assert!(c.https());
        c.base_url = "http://portal.example.cn".into();
        assert!(!c.https());
        c.secure_cookies = true;
        assert!(c.https());
    }

    #[test]
    fn hsts_only_over_https() {
        let has = |https| {
            fixed(https)
                .iter()
                .any(|(n, _)| *n == header::STRICT_TRANSPORT_SECURITY)
        };
        assert!(has(true));
        assert!(!has(false));
    }

    #[test]
    fn a_cookie_gains_secure_and_keeps_the_rest() {
        let s = secured("portal_token=abc; HttpOnly; SameSite=Lax; Path=/; Max-Age=60").unwrap();
        assert!(s.contains("Secure"), "{s}");
        assert!(s.contains("HttpOnly") && s.contains("SameSite=Lax") && s.contains("Max-Age=60"));
        assert!(s.starts_with("portal_token=abc"));
        assert_eq!(secured("a=b; Secure"), None);
    }

    #[test]
    fn the_policy_allows_no_inline_script_or_framing() {
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-eval"));
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    }
}
