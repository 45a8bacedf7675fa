//! The hash chain over audit entries: each entry's hash covers its content and the hash of
//! the entry before it, so altering or removing an entry breaks every hash after it.

use sha2::{Digest, Sha256};

/// What an entry's hash covers.
#[derive(Debug, Clone)]
pub struct EntryContent<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: &'a str,
    pub after: &'a str,
}

/// The hash of an entry following `prev_hash`, as lowercase hex.
pub fn entry_hash(prev_hash: &str, e: &EntryContent<'_>) -> String {
    let mut h = Sha256::new();
    // Length-prefixed fields, so that no two different entries serialise alike.
    for part in [
        prev_hash,
        &e.seq.to_string(),
        e.at,
        &e.actor_id.map(|i| i.to_string()).unwrap_or_default(),
        e.actor,
        e.action,
        e.entity,
        e.entity_id,
        e.before,
        e.after,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The first break found when walking entries in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// An entry's stored hash does not match its content.
    Altered { seq: i64 },
    /// An entry does not point at the one before it, or a sequence number is missing.
    Missing { after_seq: i64 },
    /// The chain's recorded end is not its last entry.
    HeadMismatch { head_seq: i64, last_seq: i64 },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(seq: i64, after: &'a str) -> EntryContent<'a> {
        EntryContent {
            seq,
            at: "2026-11-27T10:00:00Z",
            actor_id: Some(1),
            actor: "admin@demo.test",
            action: "user.create",
            entity: "user",
            entity_id: "2",
            before: "",
            after,
        }
    }

    #[test]
    fn any_change_of_content_or_predecessor_changes_the_hash() {
        let a = entry_hash("", &entry(1, "{\"x\":1}"));
        assert_eq!(a.len(), 64);
        assert_eq!(a, entry_hash("", &entry(1, "{\"x\":1}")));
        assert_ne!(a, entry_hash("", &entry(1, "{\"x\":2}")));
        assert_ne!(a, entry_hash("00", &entry(1, "{\"x\":1}")));
        assert_ne!(a, entry_hash("", &entry(2, "{\"x\":1}")));
    }

    #[test]
    fn fields_cannot_be_shifted_into_each_other() {
        let mut e1 = entry(1, "");
        e1.entity = "ab";
        e1.entity_id = "c";
        let mut e2 = entry(1, "");
        e2.entity = "a";
        e2.entity_id = "bc";
        assert_ne!(entry_hash("", &e1), entry_hash("", &e2));
    }
}
