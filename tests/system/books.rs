//! Whether the books agree with themselves, read straight from the database: the stock
//! ledger (rule 12), every requisition line against its issue movements, requisition
//! states against their lines, reservations against open requisitions, issues against their
//! audit entries, and the audit chain (`portal audit verify`).

use crate::process::Setup;
use entity::{
    ListingId, RequisitionId, audit_log, listing, lot, movement, requisition, requisition_line,
};
use portal::db::Db;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, BTreeSet};

/// Opens the database a setup's processes use (for reading).
pub async fn open(setup: &Setup) -> Db {
    let url = if setup.database_url.is_empty() {
        format!(
            "sqlite://{}?mode=rw",
            setup.data_dir.join("portal.db").display()
        )
    } else {
        setup.database_url.clone()
    };
    portal::db::connect(&url, 2, None)
        .await
        .unwrap_or_else(|e| panic!("opening {url}: {e}"))
}

/// Every issue movement (negative quantities: stock out to a site).
pub async fn issue_movements(db: &Db) -> Vec<movement::Model> {
    movement::Entity::find()
        .filter(movement::Column::Kind.eq("issue"))
        .all(&db.read)
        .await
        .expect("movements")
}

/// Panics with every disagreement found; `context` says when the books were read.
pub async fn assert_consistent(db: &Db, setup: &Setup, context: &str) {
    let mut problems = Vec::new();

    let check = portal::stock::store::ledger_check(&db.read)
        .await
        .expect("ledger check");
    if !check.ok {
        problems.push(format!(
            "rule 12 ledger check fails: {:?}",
            check.differences
        ));
    }

    let listings = listing::Entity::find()
        .all(&db.read)
        .await
        .expect("listings");
    let lots = lot::Entity::find().all(&db.read).await.expect("lots");
    let requisitions: BTreeMap<RequisitionId, requisition::Model> = requisition::Entity::find()
        .all(&db.read)
        .await
        .expect("requisitions")
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let lines = requisition_line::Entity::find()
        .all(&db.read)
        .await
        .expect("requisition lines");
    let issues = issue_movements(db).await;
    let audit = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("requisition.issue"))
        .all(&db.read)
        .await
        .expect("audit log");

    for l in &listings {
        if l.on_hand.value() < Decimal::ZERO || l.reserved.value() < Decimal::ZERO {
            problems.push(format!(
                "listing {}: on hand {} reserved {}",
                l.id,
                l.on_hand.value(),
                l.reserved.value()
            ));
        }
        if l.reserved.value() > l.on_hand.value() {
            problems.push(format!(
                "listing {} oversold: reserved {} > on hand {}",
                l.id,
                l.reserved.value(),
                l.on_hand.value()
            ));
        }
    }
    for l in lots.iter().filter(|l| l.quantity.value() < Decimal::ZERO) {
        problems.push(format!("lot {} below zero: {}", l.id, l.quantity.value()));
    }

    // Every line's issued quantity is the sum of its issue movements, never more than ordered.
    let mut drawn: BTreeMap<i64, Decimal> = BTreeMap::new();
    for m in &issues {
        if let Some(line) = m.requisition_line_id {
            *drawn.entry(line).or_default() -= m.quantity.value();
        }
    }
    let mut by_requisition: BTreeMap<RequisitionId, Vec<&requisition_line::Model>> =
        BTreeMap::new();
    for line in &lines {
        by_requisition
            .entry(line.requisition_id)
            .or_default()
            .push(line);
        let moved = drawn.get(&line.id).copied().unwrap_or_default();
        if moved != line.issued.value() {
            problems.push(format!(
                "requisition {} line {}: issued {} but its issue movements draw {moved}",
                line.requisition_id,
                line.id,
                line.issued.value()
            ));
        }
        if line.issued.value() > line.quantity.value() {
            problems.push(format!(
                "requisition {} line {}: issued {} of {} ordered",
                line.requisition_id,
                line.id,
                line.issued.value(),
                line.quantity.value()
            ));
        }
    }

    // The requisition's state agrees with its lines.
    for (id, r) in &requisitions {
        let ls = by_requisition.get(id).cloned().unwrap_or_default();
        let none_issued = ls.iter().all(|l| l.issued.value().is_zero());
        let all_issued = ls.iter().all(|l| l.issued >= l.reserved);
        let all_reserved = ls.iter().all(|l| l.reserved == l.quantity);
        let agrees = match r.status.as_str() {
            "submitted" => none_issued && ls.iter().all(|l| l.reserved.value().is_zero()),
            "approved" => none_issued && all_reserved,
            "partly_issued" => !none_issued && !all_issued && all_reserved,
            "issued" => !none_issued && all_issued,
            _ => true,
        };
        if !agrees {
            let shown: Vec<String> = ls
                .iter()
                .map(|l| {
                    format!(
                        "line {}: ordered {} reserved {} issued {}",
                        l.id,
                        l.quantity.value(),
                        l.reserved.value(),
                        l.issued.value()
                    )
                })
                .collect();
            problems.push(format!(
                "requisition {id} is {} but its lines say otherwise: {shown:?}",
                r.status
            ));
        }
    }

    // What each listing holds reserved is what its open requisitions still await.
    let mut awaited: BTreeMap<ListingId, Decimal> = BTreeMap::new();
    for line in &lines {
        let open = requisitions
            .get(&line.requisition_id)
            .is_some_and(|r| matches!(r.status.as_str(), "approved" | "partly_issued"));
        if open {
            *awaited.entry(line.listing_id).or_default() +=
                line.reserved.value() - line.issued.value();
        }
    }
    for l in &listings {
        let want = awaited.get(&l.id).copied().unwrap_or_default();
        if l.reserved.value() != want {
            problems.push(format!(
                "listing {}: reserved {} but its open requisitions await {want}",
                l.id,
                l.reserved.value()
            ));
        }
    }

    // Each issue is one transaction: its movements and its audit entry share their instant.
    let line_owner: BTreeMap<i64, RequisitionId> =
        lines.iter().map(|l| (l.id, l.requisition_id)).collect();
    let mut moved_at: BTreeMap<RequisitionId, BTreeSet<i64>> = BTreeMap::new();
    for m in issues.iter().filter(|m| m.note != "demo") {
        if let Some(r) = m.requisition_line_id.and_then(|l| line_owner.get(&l)) {
            moved_at
                .entry(*r)
                .or_default()
                .insert(m.at.timestamp_micros());
        }
    }
    let mut audited_at: BTreeMap<RequisitionId, BTreeSet<i64>> = BTreeMap::new();
    for a in &audit {
        if let Ok(r) = a.entity_id.parse::<RequisitionId>() {
            audited_at
                .entry(r)
                .or_default()
                .insert(a.at.timestamp_micros());
        }
    }
    for (r, at) in &moved_at {
        let audited = audited_at.get(r).cloned().unwrap_or_default();
        if &audited != at {
            problems.push(format!(
                "requisition {r}: issues at {at:?} but audited issues at {audited:?}"
            ));
        }
    }
    for (r, at) in &audited_at {
        if !moved_at.contains_key(r) {
            problems.push(format!(
                "requisition {r}: audited issues at {at:?} without movements"
            ));
        }
    }

    let verify = setup.run(&["audit", "verify"]).await;
    if !verify.success {
        problems.push(format!(
            "portal audit verify failed: {}{}",
            verify.stdout, verify.stderr
        ));
    }

    assert!(
        problems.is_empty(),
        "the books disagree {context}:\n{}",
        problems.join("\n")
    );
}
