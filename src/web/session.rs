//! The middleware every request passes: it works out the language, the signed-in user
//! (bearer token for `/api`, cookie for pages), the CSRF token and flash messages, and on
//! the way out renders errors in the caller's language — JSON for the API, a friendly page
//! (or the sign-in page, for 401) for browsers.

use super::page::{CSRF_COOKIE, CsrfToken, FLASH_COOKIE, Flash, IncomingFlash, PageCtx};
use crate::auth::{Auth, AuthRefusal, TOKEN_COOKIE, service};
use crate::error::AppError;
use crate::i18n::{LANG_COOKIE, Locale};
use crate::state::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

fn sign(key: &[u8], nonce: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(nonce.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A CSRF token is a random nonce and its HMAC, so a cookie planted by someone else is refused.
fn csrf_valid(key: &[u8], token: &str) -> bool {
    token
        .split_once('.')
        .is_some_and(|(nonce, mac)| nonce.len() == 32 && sign(key, nonce) == mac)
}

fn new_csrf(key: &[u8]) -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    let nonce = hex::encode(bytes);
    format!("{nonce}.{}", sign(key, &nonce))
}

pub fn token_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build(TOKEN_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(state.keys.lifetime.num_seconds()))
        .finish()
}

pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut c = Cookie::build(name, "").path("/").finish();
    c.make_removal();
    c
}

pub async fn session(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let path = req.path().to_string();
    let is_api = path.starts_with("/api/");
    if !is_api {
        // Pages name units in their language from a copy of the units table.
        crate::money::units::refresh_if_stale(&state.db.read).await;
    }
    let locale = Locale::negotiate(
        req.cookie(LANG_COOKIE).as_ref().map(|c| c.value()),
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );

    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_string());
    let cookie_token = if is_api {
        None
    } else {
        req.cookie(TOKEN_COOKIE).map(|c| c.value().to_string())
    };
    let mut renew: Option<String> = None;
    let mut clear_token = false;
    let mut session: Option<String> = None;
    let auth = match (bearer, cookie_token) {
        (Some(t), _) => match service::resolve(&state, &t).await {
            Ok((u, claims)) => {
                session = Some(claims.sid);
                Auth::User(u)
            }
            Err(AppError::TokenExpired) => Auth::Refused(AuthRefusal::Expired),
            Err(AppError::TokenInvalid) => Auth::Refused(AuthRefusal::Invalid),
            Err(_) => Auth::Refused(AuthRefusal::Unavailable),
        },
        (None, Some(t)) => match service::resolve(&state, &t).await {
            Ok((u, claims)) => {
                if state.keys.wants_renewal(&claims, state.now()) {
                    renew = service::renew(&state, &u, &claims).ok();
                }
                session = Some(claims.sid);
                Auth::User(u)
            }
            Err(AppError::TokenExpired | AppError::TokenInvalid) => {
                clear_token = true;
                Auth::Anonymous
            }
            Err(_) => Auth::Refused(AuthRefusal::Unavailable),
        },
        (None, None) => Auth::Anonymous,
    };

    let existing_csrf = req
        .cookie(CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|t| csrf_valid(&state.csrf_key, t));
    let new_csrf_value = if existing_csrf.is_none() && !is_api {
        Some(new_csrf(&state.csrf_key))
    } else {
        None
    };
    let csrf = existing_csrf
        .or_else(|| new_csrf_value.clone())
        .unwrap_or_default();

    let flash = req
        .cookie(FLASH_COOKIE)
        .and_then(|c| {
            c.value().split_once(':').map(|(l, k)| Flash {
                level: l.to_string(),
                key: k.to_string(),
            })
        })
        .filter(|f| matches!(f.level.as_str(), "success" | "info" | "error") && locale.has(&f.key));
    let had_flash_cookie = req.cookie(FLASH_COOKIE).is_some();
    let method = req.method().clone();
    let query = req.query_string().to_string();

    {
        let mut ext = req.extensions_mut();
        ext.insert(locale);
        ext.insert(auth.clone());
        if let Some(sid) = session {
            ext.insert(crate::auth::sessions::SessionOf(sid));
        }
        ext.insert(CsrfToken(csrf.clone()));
        ext.insert(IncomingFlash(flash.into_iter().collect()));
    }

    let res = next.call(req).await?.map_into_boxed_body();
    let app_error = res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
        .map(|e| (e.code(), e.status(), e.body(locale), e.message(locale)));
    let status = res.status();
    if app_error
        .as_ref()
        .is_some_and(|(code, ..)| *code == AppError::StorageFull.code())
    {
        state.db.storage.full();
    } else if !matches!(method, Method::GET | Method::HEAD)
        && (status.is_success() || status.is_redirection())
    {
        state.db.storage.written();
    }

    let mut res = if let Some((code, status, body, message)) = app_error {
        if is_api {
            let (req, old) = res.into_parts();
            let mut fresh = HttpResponse::build(status);
            if let Some(v) = old.headers().get(header::RETRY_AFTER) {
                fresh.insert_header((header::RETRY_AFTER, v.clone()));
            }
            ServiceResponse::new(req, fresh.json(body))
        } else if status == StatusCode::UNAUTHORIZED && code != "bad_credentials" {
            let next_path = if method == Method::GET {
                if query.is_empty() {
                    path.clone()
                } else {
                    format!("{path}?{query}")
                }
            } else {
                "/".to_string()
            };
            let (req, _) = res.into_parts();
            let to = format!("/login?next={}", urlencoding::encode(&next_path));
            ServiceResponse::new(req, super::page::redirect(&to))
        } else {
            let ctx = PageCtx {
                locale,
                user: match &auth {
                    Auth::User(u) => Some(u.clone()),
                    _ => None,
                },
                csrf: csrf.clone(),
                path: path.clone(),
                query: query.clone(),
                flashes: Vec::new(),
                tz: state.tz(),
                posted: Default::default(),
                unread: 0,
            };
            let (req, _) = res.into_parts();
            ServiceResponse::new(req, super::errors::error_page(ctx, status, message))
        }
    } else {
        res
    };

    let headers = res.response_mut();
    if let Some(v) = new_csrf_value {
        let c = Cookie::build(CSRF_COOKIE, v)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .finish();
        let _ = headers.add_cookie(&c);
    }
    if let Some(t) = renew {
        let _ = headers.add_cookie(&token_cookie(&state, t));
    }
    if clear_token {
        let _ = headers.add_cookie(&removal(TOKEN_COOKIE));
    }
    let sets_flash = headers
        .headers()
        .get_all(header::SET_COOKIE)
        .any(|v| v.to_str().is_ok_and(|s| s.starts_with(FLASH_COOKIE)));
    if had_flash_cookie && !sets_flash && !status.is_redirection() {
        let _ = headers.add_cookie(&removal(FLASH_COOKIE));
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csrf_token_from_another_key_is_refused() {
        let t = new_csrf(b"key one");
        assert!(csrf_valid(b"key one", &t));
        assert!(!csrf_valid(b"key two", &t));
        assert!(!csrf_valid(b"key one", "abc.def"));
    }
}
