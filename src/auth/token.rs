//! Short-lived sign-in tokens (JWT, HS256). Expiry is checked against the injected clock.

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

    pub fn issue(&self, user_id: i64, role: &str, now: DateTime<Utc>) -> AppResult<String> {
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_string(),
            iat: now.timestamp(),
            exp: (now + self.lifetime).timestamp(),
            iss: ISSUER.into(),
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
