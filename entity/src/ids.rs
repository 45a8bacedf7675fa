//! Typed ids: a supplier's id is a [`SupplierId`], never a bare integer, so that a lot id
//! cannot be passed where a listing id is meant. Each is the table's `BIGINT` key, stored and
//! sent (JSON, paths, forms) as the plain number.

macro_rules! typed_ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            sea_orm::DeriveValueType, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        #[serde(transparent)]
        #[schema(value_type = i64, format = Int64)]
        pub struct $name(pub i64);

        impl $name {
            /// The plain number, for a raw query or a URL.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    )*};
}

typed_ids! {
    /// A supplier company (`suppliers.id`).
    SupplierId;
    /// A catalogue listing: one supplier's offer of one material (`listings.id`).
    ListingId;
    /// A consigned lot on a warehouse's shelves (`lots.id`).
    LotId;
    /// A site's requisition (`requisitions.id`).
    RequisitionId;
    /// A supplier's monthly statement (`statements.id`).
    StatementId;
    /// An invitational tender (`tenders.id`).
    TenderId;
    /// A supplier's bid in a tender (`bids.id`).
    BidId;
}
