//! Rule 2's removal as the supermarket meets it: the removing transaction of
//! `suppliers::store` calls [`on_supplier_removed`], and the supermarket changes its own
//! tables. Issued goods stay owed and are still settled.

use entity::{SupplierId, delivery, listing, lot};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// The removed supplier's listings stop being orderable, the deliveries still waiting for
/// inspection are refused, and its consigned stock on hand is flagged for return; all in
/// the caller's transaction.
pub async fn on_supplier_removed(
    conn: &impl ConnectionTrait,
    supplier_id: SupplierId,
) -> Result<(), DbErr> {
    stop_listings_of(conn, supplier_id).await?;
    refuse_pending_deliveries_of(conn, supplier_id).await?;
    flag_stock_for_return(conn, supplier_id).await
}

/// The catalogue: nothing of the supplier can be ordered any more.
async fn stop_listings_of(
    conn: &impl ConnectionTrait,
    supplier_id: SupplierId,
) -> Result<(), DbErr> {
    listing::Entity::update_many()
        .col_expr(listing::Column::Active, Expr::value(false))
        .filter(listing::Column::SupplierId.eq(supplier_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Receiving: goods on their way are not taken in.
async fn refuse_pending_deliveries_of(
    conn: &impl ConnectionTrait,
    supplier_id: SupplierId,
) -> Result<(), DbErr> {
    delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value("refused"))
        .filter(delivery::Column::SupplierId.eq(supplier_id))
        .filter(delivery::Column::Status.eq("pending"))
        .exec(conn)
        .await?;
    Ok(())
}

/// The stock: every lot still holding goods waits for the supplier to take it back.
async fn flag_stock_for_return(
    conn: &impl ConnectionTrait,
    supplier_id: SupplierId,
) -> Result<(), DbErr> {
    lot::Entity::update_many()
        .col_expr(lot::Column::ReturnRequest, Expr::value(Some("removal")))
        .filter(lot::Column::SupplierId.eq(supplier_id))
        .filter(lot::Column::Quantity.gt(entity::Fixed::<3>::zero()))
        .exec(conn)
        .await?;
    Ok(())
}
