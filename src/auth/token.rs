//! Short-lived sign-in tokens (JWT, HS256). Expiry is checked against the injected clock.
//! A token also carries its user's token version (a token behind the user's is refused) and
//! the instant its session signed in, which renewal keeps, so a session in use still ends
//! `session_max_hours` after its sign-in (see [`session_over`]).

use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

const ISSUER: &str = "materials-portal";

#[derive(Debug, Serialize, Deserialize, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    pub role: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    /// The user's token version when it was issued (`users.token_version`).
    #[serde(default)]
    pub ver: i32,
    /// When the session signed in with a password (seconds); renewed tokens keep it. Absent in
    /// tokens issued before it was added: their `iat` counts instead.
    #[serde(default)]
    pub auth: i64,
    /// The session (one sign-in) the token belongs to; renewed tokens keep it, and signing
    /// out ends it alone. Empty in tokens issued before it was added.
    #[serde(default)]
    pub sid: String,
}

/// A new session's id: random, so that nobody can name another's session.
pub fn new_session_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Claims {
    /// The instant the session signed in with a password.
    pub fn signed_in_at(&self) -> i64 {
        if self.auth > 0 { self.auth } else { self.iat }
    }
}

/// Whether a session that signed in at `signed_in_at` (seconds) is over at `now`, however
/// often it was renewed: it lasts at most `max_hours`.
pub fn session_over(signed_in_at: i64, max_hours: i64, now: DateTime<Utc>) -> bool {
    now.timestamp() - signed_in_at >= max_hours * 3600
}

#[derive(Clone)]
pub struct TokenKeys {
    enc: EncodingKey,
    dec: DecodingKey,
    pub lifetime: chrono::Duration,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    pub fn new(secret: &[u8], lifetime: chrono::Duration) -> Self {
        Self {
            enc: EncodingKey::from_secret(secret),
            dec: DecodingKey::from_secret(secret),
            lifetime,
        }
    }

    /// A token of a new session that signs in `now`, under token version 0.
    pub fn issue(&self, user_id: i64, role: &str, now: DateTime<Utc>) -> AppResult<String> {
        self.issue_for(user_id, role, 0, &new_session_id(), now.timestamp(), now)
    }

    /// A token issued `now` for the session `sid` that signed in at `signed_in_at` (seconds),
    /// under the user's token version `ver`.
    pub fn issue_for(
        &self,
        user_id: i64,
        role: &str,
        ver: i32,
        sid: &str,
        signed_in_at: i64,
        now: DateTime<Utc>,
    ) -> AppResult<String> {
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_string(),
            iat: now.timestamp(),
            exp: (now + self.lifetime).timestamp(),
            iss: ISSUER.into(),
            ver,
            auth: signed_in_at,
            sid: sid.to_string(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.enc)
            .map_err(|e| AppError::Internal(e.to_string()))
    }

    /// The claims of a well-signed token that has not expired at `now`.
    pub fn check(&self, token: &str, now: DateTime<Utc>) -> AppResult<Claims> {
        let mut v = Validation::new(Algorithm::HS256);
        v.validate_exp = false;
        v.set_issuer(&[ISSUER]);
        v.set_required_spec_claims(&["exp", "iss", "sub"]);
        let data = decode::<Claims>(token, &self.dec, &v).map_err(|_| AppError::TokenInvalid)?;
        if data.claims.exp <= now.timestamp() {
            return Err(AppError::TokenExpired);
        }
        Ok(data.claims)
    }

    /// True when less than half of the token's life is left: time to hand out a fresh one.
    pub fn wants_renewal(&self, claims: &Claims, now: DateTime<Utc>) -> bool {
        claims.exp - now.timestamp() < self.lifetime.num_seconds() / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"0123456789abcdef0123456789abcdef", Duration::minutes(30))
    }

    #[test]
    fn a_token_is_good_until_it_expires() {
        let now = Utc::now();
        let t = keys().issue(7, "admin", now).unwrap_or_default();
        assert_eq!(
            keys()
                .check(&t, now + Duration::minutes(29))
                .map(|c| c.sub)
                .ok(),
            Some("7".into())
        );
        assert!(matches!(
            keys().check(&t, now + Duration::minutes(30)),
            Err(AppError::TokenExpired)
        ));
    }

    #[test]
    fn a_renewed_session_still_ends_its_hours_after_signing_in() {
        let signed_in = Utc::now();
        let k = keys();
        let first = k
            .check(
                &k.issue_for(7, "admin", 3, "s1", signed_in.timestamp(), signed_in)
                    .unwrap_or_default(),
                signed_in,
            )
            .ok();
        assert_eq!(first.as_ref().map(|c| c.ver), Some(3));
        let later = signed_in + Duration::hours(11);
        let renewed = k
            .check(
                &k.issue_for(7, "admin", 3, "s1", signed_in.timestamp(), later)
                    .unwrap_or_default(),
                later,
            )
            .ok();
        let at = renewed.map(|c| c.signed_in_at()).unwrap_or_default();
        assert_eq!(at, signed_in.timestamp(), "renewal keeps the sign-in time");
        assert!(!session_over(at, 12, signed_in + Duration::minutes(719)));
        assert!(session_over(at, 12, signed_in + Duration::hours(12)));
    }

    #[test]
    fn a_token_signed_with_another_key_or_altered_is_refused() {
        let now = Utc::now();
        let other = TokenKeys::new(b"another secret of thirty-two b.", Duration::minutes(30));
        let t = other.issue(7, "admin", now).unwrap_or_default();
        assert!(matches!(keys().check(&t, now), Err(AppError::TokenInvalid)));
        let good = keys().issue(7, "supplier", now).unwrap_or_default();
        let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
        parts[1] = parts[1].replace('A', "B");
        assert!(keys().check(&parts.join("."), now).is_err());
    }
}
