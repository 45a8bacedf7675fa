//! The pure rules of notices: which topic a kind of mail belongs to (what a user turns email
//! on or off for), which mail always goes by email, and what may be a notice's link.

/// The topics a user chooses email for, in the order the account page lists them.
pub const TOPICS: &[&str] = &[
    "suppliers",
    "stock",
    "requisitions",
    "settlement",
    "procurement",
    "tenders",
    "prices",
    "other",
];

/// The topic of a mail kind (`mail-<kind>-subject`), by the capability that sends it.
pub fn topic_of(kind: &str) -> &'static str {
    const BY_PREFIX: &[(&str, &str)] = &[
        ("requisition_", "requisitions"),
        // The requisition mails' kinds are written with hyphens (`requisition-approved`).
        ("requisition-", "requisitions"),
        ("statement_", "settlement"),
        ("monthly_pack", "settlement"),
        ("funds_plan_", "settlement"),
        ("tender_", "tenders"),
        ("price_", "prices"),
        ("plan_", "procurement"),
        ("contract_", "procurement"),
        ("quote_", "procurement"),
        ("stock_", "stock"),
        ("lot_", "stock"),
        ("delivery_", "stock"),
        ("no_movement", "stock"),
        ("application_", "suppliers"),
        ("failure_", "suppliers"),
        ("supplier_", "suppliers"),
        ("document_", "suppliers"),
        ("review_", "suppliers"),
        ("re_review", "suppliers"),
    ];
    BY_PREFIX
        .iter()
        .find(|(p, _)| kind.starts_with(p))
        .map(|(_, t)| *t)
        .unwrap_or("other")
}

/// Mail that must reach the mailbox whatever the user chose: it proves who owns the address
/// or lets them back in.
pub fn always_by_email(kind: &str) -> bool {
    matches!(kind, "verify_email" | "password_reset" | "welcome")
}

/// A notice's link is a path of this portal: it starts with one `/`, and holds no space,
/// control character or backslash, so neither the page nor the email can be sent elsewhere.
pub fn valid_link(link: &str) -> bool {
    link.starts_with('/')
        && !link.starts_with("//")
        && link.len() <= 500
        && !link
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
}

/// The message arguments as stored with a notice: a JSON object of strings.
pub fn args_json(args: &[(&str, String)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = args
        .iter()
        .map(|(k, v)| ((*k).to_string(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// The arguments [`args_json`] stored; anything else reads as none.
pub fn args_of(json: &str) -> Vec<(String, String)> {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_listed_topic() {
        for kind in [
            "application_admitted",
            "statement_issued",
            "tender_invited",
            "price_survey_due",
            "price_approved",
            "plan_submitted",
            "contract_signoff",
            "stock_stale",
            "lot_returned",
            "delivery_inspected",
            "no_movement_report",
            "requisition_approved",
            "document_expiring_office",
            "re_review_failed",
            "something_new",
        ] {
            assert!(TOPICS.contains(&topic_of(kind)), "{kind}");
        }
        assert_eq!(topic_of("statement_paid"), "settlement");
        assert_eq!(topic_of("delivery_inspected"), "stock");
        assert_eq!(topic_of("requisition_issued"), "requisitions");
        assert_eq!(topic_of("something_new"), "other");
    }

    #[test]
    fn every_mail_a_user_may_turn_off_has_its_topic() {
        // Every kind with an English subject (`mail-<kind>-subject`) in the locale files.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales/en");
        let mut kinds = Vec::new();
        for entry in std::fs::read_dir(dir).expect("locales") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("ftl");
            for line in text.lines() {
                if let Some(rest) = line.strip_prefix("mail-")
                    && let Some((kind, _)) = rest.split_once("-subject =")
                {
                    kinds.push(kind.to_string());
                }
            }
        }
        assert!(kinds.len() > 40, "{kinds:?}");
        for kind in kinds {
            if always_by_email(&kind) {
                continue;
            }
            assert_ne!(topic_of(&kind), "other", "{kind}");
        }
        assert_eq!(topic_of("requisition-approved"), "requisitions");
    }

    #[test]
    fn links_elsewhere_are_refused() {
        assert!(valid_link("/suppliers/12"));
        assert!(valid_link("/stock/no-movement?warehouse_id=1"));
        for bad in [
            "",
            "suppliers/12",
            "//evil.test/x",
            "https://evil.test/",
            "/\\evil.test",
            "/a b",
            "/a\nb",
        ] {
            assert!(!valid_link(bad), "{bad:?}");
        }
    }

    #[test]
    fn arguments_survive_their_json() {
        let args = vec![
            ("company", "华东钢材 \"A\"".to_string()),
            ("id", "7".into()),
        ];
        let back = args_of(&args_json(&args));
        assert_eq!(
            back,
            vec![
                ("company".to_string(), "华东钢材 \"A\"".to_string()),
                ("id".to_string(), "7".to_string())
            ]
        );
        assert!(args_of("not json").is_empty());
    }

    #[test]
    fn confirmations_and_resets_always_go_by_email() {
        assert!(always_by_email("password_reset"));
        assert!(always_by_email("verify_email"));
        assert!(!always_by_email("statement_issued"));
    }
}
