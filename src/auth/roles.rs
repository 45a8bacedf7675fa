//! Who may do what: the roles of `DOMAIN.md` and one matrix of capabilities.
//! Every handler asks [`crate::auth::CurrentUser::require`], which asks [`Role::can`].

use serde::{Deserialize, Serialize};

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Supplier,
    SiteUser,
    SiteManager,
    WarehouseKeeper,
    ProcurementOfficer,
    ProcurementHead,
    Finance,
    Auditor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Supplier,
        Role::SiteUser,
        Role::SiteManager,
        Role::WarehouseKeeper,
        Role::ProcurementOfficer,
        Role::ProcurementHead,
        Role::Finance,
        Role::Auditor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Supplier => "supplier",
            Role::SiteUser => "site_user",
            Role::SiteManager => "site_manager",
            Role::WarehouseKeeper => "warehouse_keeper",
            Role::ProcurementOfficer => "procurement_officer",
            Role::ProcurementHead => "procurement_head",
            Role::Finance => "finance",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// A supplier user must belong to a supplier.
    pub fn needs_supplier(self) -> bool {
        self == Role::Supplier
    }

    /// Site users and managers must belong to a site.
    pub fn needs_site(self) -> bool {
        matches!(self, Role::SiteUser | Role::SiteManager)
    }

    /// The message key of the role's name.
    pub fn label_key(self) -> String {
        format!("role-{}", self.as_str())
    }

    pub fn can(self, cap: Capability) -> bool {
        use Capability::*;
        use Role::*;
        match cap {
            ReadOrganisation | ReadMaterials => true,
            ManageUsers | ManageOrganisation | ManageSettings | RunJobs => self == Admin,
            ReadUsers | ReadSettings | ReadAudit | ReadMailQueue | ReadJobs => {
                matches!(self, Admin | Auditor)
            }
            ReadSuppliers => matches!(self, ProcurementOfficer | ProcurementHead | Auditor | Admin),
            ReviewSuppliers => self == ProcurementOfficer,
            RecordFailures => matches!(self, ProcurementOfficer | ProcurementHead),
            DecideAdmissions | DecideFailures | SuspendSuppliers => self == ProcurementHead,
            ManageOwnSupplier => self == Supplier,
            ReadCatalogue => !matches!(self, Supplier),
            DecidePrices | ManageMaterials => matches!(self, ProcurementOfficer | ProcurementHead),
            InspectDeliveries | IssueStock => self == WarehouseKeeper,
            Requisition => matches!(self, SiteUser | SiteManager),
            ApproveRequisitions => self == SiteManager,
            ReadStock => matches!(
                self,
                WarehouseKeeper | ProcurementOfficer | ProcurementHead | Finance | Auditor | Admin
            ),
            ReadProcurement => {
                matches!(self, ProcurementOfficer | ProcurementHead | Auditor | Admin)
            }
            ManageProcurement => self == ProcurementOfficer,
            ApproveProcurement => self == ProcurementHead,
            PlanNeeds => matches!(self, SiteManager | ProcurementOfficer),
            TenderCommittee => matches!(self, ProcurementOfficer | ProcurementHead),
            SignContracts => self == Auditor,
            ReadSettlement => matches!(self, Finance | Auditor | ProcurementHead),
            ManageSettlement => self == Finance,
            ReadUsageStatements => {
                matches!(self, SiteManager | Finance | Auditor | ProcurementHead)
            }
        }
    }
}

/// Something a handler may need permission for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capability {
    /// Sites and warehouses: everyone signed in (suppliers deliver to warehouses).
    ReadOrganisation,
    /// The materials master.
    ReadMaterials,
    ReadUsers,
    ManageUsers,
    /// Sites, warehouses, categories.
    ManageOrganisation,
    ReadSettings,
    ManageSettings,
    ReadAudit,
    ReadMailQueue,
    ReadJobs,
    RunJobs,
    /// The supplier directory and every supplier's file.
    ReadSuppliers,
    /// An officer's qualification review (request information, recommend, reject).
    ReviewSuppliers,
    RecordFailures,
    /// The head approves or rejects admissions.
    DecideAdmissions,
    /// The head confirms or dismisses failures.
    DecideFailures,
    SuspendSuppliers,
    /// A supplier's own application, documents, agreement and failures.
    ManageOwnSupplier,
    /// Plans, quotes, tenders (never a bid's price before opening), contracts, the price ledger.
    ReadProcurement,
    /// The procurement officer: quotes, tenders, contracts, price surveys.
    ManageProcurement,
    /// The procurement head: approves plans and awards.
    ApproveProcurement,
    /// Adds lines to the monthly plan: a site's manager for the site, the office for any.
    PlanNeeds,
    /// Opens tenders (two different members) and scores bids.
    TenderCommittee,
    /// The audit department's contract sign-offs (company level, and group level recorded
    /// on the group's behalf).
    SignContracts,
    /// Every supplier's settlement statements (a supplier reads its own through
    /// `ManageOwnSupplier`).
    ReadSettlement,
    /// Closing periods, issuing statements, resolving disputes, invoicing and payment.
    ManageSettlement,
    /// Sites' usage statements (a site manager reads its own site's).
    ReadUsageStatements,
    /// The consigned catalogue with available quantities (never shown to suppliers, who
    /// would see each other's stock).
    ReadCatalogue,
    DecidePrices,
    InspectDeliveries,
    IssueStock,
    /// Raise and follow requisitions for one's own site.
    Requisition,
    ApproveRequisitions,
    /// All stock, deliveries, requisitions and the ledger check.
    ReadStock,
    /// The materials master: add and edit materials, decide suppliers' proposals.
    ManageMaterials,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_admin_changes_users_and_settings() {
        for r in Role::ALL {
            assert_eq!(r.can(Capability::ManageUsers), r == Role::Admin, "{r:?}");
            assert_eq!(r.can(Capability::ManageSettings), r == Role::Admin, "{r:?}");
        }
    }

    #[test]
    fn the_auditor_reads_but_changes_nothing() {
        let a = Role::Auditor;
        assert!(
            a.can(Capability::ReadAudit)
                && a.can(Capability::ReadUsers)
                && a.can(Capability::ReadSettings)
        );
        assert!(
            !a.can(Capability::ManageUsers)
                && !a.can(Capability::ManageOrganisation)
                && !a.can(Capability::RunJobs)
        );
    }

    #[test]
    fn the_head_decides_and_the_officer_reviews() {
        assert!(
            Role::ProcurementHead.can(Capability::DecideFailures)
                && !Role::ProcurementOfficer.can(Capability::DecideFailures)
        );
        assert!(
            Role::ProcurementOfficer.can(Capability::ReviewSuppliers)
                && !Role::ProcurementHead.can(Capability::ReviewSuppliers)
        );
        assert!(!Role::Supplier.can(Capability::ReadSuppliers));
        assert!(!Role::Auditor.can(Capability::RecordFailures));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
