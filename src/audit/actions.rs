//! Every action the portal writes into the audit log, in one list, so the audit page can name
//! each in the reader's language (`audit-action-<action, dots as dashes>` in
//! `locales/*/money.ftl`). The actions themselves stay the stable strings stored in
//! `audit_log.action` and searched by the page's filter. A test reads every `Change::new(…)`
//! in `src/` and fails when one writes an action (or a kind of record) missing here.

use crate::i18n::Locale;

pub const ACTIONS: &[&str] = &[
    "agreement.create",
    "backup.create",
    "bid.disqualify",
    "bid.resubmit",
    "bid.revise",
    "bid.submit",
    "bid.withdraw",
    "category.create",
    "contract.create",
    "contract.payment",
    "contract.signoff_approve",
    "contract.signoff_reject",
    "contract.submit",
    "contract.update",
    "delivery.create",
    "delivery.inspect",
    "demo.load",
    "document.accept",
    "document.expiry_warned",
    "document.refuse",
    "failure.confirmed",
    "failure.dismissed",
    "failure.record",
    "failure.respond",
    "funds_plan.approve",
    "funds_plan.create",
    "funds_plan.line_remove",
    "funds_plan.line_set",
    "funds_plan.return",
    "funds_plan.submit",
    "listing.create",
    "lot.answer",
    "lot.exchange",
    "lot.return",
    "lots.flag_stale",
    "material.create",
    "material.proposal_approve",
    "material.proposal_reject",
    "material.propose",
    "material.update",
    "monthly_pack.assemble",
    "plan.approve",
    "plan.create",
    "plan.return",
    "plan.submit",
    "plan_line.add",
    "plan_line.remove",
    "plan_line.update",
    "plan_price.set",
    "price_candidate.confirm",
    "price_candidate.confirm_undone",
    "price_candidate.dismiss",
    "price_candidate.failure_recorded",
    "price_change.adopt_contract",
    "price_change.approve",
    "price_change.reject",
    "price_change.request",
    "price_survey.create",
    "price_survey.reminded",
    "quote.choice_approve",
    "quote.choice_return",
    "quote.choose",
    "quote.record",
    "report.no_movement",
    "requisition.approve",
    "requisition.cancel",
    "requisition.cart_add",
    "requisition.cart_remove",
    "requisition.cart_update",
    "requisition.issue",
    "requisition.reject",
    "requisition.resubmit",
    "requisition.return",
    "requisition.submit",
    "seal_key.adopt",
    "seal_key.rotate",
    "settings.update",
    "site.create",
    "statement.close",
    "statement.confirm",
    "statement.dispute",
    "statement.invoice",
    "statement.issue",
    "statement.pay",
    "statement.resolve",
    "stock.site_return",
    "stock_count.approve",
    "stock_count.enter",
    "stock_count.reject",
    "supplier.add_document",
    "supplier.apply",
    "supplier.apply_existing_email",
    "supplier.decision.admit",
    "supplier.decision.reject",
    "supplier.decision.request_info",
    "supplier.re_review_failed",
    "supplier.re_review_passed",
    "supplier.reinstate",
    "supplier.remove",
    "supplier.review.recommend",
    "supplier.review.reject",
    "supplier.review.request_info",
    "supplier.review_due",
    "supplier.submit",
    "supplier.suspend",
    "supplier.update_application",
    "tender.add_document",
    "tender.award",
    "tender.committee.add",
    "tender.committee.remove",
    "tender.create",
    "tender.decline",
    "tender.evaluate",
    "tender.open",
    "tender.open.confirm",
    "tender.publish",
    "tender.reissue",
    "tender.score",
    "tender.update",
    "user.create",
    "user.locale_change",
    "user.login",
    "user.logout",
    "user.notice_preferences",
    "user.password_change",
    "user.password_reset",
    "user.password_reset_request",
    "user.sign_out_everywhere",
    "user.update",
    "user.verify_email",
    "warehouse.create",
];

/// The kinds of record the audit log's entries are about (`audit_log.entity`), each named
/// by `audit-entity-<entity>`.
pub const ENTITIES: &[&str] = &[
    "bid",
    "category",
    "consignment_agreement",
    "contract",
    "contract_payment",
    "database",
    "delivery",
    "funds_plan",
    "funds_plan_line",
    "listing",
    "lot",
    "material",
    "material_proposal",
    "monthly_pack",
    "movement",
    "plan",
    "plan_line",
    "plan_price",
    "price_candidate",
    "price_change",
    "price_survey",
    "quote",
    "requisition",
    "settings",
    "site",
    "statement",
    "stock",
    "stock_count",
    "supplier",
    "supplier_document",
    "supplier_failure",
    "tender",
    "tender_document",
    "user",
    "warehouse",
];

/// The message key naming `action`.
pub fn message_key(action: &str) -> String {
    format!("audit-action-{}", action.replace('.', "-"))
}

/// `action` in `locale`; an action without a message (an older entry, or one this list
/// missed) is shown as it is stored.
pub fn label(locale: Locale, action: &str) -> String {
    let key = message_key(action);
    if locale.has(&key) {
        locale.t(&key)
    } else {
        action.to_string()
    }
}

/// The kind of record `entity` in `locale`, or as it is stored when it has no name.
pub fn entity_label(locale: Locale, entity: &str) -> String {
    let key = format!("audit-entity-{entity}");
    if locale.has(&key) {
        locale.t(&key)
    } else {
        entity.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_name_in_both_languages() {
        let missing: Vec<String> = ACTIONS
            .iter()
            .flat_map(|a| Locale::ALL.map(|l| (l, *a)))
            .filter(|(l, a)| !l.has(&message_key(a)))
            .map(|(l, a)| format!("{}: {}", l.tag(), message_key(a)))
            .collect();
        assert!(
            missing.is_empty(),
            "audit actions without a name: {missing:?}"
        );
        let missing: Vec<String> = ENTITIES
            .iter()
            .flat_map(|e| Locale::ALL.map(|l| (l, format!("audit-entity-{e}"))))
            .filter(|(l, k)| !l.has(k))
            .map(|(l, k)| format!("{}: {k}", l.tag()))
            .collect();
        assert!(
            missing.is_empty(),
            "audit entities without a name: {missing:?}"
        );
        assert_eq!(entity_label(Locale::ZhCn, "statement"), "对账单");
        assert_eq!(label(Locale::ZhCn, "user.login"), "登录");
        assert_eq!(label(Locale::En, "user.login"), "Signed in");
        assert_eq!(label(Locale::En, "no.such_action"), "no.such_action");
    }

    #[test]
    fn the_list_has_each_action_once_in_order() {
        let mut sorted = ACTIONS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, ACTIONS.to_vec());
    }

    /// The first argument of each `Change::new(` call, as source text.
    fn first_arguments(src: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (i, _) in src.match_indices("Change::new(") {
            let rest = &src[i + "Change::new(".len()..];
            let (mut depth, mut in_str, mut end) = (0i32, false, rest.len());
            let mut prev = ' ';
            for (j, c) in rest.char_indices() {
                match c {
                    '"' if prev != '\\' => in_str = !in_str,
                    '(' | '{' | '[' if !in_str => depth += 1,
                    ')' | '}' | ']' if !in_str => depth -= 1,
                    ',' if !in_str && depth == 0 => {
                        end = j;
                        break;
                    }
                    _ => {}
                }
                prev = c;
            }
            let first = rest[..end].to_string();
            // The entity: the second argument's string literal, just after the first.
            let after: String = rest[end..].chars().take(160).collect();
            let entity = literals(&after).into_iter().next().unwrap_or_default();
            out.push((first, entity));
        }
        out
    }

    fn literals(text: &str) -> Vec<String> {
        text.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    fn looks_like_action(s: &str) -> bool {
        s.contains('.')
            && s.split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    }

    #[test]
    fn every_action_the_code_writes_is_in_the_list() {
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        let mut unknown = Vec::new();
        let mut calls = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("actions.rs") {
                    continue;
                }
                let src = std::fs::read_to_string(&path).unwrap_or_default();
                for (first, entity) in first_arguments(&src) {
                    calls += 1;
                    if !entity.is_empty() && !ENTITIES.contains(&entity.as_str()) {
                        unknown.push(format!("{}: entity {entity}", path.display()));
                    }
                    let lits = literals(&first);
                    let written: Vec<String> = if lits.is_empty() {
                        // A variable: the file's actions on the same entity are its values.
                        literals(&src)
                            .into_iter()
                            .filter(|l| looks_like_action(l))
                            .filter(|l| l.starts_with(&format!("{entity}.")))
                            .collect()
                    } else {
                        lits
                    };
                    for w in written {
                        let known = match w.split_once('{') {
                            // format!("supplier.{decision}"): some listed action has the prefix.
                            Some((prefix, _)) => ACTIONS.iter().any(|a| a.starts_with(prefix)),
                            None => ACTIONS.contains(&w.as_str()),
                        };
                        if !known {
                            unknown.push(format!("{}: {w}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(calls > 50, "found only {calls} Change::new calls");
        assert!(
            unknown.is_empty(),
            "audit actions or entities missing from audit::actions: {unknown:?}"
        );
    }
}
