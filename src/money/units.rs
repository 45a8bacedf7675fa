//! Units of measure in the page's language. Quantities and listings carry the unit's code
//! (`units.code`, e.g. "t" or "pc/个"); the materials master's `units` table names each unit in
//! both languages ("吨" / "t") and says how many decimal places its quantities take. Pages show
//! the name for their language through `PageCtx::unit` and `PageCtx::qty`.
//!
//! The table is reference data that only the demo loader and the migrations write, so pages
//! read it from a copy kept in memory: [`refresh_if_stale`] reloads it at most once a minute
//! (the session middleware asks before each page), and a code not in it is shown as it is.
//! The copy is shared by every instance in the process and only ever added to: a unit's code
//! names the same unit in any database of this portal.

use crate::i18n::Locale;
use entity::unit;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use std::collections::BTreeMap;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

/// A unit's names in both languages and its quantities' decimal places.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitName {
    pub zh: String,
    pub en: String,
    pub decimals: u32,
}

/// Unit names by code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnitNames(BTreeMap<String, UnitName>);

impl UnitNames {
    pub fn from_rows(rows: impl IntoIterator<Item = unit::Model>) -> Self {
        UnitNames(
            rows.into_iter()
                .map(|u| {
                    (
                        u.code,
                        UnitName {
                            zh: u.name_zh,
                            en: u.name_en,
                            decimals: super::UnitPlaces::of(u.decimals).get(),
                        },
                    )
                })
                .collect(),
        )
    }

    /// The unit `code` in `locale`: its name there, else its name in the other language, else
    /// the code itself (never an empty cell for a unit the table does not know).
    pub fn name(&self, locale: Locale, code: &str) -> String {
        let Some(u) = self.0.get(code.trim()) else {
            return code.to_string();
        };
        let (first, second) = match locale {
            Locale::ZhCn => (&u.zh, &u.en),
            Locale::En => (&u.en, &u.zh),
        };
        [first, second]
            .into_iter()
            .map(|s| s.trim())
            .find(|s| !s.is_empty())
            .unwrap_or(code)
            .to_string()
    }

    /// The decimal places of the unit `code`, when the table knows it.
    pub fn decimals(&self, code: &str) -> Option<u32> {
        self.0.get(code.trim()).map(|u| u.decimals)
    }

    /// `d` of the unit `code`: grouped, with the unit's places (a unit the table does not
    /// know: the places `d` has, at most three), then the unit's name ("1,234.500 吨").
    pub fn quantity(&self, locale: Locale, d: Decimal, code: &str) -> String {
        let places = self
            .decimals(code)
            .unwrap_or_else(|| d.normalize().scale().min(super::UnitPlaces::MAX));
        let number = super::text::quantity(locale, d, places);
        let name = self.name(locale, code);
        if name.is_empty() {
            number
        } else {
            format!("{number} {name}")
        }
    }

    fn merge(&mut self, other: UnitNames) {
        self.0.extend(other.0);
    }
}

static NAMES: RwLock<Option<UnitNames>> = RwLock::new(None);
static LOADED_AT: Mutex<Option<Instant>> = Mutex::new(None);
const FRESH_FOR: Duration = Duration::from_secs(60);

/// Reads the `units` table into the copy pages use.
pub async fn load(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let rows = unit::Entity::find().all(conn).await?;
    let fresh = UnitNames::from_rows(rows);
    if let Ok(mut names) = NAMES.write() {
        // Added to, never emptied: a code keeps its names even while a database without
        // units (a fresh one, before the demo loads) is read.
        names.get_or_insert_with(UnitNames::default).merge(fresh);
    }
    Ok(())
}

/// [`load`] when the copy is empty or older than a minute; a failed read keeps the old copy
/// (pages then show what they showed before, or codes).
pub async fn refresh_if_stale(conn: &impl ConnectionTrait) {
    // An empty copy is read again at once: the demo may have loaded units since.
    let empty = NAMES
        .read()
        .map(|n| n.as_ref().is_none_or(|n| n.0.is_empty()))
        .unwrap_or(true);
    let due = match LOADED_AT.lock() {
        Ok(mut at) => {
            let due = empty || at.is_none_or(|t| t.elapsed() >= FRESH_FOR);
            if due {
                // Claimed before reading, so a burst of requests reads the table once.
                *at = Some(Instant::now());
            }
            due
        }
        Err(_) => false,
    };
    if due && let Err(e) = load(conn).await {
        tracing::warn!(error = %e, "could not read the units table");
        if let Ok(mut at) = LOADED_AT.lock() {
            *at = None;
        }
    }
}

/// The unit `code` in `locale`, from the copy in memory.
pub fn name(locale: Locale, code: &str) -> String {
    match NAMES.read() {
        Ok(names) => names
            .as_ref()
            .map(|n| n.name(locale, code))
            .unwrap_or_else(|| code.to_string()),
        Err(_) => code.to_string(),
    }
}

/// [`UnitNames::quantity`] from the copy in memory.
pub fn quantity(locale: Locale, d: Decimal, code: &str) -> String {
    match NAMES.read() {
        Ok(names) => names
            .as_ref()
            .map(|n| n.quantity(locale, d, code))
            .unwrap_or_else(|| UnitNames::default().quantity(locale, d, code)),
        Err(_) => UnitNames::default().quantity(locale, d, code),
    }
}

/// The decimal places of the unit `code`, from the copy in memory.
pub fn decimals(code: &str) -> Option<u32> {
    NAMES
        .read()
        .ok()
        .and_then(|n| n.as_ref().and_then(|n| n.decimals(code)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, zh: &str, en: &str, decimals: i32) -> unit::Model {
        unit::Model {
            code: code.into(),
            name_zh: zh.into(),
            name_en: en.into(),
            decimals,
        }
    }

    fn names() -> UnitNames {
        UnitNames::from_rows([
            row("t", "吨", "t", 3),
            row("pc/个", "个", "pc", 0),
            row("pc/根", "根", "pc", 0),
            row("m³", "立方米", "m³", 2),
            row("bag", "袋", "", 9),
        ])
    }

    #[test]
    fn a_unit_is_named_in_the_pages_language() {
        let n = names();
        assert_eq!(n.name(Locale::ZhCn, "t"), "吨");
        assert_eq!(n.name(Locale::En, "t"), "t");
        assert_eq!(n.name(Locale::ZhCn, "pc/根"), "根");
        assert_eq!(n.name(Locale::En, "pc/根"), "pc");
        assert_eq!(n.name(Locale::ZhCn, "m³"), "立方米");
    }

    #[test]
    fn a_missing_name_falls_back_to_the_other_language_then_the_code() {
        let n = names();
        assert_eq!(n.name(Locale::En, "bag"), "袋");
        assert_eq!(n.name(Locale::ZhCn, "kg"), "kg");
        assert_eq!(n.name(Locale::En, ""), "");
    }

    #[test]
    fn a_quantity_has_its_units_places_and_name() {
        let n = names();
        let d = |s: &str| {
            s.parse::<Decimal>()
                .unwrap_or_else(|_| panic!("bad decimal {s}"))
        };
        assert_eq!(n.quantity(Locale::ZhCn, d("1234.5"), "t"), "1,234.500 吨");
        assert_eq!(n.quantity(Locale::En, d("1234.5"), "t"), "1,234.500 t");
        assert_eq!(n.quantity(Locale::ZhCn, d("12"), "pc/根"), "12 根");
        assert_eq!(n.quantity(Locale::En, d("1234.5"), "kg"), "1,234.5 kg");
        assert_eq!(n.quantity(Locale::En, d("7"), ""), "7");
    }

    #[test]
    fn a_units_places_are_held_to_what_the_columns_keep() {
        let n = names();
        assert_eq!(n.decimals("t"), Some(3));
        assert_eq!(n.decimals("pc/个"), Some(0));
        assert_eq!(n.decimals("bag"), Some(3));
        assert_eq!(n.decimals("kg"), None);
    }
}
