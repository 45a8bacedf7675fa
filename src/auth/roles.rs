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
            ReadDeliveries => self == Supplier || self.can(ReadStock),
            ReadRequisitions => self.can(Requisition) || self.can(ReadStock),
            CancelRequisitions => self.can(Requisition) || self == WarehouseKeeper,
            ReadSiteReturns => {
                self.can(Requisition) || matches!(self, WarehouseKeeper | Finance | Auditor)
            }
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
            ReadPlans => self.can(ReadProcurement) || self.can(PlanNeeds),
            SetPlanPrices => matches!(self, ProcurementOfficer | ProcurementHead),
            ReadPlanPrices => self.can(SetPlanPrices) || matches!(self, Finance | Auditor),
            ManageFundsPlan => self == Finance,
            ApproveFundsPlan => self == ProcurementHead,
            ReadFundsPlan => matches!(self, Finance | ProcurementHead | Auditor),
            ReadTenders => self.can(ReadProcurement) || self == Supplier,
            ReadStatements => self.can(ReadSettlement) || self == Supplier,
            StepStatements => self.can(ManageSettlement) || self == Supplier,
            ReadSupplierFiles => self.can(ReadSuppliers) || self == Supplier,
            ReadFiles => self.can(ReadSuppliers) || matches!(self, WarehouseKeeper | Supplier),
            UploadFiles => matches!(self, ProcurementOfficer | ProcurementHead | Supplier),
            ReadMaterialProposals | AddMaterials => self.can(ManageMaterials) || self == Supplier,
        }
    }
}

/// Declares [`Capability`] with each capability's name, the one the OpenAPI document states
/// as the operation's security requirement (`security(("bearer" = ["issue_stock"]))`).
macro_rules! capabilities {
    ($($(#[$doc:meta])* $name:ident = $text:literal,)*) => {
        /// Something a handler may need permission for: the role check. Each route states the
        /// one it needs as the first line of its handler ([`crate::auth::CurrentUser::require`]);
        /// stores narrow what an actor sees and touches (its own supplier, its own site), they do
        /// not check capabilities.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Capability {
            $($(#[$doc])* $name,)*
        }

        impl Capability {
            pub const ALL: &'static [Capability] = &[$(Capability::$name,)*];

            /// The name the OpenAPI document uses for it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Capability::$name => $text,)*
                }
            }

            pub fn parse(s: &str) -> Option<Capability> {
                Capability::ALL.iter().copied().find(|c| c.as_str() == s)
            }
        }
    };
}

capabilities! {
    /// Sites and warehouses: everyone signed in (suppliers deliver to warehouses).
    ReadOrganisation = "read_organisation",
    /// The materials master.
    ReadMaterials = "read_materials",
    ReadUsers = "read_users",
    ManageUsers = "manage_users",
    /// Sites, warehouses, categories.
    ManageOrganisation = "manage_organisation",
    ReadSettings = "read_settings",
    ManageSettings = "manage_settings",
    ReadAudit = "read_audit",
    ReadMailQueue = "read_mail_queue",
    ReadJobs = "read_jobs",
    RunJobs = "run_jobs",
    /// The supplier directory and every supplier's file.
    ReadSuppliers = "read_suppliers",
    /// An officer's qualification review (request information, recommend, reject).
    ReviewSuppliers = "review_suppliers",
    RecordFailures = "record_failures",
    /// The head approves or rejects admissions.
    DecideAdmissions = "decide_admissions",
    /// The head confirms or dismisses failures.
    DecideFailures = "decide_failures",
    SuspendSuppliers = "suspend_suppliers",
    /// A supplier's own application, documents, agreement and failures.
    ManageOwnSupplier = "manage_own_supplier",
    /// Plans, quotes, tenders (never a bid's price before opening), contracts, the price ledger.
    ReadProcurement = "read_procurement",
    /// The procurement officer: quotes, tenders, contracts, price surveys.
    ManageProcurement = "manage_procurement",
    /// The procurement head: approves plans and awards.
    ApproveProcurement = "approve_procurement",
    /// Adds lines to the monthly plan: a site's manager for the site, the office for any.
    PlanNeeds = "plan_needs",
    /// Opens tenders (two different members) and scores bids.
    TenderCommittee = "tender_committee",
    /// The audit department's contract sign-offs (company level, and group level recorded
    /// on the group's behalf).
    SignContracts = "sign_contracts",
    /// Every supplier's settlement statements (a supplier reads its own through
    /// `ManageOwnSupplier`).
    ReadSettlement = "read_settlement",
    /// Closing periods, issuing statements, resolving disputes, invoicing and payment.
    ManageSettlement = "manage_settlement",
    /// Sites' usage statements (a site manager reads its own site's).
    ReadUsageStatements = "read_usage_statements",
    /// Plan prices (计划价) and the monthly price-difference table.
    ReadPlanPrices = "read_plan_prices",
    /// Procurement sets the plan prices.
    SetPlanPrices = "set_plan_prices",
    /// The monthly funds plans (资金计划), contract payments and the month-end comparison.
    ReadFundsPlan = "read_funds_plan",
    /// Finance prepares and submits the funds plan and records payments on contracts.
    ManageFundsPlan = "manage_funds_plan",
    /// The procurement head approves or returns the funds plan (never one they raised).
    ApproveFundsPlan = "approve_funds_plan",
    /// The consigned catalogue with available quantities (never shown to suppliers, who
    /// would see each other's stock).
    ReadCatalogue = "read_catalogue",
    DecidePrices = "decide_prices",
    InspectDeliveries = "inspect_deliveries",
    IssueStock = "issue_stock",
    /// Raise and follow requisitions for one's own site.
    Requisition = "requisition",
    ApproveRequisitions = "approve_requisitions",
    /// All stock, deliveries, requisitions and the ledger check.
    ReadStock = "read_stock",
    /// Delivery notes: a supplier its own, whoever reads stock all of them.
    ReadDeliveries = "read_deliveries",
    /// Requisitions: a site's people their site's, whoever reads stock all of them.
    ReadRequisitions = "read_requisitions",
    /// Cancel a requisition: its requester while it waits, its site's manager, the warehouse
    /// (which of them may cancel which one is `requisitions::rules::may_cancel`).
    CancelRequisitions = "cancel_requisitions",
    /// Goods a site sent back: the site's own people, the warehouse, finance and the auditor.
    ReadSiteReturns = "read_site_returns",
    /// The materials master: add and edit materials, decide suppliers' proposals.
    ManageMaterials = "manage_materials",
    /// Monthly plans: the office and audit read every line, a site's manager its own site's
    /// lines (`procurement::store::plan_scope`).
    ReadPlans = "read_plans",
    /// Tenders: the office and audit read every one (never a bid's price before opening); a
    /// supplier those it may bid on or has bid on (`tenders::store::viewer`).
    ReadTenders = "read_tenders",
    /// Settlement statements: a supplier its own issued ones, whoever reads settlement all.
    ReadStatements = "read_statements",
    /// Move a statement on: a supplier confirms or disputes its own, finance issues, resolves,
    /// invoices and records payment (which step is whose is `settlement::rules::who`).
    StepStatements = "step_statements",
    /// A supplier's file: a supplier its own (another's is not found), whoever reads
    /// suppliers any.
    ReadSupplierFiles = "read_supplier_files",
    /// Uploaded files: a supplier its own, the offices that vet and audit suppliers and the
    /// warehouse (which checks certificates on delivery) any.
    ReadFiles = "read_files",
    /// Upload a file: a supplier for itself, procurement as evidence against a supplier.
    UploadFiles = "upload_files",
    /// Material proposals: a supplier follows its own, procurement reads the pending ones.
    ReadMaterialProposals = "read_material_proposals",
    /// Add a material to the master: procurement adds it, a supplier proposes it.
    AddMaterials = "add_materials",
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
    fn capabilities_round_trip_through_their_names() {
        for c in Capability::ALL {
            assert_eq!(Capability::parse(c.as_str()), Some(*c));
        }
        assert_eq!(Capability::parse("read_everything"), None);
        assert_eq!(Capability::IssueStock.as_str(), "issue_stock");
    }

    /// A route several roles reach with different scopes needs a capability that covers
    /// exactly the roles it served before the check moved to the edge.
    #[test]
    fn covering_capabilities_are_exactly_the_roles_they_replace() {
        use Capability::*;
        for r in Role::ALL {
            let c = |cap| r.can(cap);
            let supplier = r == Role::Supplier;
            assert_eq!(c(ReadPlans), c(ReadProcurement) || c(PlanNeeds), "{r:?}");
            assert_eq!(c(ReadTenders), c(ReadProcurement) || supplier, "{r:?}");
            assert_eq!(c(ReadStatements), c(ReadSettlement) || supplier, "{r:?}");
            assert_eq!(c(StepStatements), c(ManageSettlement) || supplier, "{r:?}");
            assert_eq!(c(ReadSupplierFiles), c(ReadSuppliers) || supplier, "{r:?}");
            assert_eq!(
                c(ReadMaterialProposals),
                c(ManageMaterials) || supplier,
                "{r:?}"
            );
            assert_eq!(c(AddMaterials), c(ManageMaterials) || supplier, "{r:?}");
        }
        let files: Vec<Role> = Role::ALL.into_iter().filter(|r| r.can(ReadFiles)).collect();
        use Role::*;
        assert_eq!(
            files,
            [
                Supplier,
                WarehouseKeeper,
                ProcurementOfficer,
                ProcurementHead,
                Auditor,
                Admin
            ]
        );
        let uploads: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.can(UploadFiles))
            .collect();
        assert_eq!(uploads, [Supplier, ProcurementOfficer, ProcurementHead]);
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
