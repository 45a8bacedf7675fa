//! Substring filters in SQL, with `LIKE`'s wildcards taken literally, and the catalogue's
//! searchable text of a listing (`listings.search_text`).
//!
//! The catalogue itself is searched by its own engine (`crate::catalogue::engine`, issue 16);
//! the SQL gram index that was here is retired (migration 000025). `search_text` stays for
//! the catalogue's answer while the engine is being built, and for the name order there.

use entity::material;
use sea_orm::ColumnTrait;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use unicode_normalization::UnicodeNormalization;

/// How searchable text is compared: NFKC (full-width ＤＮ２５ is DN25) and lower case, so
/// "dn25" finds "DN25" and "φ12" finds "Φ12" (the catalogue's engine compares alike). Lower
/// case is taken character by character, so a word's case does not depend on its neighbours
/// (a final Σ is σ like any other).
pub fn normalize(text: &str) -> String {
    text.nfkc().flat_map(char::to_lowercase).collect()
}

/// A `LIKE` pattern matching `word` anywhere, with the wildcards in it taken literally (to be
/// used with `ESCAPE '\'`).
pub fn like_pattern(word: &str) -> String {
    format!("%{}%", like_literal(&normalize(word)))
}

/// `text` with the `LIKE` wildcards (`%`, `_`) and the escape character `\` taken literally
/// (to be used with `ESCAPE '\'`). Every text filter goes through it (issue 14: a `%` in the
/// materials, supplier or audit search returned everything).
pub fn like_literal(text: &str) -> String {
    let mut p = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p
}

/// `column` holds `text` (as it is, wildcards taken literally): `ColumnTrait::contains`
/// without its live wildcards.
pub fn contains(column: impl ColumnTrait, text: &str) -> Expr {
    Expr::col(column).like(LikeExpr::new(format!("%{}%", like_literal(text))).escape('\\'))
}

/// `column` starts with `text` (as it is, wildcards taken literally).
pub fn starts_with(column: impl ColumnTrait, text: &str) -> Expr {
    Expr::col(column).like(LikeExpr::new(format!("{}%", like_literal(text))).escape('\\'))
}

/// The searchable text of a material: its names and specification.
pub fn material_text(m: &material::Model) -> String {
    format!("{} {} {}", m.name_zh, m.name_en, m.spec)
}

/// The searchable text of a listing, which its `search_text` column keeps (and the catalogue's
/// name order sorts by): the material's text and the supplier's name, lower case.
pub fn listing_text(m: &material::Model, supplier_name: &str) -> String {
    normalize(&format!("{} {}", material_text(m), supplier_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_compared_folded_to_half_width_and_lower_case() {
        assert_eq!(normalize("ＤＮ２５ Φ１２ HRB400"), "dn25 φ12 hrb400");
        assert_eq!(
            normalize("P.O 42.5 普通硅酸盐水泥"),
            "p.o 42.5 普通硅酸盐水泥"
        );
    }

    #[test]
    fn like_wildcards_in_a_query_are_taken_literally() {
        assert_eq!(like_pattern("DN_25%"), "%dn\\_25\\%%");
        assert_eq!(like_pattern("a\\b"), "%a\\\\b%");
        assert_eq!(like_literal("100%_off\\"), "100\\%\\_off\\\\");
        assert_eq!(like_literal("DN25"), "DN25");
    }
}
