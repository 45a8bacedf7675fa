//! Sealing bids at rest: AES-256-GCM with a fresh random nonce for every write.
//!
//! The key (rule 14) lives outside the database and its backups: in `PORTAL_SEAL_KEY` or a
//! key file (see [`super::seal_key`] and docs/sealing.md). The database keeps only its
//! fingerprint, a one-way hash that names the key without opening anything. At start-up the
//! process checks its key against that fingerprint and registers it here; [`BidKey::load`]
//! then answers the key the database names, so every store function keeps taking just a
//! connection, and a database whose key this process does not hold opens nothing.
//!
//! Databases sealed before the key moved out derived it from the instance secret in the
//! `settings` table ([`BidKey::legacy`]); the first start with a key re-seals them once.
//!
//! The associated data binds a ciphertext to its tender and supplier: a sealed bid copied
//! onto another row does not open.

use crate::error::{AppError, AppResult};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use entity::{SupplierId, TenderId};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sea_orm::{ConnectionTrait, EntityTrait};
use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

const LEGACY_LABEL: &[u8] = b"portal/tenders/bid-seal/aes-256-gcm/v1";
const FINGERPRINT_LABEL: &[u8] = b"portal/tenders/bid-seal/fingerprint/v1";

/// The `settings` row that names (by fingerprint) the key this database's bids are sealed
/// with.
pub const FINGERPRINT_SETTING: &str = "seal_key_fingerprint";

/// The keys this process holds, by fingerprint (several in tests, where many databases share
/// one process; one in a server).
static KEYS: LazyLock<RwLock<HashMap<String, BidKey>>> = LazyLock::new(Default::default);

/// The key that seals bids.
#[derive(Clone)]
pub struct BidKey([u8; 32]);

impl std::fmt::Debug for BidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BidKey(..)")
    }
}

impl BidKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A new random key.
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut k);
        Self(k)
    }

    /// The key as it is written into a key file or `PORTAL_SEAL_KEY`: base64 of its 32 bytes.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }

    /// Reads [`Self::to_base64`]'s text (surrounding white space ignored).
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| "not base64".to_string())?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("{} bytes, not 32", b.len()))?;
        Ok(Self(bytes))
    }

    /// HMAC-SHA256(key, label), hex: names the key in the database without revealing it.
    pub fn fingerprint(&self) -> String {
        hex::encode(hmac(&self.0, FINGERPRINT_LABEL))
    }

    /// The key older versions derived from the instance secret in the database:
    /// HMAC-SHA256(secret, label). Used only to re-seal such bids with a key kept outside.
    pub fn legacy(secret: &[u8]) -> Self {
        Self(hmac(secret, LEGACY_LABEL))
    }

    /// The legacy key of the database behind `conn`, from its `secret` row.
    pub async fn legacy_of(conn: &impl ConnectionTrait) -> AppResult<Self> {
        let row = entity::setting::Entity::find_by_id("secret".to_string())
            .one(conn)
            .await?
            .ok_or_else(|| AppError::Internal("secret missing".into()))?;
        let secret =
            hex::decode(row.value).map_err(|e| AppError::Internal(format!("secret: {e}")))?;
        Ok(Self::legacy(&secret))
    }

    /// Makes this key available to [`Self::load`] in this process.
    pub fn register(&self) {
        if let Ok(mut keys) = KEYS.write() {
            keys.insert(self.fingerprint(), self.clone());
        }
    }

    /// The key the database behind `conn` names, when this process holds it.
    pub async fn load(conn: &impl ConnectionTrait) -> AppResult<Self> {
        let fingerprint = entity::setting::Entity::find_by_id(FINGERPRINT_SETTING.to_string())
            .one(conn)
            .await?
            .map(|r| r.value)
            .ok_or_else(|| AppError::Internal("no bid-sealing key chosen yet".into()))?;
        KEYS.read()
            .ok()
            .and_then(|k| k.get(&fingerprint).cloned())
            .ok_or_else(|| {
                AppError::Internal(format!(
                    "the bid-sealing key {fingerprint} is not loaded (was it rotated? restart \
                     with the new key)"
                ))
            })
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&Key::<Aes256Gcm>::from(self.0))
    }
}

fn hmac(key: &[u8], label: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(label);
    mac.finalize().into_bytes().into()
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
        BidKey([3; 32])
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
        let other = BidKey::generate();
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
    fn the_legacy_key_is_not_the_raw_secret() {
        let secret = [7u8; 32];
        assert_ne!(BidKey::legacy(&secret).0, secret);
    }

    #[test]
    fn a_key_reads_back_from_its_text_and_its_fingerprint_is_not_the_key() {
        let k = BidKey::generate();
        let back = BidKey::from_base64(&format!("  {}\n", k.to_base64())).unwrap();
        assert_eq!(back.0, k.0);
        assert_eq!(back.fingerprint(), k.fingerprint());
        assert_ne!(k.fingerprint(), hex::encode(k.0));
        assert_ne!(k.fingerprint(), BidKey::generate().fingerprint());
        assert!(BidKey::from_base64("not a key").is_err());
        assert!(
            BidKey::from_base64(&base64::engine::general_purpose::STANDARD.encode([1u8; 16]))
                .is_err()
        );
    }
}
