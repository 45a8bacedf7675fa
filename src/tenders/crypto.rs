//! Sealing bids at rest: AES-256-GCM with a fresh random nonce for every write.
//!
//! The key is derived with HMAC-SHA256 from the instance secret kept in the database (the
//! `settings` row `secret`, which also signs tokens) over a fixed label, so the signing secret
//! is never used raw as a cipher key, and every instance sharing the database derives the same
//! key. The associated data binds a ciphertext to its tender and supplier: a sealed bid copied
//! onto another row does not open.

use crate::error::{AppError, AppResult};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use entity::{SupplierId, TenderId};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sea_orm::{ConnectionTrait, EntityTrait};

const LABEL: &[u8] = b"portal/tenders/bid-seal/aes-256-gcm/v1";

/// The key that seals bids.
#[derive(Clone)]
pub struct BidKey([u8; 32]);

impl std::fmt::Debug for BidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BidKey(..)")
    }
}

impl BidKey {
    /// HMAC-SHA256(secret, label).
    pub fn derive(secret: &[u8]) -> AppResult<Self> {
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret)
            .map_err(|e| AppError::Internal(format!("bid key: {e}")))?;
        mac.update(LABEL);
        Ok(Self(mac.finalize().into_bytes().into()))
    }

    /// The key of this installation, from the secret in the database.
    pub async fn load(conn: &impl ConnectionTrait) -> AppResult<Self> {
        let row = entity::setting::Entity::find_by_id("secret".to_string())
            .one(conn)
            .await?
            .ok_or_else(|| AppError::Internal("secret missing".into()))?;
        let secret =
            hex::decode(row.value).map_err(|e| AppError::Internal(format!("secret: {e}")))?;
        Self::derive(&secret)
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&Key::<Aes256Gcm>::from(self.0))
    }
}

/// What is stored: the ciphertext (base64) and its nonce (hex).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: String,
    pub nonce: String,
}

/// The associated data of a bid: which tender and which supplier it belongs to.
pub fn bid_aad(tender_id: TenderId, supplier_id: SupplierId) -> Vec<u8> {
    format!("tender:{tender_id}/supplier:{supplier_id}").into_bytes()
}

/// Seals `plain` with a fresh random nonce.
pub fn seal(key: &BidKey, aad: &[u8], plain: &[u8]) -> AppResult<Sealed> {
    let mut nonce = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut nonce);
    let ct = key
        .cipher()
        .encrypt(&Nonce::from(nonce), Payload { msg: plain, aad })
        .map_err(|_| AppError::Internal("sealing a bid failed".into()))?;
    Ok(Sealed {
        ciphertext: base64::engine::general_purpose::STANDARD.encode(ct),
        nonce: hex::encode(nonce),
    })
}

/// Opens what [`seal`] sealed; an altered ciphertext, nonce or associated data is an error.
pub fn open(key: &BidKey, aad: &[u8], sealed: &Sealed) -> AppResult<Vec<u8>> {
    let ct = base64::engine::general_purpose::STANDARD
        .decode(&sealed.ciphertext)
        .map_err(|_| AppError::Internal("sealed bid unreadable".into()))?;
    let nonce: [u8; 12] = hex::decode(&sealed.nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or_else(|| AppError::Internal("bid nonce unreadable".into()))?;
    key.cipher()
        .decrypt(&Nonce::from(nonce), Payload { msg: &ct, aad })
        .map_err(|_| AppError::Internal("a sealed bid did not open".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> BidKey {
        BidKey::derive(b"0123456789abcdef0123456789abcdef").unwrap_or(BidKey([0; 32]))
    }

    #[test]
    fn a_sealed_bid_opens_with_its_key_and_its_tender_and_supplier_only() {
        let plain = br#"{"unit_price":"3850.1234"}"#;
        let aad = bid_aad(TenderId(1), SupplierId(2));
        let sealed = seal(&key(), &aad, plain).unwrap();
        assert!(!sealed.ciphertext.contains("3850"));
        assert_eq!(
            open(&key(), &aad, &sealed).ok().as_deref(),
            Some(&plain[..])
        );
        assert!(open(&key(), &bid_aad(TenderId(1), SupplierId(3)), &sealed).is_err());
        let other = BidKey::derive(b"another secret").unwrap_or(BidKey([1; 32]));
        assert!(open(&other, &aad, &sealed).is_err());
    }

    #[test]
    fn every_seal_takes_a_fresh_nonce() {
        let aad = bid_aad(TenderId(1), SupplierId(2));
        let a = seal(&key(), &aad, b"same").unwrap();
        let b = seal(&key(), &aad, b"same").unwrap();
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
    }

    #[test]
    fn the_key_is_not_the_raw_secret() {
        let secret = [7u8; 32];
        let k = BidKey::derive(&secret).unwrap_or(BidKey(secret));
        assert_ne!(k.0, secret);
    }
}
