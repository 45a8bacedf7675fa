//! Accounts and sign-in: argon2 passwords, short-lived JWTs (a bearer header for the API,
//! an HttpOnly cookie for pages) that a per-user token version ends (`sessions`) and that
//! renewal never stretches past `session_max_hours`, attempts reserved with the throttle
//! before the password is checked, and the one role guard.

pub mod act;
pub mod api;
pub mod four_eyes;
pub mod pages;
pub mod password;
pub mod reset;
pub mod roles;
pub mod routes;
pub mod service;
pub mod sessions;
pub mod throttle;
pub mod token;

use crate::error::{AppError, AppResult};
pub use act::Act;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};
use entity::SupplierId;
pub use roles::{Capability, Role};
use serde::Serialize;
use std::future::{Ready, ready};

pub const TOKEN_COOKIE: &str = "portal_token";

/// The signed-in user, as loaded for this request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub supplier_id: Option<SupplierId>,
    pub site_id: Option<i64>,
}

impl CurrentUser {
    /// The supplier a supplier user acts for; `Forbidden` for anyone else (the scope of a
    /// supplier's own listings, deliveries, lots and documents).
    pub fn own_supplier(&self) -> AppResult<SupplierId> {
        match (self.role, self.supplier_id) {
            (Role::Supplier, Some(id)) => Ok(id),
            _ => Err(AppError::Forbidden),
        }
    }

    /// The role guard: `Forbidden` unless the user's role has `cap`.
    pub fn require(&self, cap: Capability) -> AppResult<()> {
        if self.role.can(cap) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn actor(&self) -> crate::audit::Actor {
        crate::audit::Actor {
            id: Some(self.id),
            label: self.email.clone(),
        }
    }

    pub fn from_model(u: &entity::user::Model) -> Option<Self> {
        Some(Self {
            id: u.id,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: Role::parse(&u.role)?,
            supplier_id: u.supplier_id,
            site_id: u.site_id,
        })
    }
}

/// What the session middleware found out about the caller.
#[derive(Debug, Clone)]
pub enum Auth {
    User(CurrentUser),
    Anonymous,
    Refused(AuthRefusal),
}

#[derive(Debug, Clone, Copy)]
pub enum AuthRefusal {
    Invalid,
    Expired,
    /// The user could not be looked up (the database is away).
    Unavailable,
}

/// Extracting a `CurrentUser` refuses the request with 401 when nobody is signed in.
impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.extensions().get::<Auth>() {
            Some(Auth::User(u)) => Ok(u.clone()),
            Some(Auth::Refused(AuthRefusal::Expired)) => Err(AppError::TokenExpired),
            Some(Auth::Refused(AuthRefusal::Invalid)) => Err(AppError::TokenInvalid),
            Some(Auth::Refused(AuthRefusal::Unavailable)) => Err(AppError::Unavailable),
            _ => Err(AppError::Unauthenticated),
        })
    }
}
