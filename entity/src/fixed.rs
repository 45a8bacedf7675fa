//! An exact decimal with a fixed number of places, stored as a scaled `BIGINT`.

use rust_decimal::Decimal;
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, QueryResult, TryGetError, TryGetable, Value};
use serde::{Deserialize, Serialize};

/// A decimal kept with exactly `S` places; `Fixed::<2>` holds yuan to the cent.
///
/// Construction rounds to `S` places (banker's rounding is never used: half away from
/// zero, as invoices do) and refuses values that do not fit the database column.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fixed<const S: u32>(Decimal);

impl<const S: u32> Fixed<S> {
    /// Largest magnitude accepted, so the scaled value always fits an `i64`.
    pub fn max_abs() -> Decimal {
        Decimal::from(i64::MAX / 10i64.pow(S))
    }

    /// Rounds `value` to `S` places; `None` when it is out of range.
    pub fn new(value: Decimal) -> Option<Self> {
        let rounded =
            value.round_dp_with_strategy(S, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        if rounded.abs() > Self::max_abs() {
            return None;
        }
        Some(Self(rounded))
    }

    pub fn zero() -> Self {
        Self(Decimal::ZERO)
    }

    pub fn value(self) -> Decimal {
        self.0
    }

    fn scaled(self) -> i64 {
        let mut d = self.0;
        d.rescale(S);
        <i64 as TryFrom<i128>>::try_from(d.mantissa()).unwrap_or(if d.is_sign_negative() {
            i64::MIN
        } else {
            i64::MAX
        })
    }

    /// The value whose scaled integer (its stored form) is `raw`.
    pub fn from_scaled(raw: i64) -> Self {
        Self(Decimal::new(raw, S))
    }
}

impl<const S: u32> std::fmt::Display for Fixed<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<const S: u32> From<Fixed<S>> for Value {
    fn from(v: Fixed<S>) -> Self {
        Value::BigInt(Some(v.scaled()))
    }
}

impl<const S: u32> TryGetable for Fixed<S> {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        i64::try_get_by(res, index).map(Self::from_scaled)
    }
}

impl<const S: u32> ValueType for Fixed<S> {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        match v {
            Value::BigInt(Some(raw)) => Ok(Self::from_scaled(raw)),
            _ => Err(ValueTypeErr),
        }
    }

    fn type_name() -> String {
        format!("Fixed<{S}>")
    }

    fn array_type() -> ArrayType {
        ArrayType::BigInt
    }

    fn column_type() -> ColumnType {
        ColumnType::BigInteger
    }
}

impl<const S: u32> Nullable for Fixed<S> {
    fn null() -> Value {
        Value::BigInt(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn round_trips_through_the_scaled_integer() {
        let v = Fixed::<4>::new(Decimal::from_str("3850.12345").unwrap_or_default());
        let v = v.unwrap_or_default();
        assert_eq!(v.value().to_string(), "3850.1235");
        let back = <Fixed<4> as ValueType>::try_from(Value::from(v));
        assert_eq!(back.ok(), Some(v));
    }

    #[test]
    fn refuses_values_that_do_not_fit() {
        assert!(Fixed::<4>::new(Decimal::MAX).is_none());
        assert!(Fixed::<2>::new(Decimal::from(1_000_000_000_i64)).is_some());
    }
}
