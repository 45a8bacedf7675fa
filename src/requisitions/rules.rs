//! Rule 9's pure rules: where a requisition stands, and when its issue is overdue.

/// Rule 9: an approved requisition not issued within 24 hours is overdue.
pub fn issue_overdue(
    approved_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    now - approved_at > chrono::Duration::hours(24)
}

/// Where a requisition (领料单) stands. Stored as its snake_case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequisitionStatus {
    /// Raised by a site user, waiting for the site manager.
    Submitted,
    /// Approved: its stock is reserved, waiting for the keeper.
    Approved,
    /// Some of it issued.
    PartlyIssued,
    /// All of it issued.
    Issued,
    Cancelled,
}

impl RequisitionStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            RequisitionStatus::Submitted => "submitted",
            RequisitionStatus::Approved => "approved",
            RequisitionStatus::PartlyIssued => "partly_issued",
            RequisitionStatus::Issued => "issued",
            RequisitionStatus::Cancelled => "cancelled",
        }
    }

    /// The stored name read back; `None` for a name this version does not know.
    pub fn parse(s: &str) -> Option<Self> {
        [
            RequisitionStatus::Submitted,
            RequisitionStatus::Approved,
            RequisitionStatus::PartlyIssued,
            RequisitionStatus::Issued,
            RequisitionStatus::Cancelled,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Approved and not yet fully issued: stock is reserved for it and the keeper owes it.
    pub fn awaits_issue(self) -> bool {
        matches!(
            self,
            RequisitionStatus::Approved | RequisitionStatus::PartlyIssued
        )
    }

    /// Still open: it may be cancelled (by whom is the caller's question).
    pub fn cancellable(self) -> bool {
        self == RequisitionStatus::Submitted || self.awaits_issue()
    }
}

/// Rule 9's flag on a requisition: it awaits issue and was approved more than 24 hours ago.
pub fn requisition_overdue(
    status: Option<RequisitionStatus>,
    approved_at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    status.is_some_and(RequisitionStatus::awaits_issue)
        && approved_at.is_some_and(|a| issue_overdue(a, now))
}

/// Who may cancel a requisition (the status it may still be cancelled in is checked where it
/// is cancelled, by a conditional update): the site user who raised it while it waits for
/// approval, the manager of its site, the warehouse.
pub fn may_cancel(
    role: crate::auth::Role,
    user: (i64, Option<i64>),
    requested_by: i64,
    site_id: i64,
    status: Option<RequisitionStatus>,
) -> bool {
    use crate::auth::Role;
    let (user_id, user_site) = user;
    match role {
        Role::SiteUser => user_id == requested_by && status == Some(RequisitionStatus::Submitted),
        Role::SiteManager => user_site == Some(site_id),
        Role::WarehouseKeeper => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_requisition_is_overdue_only_while_it_awaits_issue_past_24_hours() {
        let approved = chrono::DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default();
        let just = approved + chrono::Duration::hours(24);
        let past = just + chrono::Duration::seconds(1);
        let st = RequisitionStatus::parse;
        assert!(!requisition_overdue(st("approved"), Some(approved), just));
        assert!(requisition_overdue(st("approved"), Some(approved), past));
        assert!(requisition_overdue(
            st("partly_issued"),
            Some(approved),
            past
        ));
        for done in ["issued", "cancelled", "submitted"] {
            assert!(
                !requisition_overdue(st(done), Some(approved), past),
                "{done}"
            );
        }
        assert!(!requisition_overdue(st("approved"), None, past));
        assert!(!requisition_overdue(
            st("no_such_status"),
            Some(approved),
            past
        ));
    }

    #[test]
    fn requisition_statuses_read_back_as_stored() {
        for s in [
            "submitted",
            "approved",
            "partly_issued",
            "issued",
            "cancelled",
        ] {
            assert_eq!(
                RequisitionStatus::parse(s).map(RequisitionStatus::as_str),
                Some(s)
            );
        }
        assert!(RequisitionStatus::parse("draft").is_none());
        assert!(RequisitionStatus::parse("submitted").is_some_and(RequisitionStatus::cancellable));
        assert!(!RequisitionStatus::parse("issued").is_some_and(RequisitionStatus::cancellable));
    }

    #[test]
    fn an_approval_older_than_a_day_is_overdue() {
        let t = chrono::Utc::now();
        assert!(!issue_overdue(t, t + chrono::Duration::hours(24)));
        assert!(issue_overdue(
            t,
            t + chrono::Duration::hours(24) + chrono::Duration::seconds(1)
        ));
    }

    #[test]
    fn only_the_raiser_its_sites_manager_and_the_warehouse_may_cancel() {
        use crate::auth::Role;
        let sub = RequisitionStatus::parse("submitted");
        let appr = RequisitionStatus::parse("approved");
        assert!(may_cancel(Role::SiteUser, (7, Some(1)), 7, 1, sub));
        assert!(!may_cancel(Role::SiteUser, (7, Some(1)), 7, 1, appr));
        assert!(!may_cancel(Role::SiteUser, (8, Some(1)), 7, 1, sub));
        assert!(may_cancel(Role::SiteManager, (9, Some(1)), 7, 1, appr));
        assert!(!may_cancel(Role::SiteManager, (9, Some(2)), 7, 1, appr));
        assert!(may_cancel(Role::WarehouseKeeper, (3, None), 7, 1, appr));
        assert!(!may_cancel(Role::ProcurementOfficer, (4, None), 7, 1, sub));
    }
}
