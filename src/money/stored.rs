//! The stored forms of quantities and unit prices (scaled integers, see [`entity::Fixed`]) and
//! their readers from a form's raw decimal, with the field's error in the user's language.

use super::{Quantity, UnitPlaces, UnitPrice, ValueError};
use crate::error::{FieldErrors, RuleCode};
use entity::Fixed;
use rust_decimal::Decimal;

pub type Qty = Fixed<3>;
pub type Price = Fixed<4>;

/// A quantity as entered, in a unit of `decimals` places; zero with the field's error when
/// refused.
pub fn qty(field: &str, v: Decimal, decimals: u32, errors: &mut FieldErrors) -> Qty {
    let places = UnitPlaces::new(decimals);
    Quantity::parse(v, places).map_or_else(
        |e| {
            Quantity::add_error(errors, field, e, places);
            Qty::zero()
        },
        Quantity::fixed,
    )
}

/// A unit price as entered ([`UnitPrice`]); zero with the field's error when refused.
pub fn price(field: &str, v: Decimal, errors: &mut FieldErrors) -> Price {
    UnitPrice::parse(v).map_or_else(
        |e| {
            errors.add(
                field,
                match e {
                    ValueError::NotPositive => RuleCode::PricePositive,
                    other => other.code(),
                },
            );
            Price::zero()
        },
        UnitPrice::fixed,
    )
}
