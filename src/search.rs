//! Substring search over the catalogue that stays fast at 100,000 listings on SQLite and
//! PostgreSQL alike.
//!
//! Sites search by fragments: a two-character Chinese word (水泥 in "P.O 42.5 普通硅酸盐水泥"),
//! a specification fragment (Φ12, DN25, 42.5). Neither database's word-based full-text search
//! finds those, and `LIKE '%…%'` alone scans every row. So each material's text is cut into
//! character grams kept in an ordinary B-tree table (`material_grams`): a query word's grams
//! narrow the candidates through the index, and `LIKE` on the candidates confirms the match,
//! so the answer is exactly what a plain substring search would give.

use std::collections::BTreeSet;

use entity::{material, material_gram};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

/// How searchable text is compared: lower case, so "dn25" finds "DN25" and "φ12" finds "Φ12".
pub fn normalize(text: &str) -> String {
    text.to_lowercase()
}

/// Chinese characters: a single one is a word worth indexing (钢, 砖), unlike a single letter.
fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// The grams indexed for a text: each pair of adjacent characters within a word, each Chinese
/// character, and each word of one character.
pub fn grams(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for word in normalize(text).split_whitespace() {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() == 1 {
            out.insert(word.to_string());
        }
        for pair in chars.windows(2) {
            out.insert(pair.iter().collect());
        }
        out.extend(chars.iter().filter(|c| is_cjk(**c)).map(|c| c.to_string()));
    }
    out
}

/// The grams every text containing `word` has, or `None` when the index cannot narrow the
/// search (a single letter or digit is inside too many words to be indexed alone).
pub fn word_grams(word: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = normalize(word).chars().collect();
    match chars.as_slice() {
        [] => None,
        [c] if is_cjk(*c) => Some(vec![c.to_string()]),
        [_] => None,
        _ => {
            let set: BTreeSet<String> = chars.windows(2).map(|p| p.iter().collect()).collect();
            Some(set.into_iter().collect())
        }
    }
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

/// Indexes a material anew, after it was added or its names or specification changed. Runs
/// inside the caller's transaction.
pub async fn index_material(conn: &impl ConnectionTrait, m: &material::Model) -> Result<(), DbErr> {
    material_gram::Entity::delete_many()
        .filter(material_gram::Column::MaterialId.eq(m.id))
        .exec(conn)
        .await?;
    insert_grams(conn, m.id, grams(&material_text(m))).await
}

async fn insert_grams(
    conn: &impl ConnectionTrait,
    material_id: i64,
    grams: BTreeSet<String>,
) -> Result<(), DbErr> {
    let rows: Vec<material_gram::ActiveModel> = grams
        .into_iter()
        .map(|gram| material_gram::ActiveModel {
            gram: Set(gram),
            material_id: Set(material_id),
        })
        .collect();
    for chunk in rows.chunks(500) {
        material_gram::Entity::insert_many(chunk.to_vec())
            .on_conflict_do_nothing_on([
                material_gram::Column::Gram,
                material_gram::Column::MaterialId,
            ])
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Indexes every material that has no grams yet (materials added before the index existed,
/// or by a bulk load). Returns how many were indexed.
pub async fn backfill(conn: &impl ConnectionTrait) -> Result<u64, DbErr> {
    // Only those without grams are read: this runs at every start, and reading every
    // material and every indexed id there kept tens of megabytes on a large catalogue.
    let missing = material::Entity::find()
        .filter(
            Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(material_gram::Entity)
                    .and_where(
                        Expr::col((material_gram::Entity, material_gram::Column::MaterialId))
                            .equals((material::Entity, material::Column::Id)),
                    )
                    .to_owned(),
            )
            .not(),
        )
        .all(conn)
        .await?;
    let mut n = 0;
    for m in missing {
        insert_grams(conn, m.id, grams(&material_text(&m))).await?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(text: &str, word: &str) -> bool {
        let g = grams(text);
        word_grams(word).is_some_and(|w| w.iter().all(|x| g.contains(x)))
    }

    #[test]
    fn a_two_character_chinese_word_is_found_inside_a_longer_name() {
        assert!(has("P.O 42.5 普通硅酸盐水泥", "水泥"));
        assert!(has("P.O 42.5 普通硅酸盐水泥", "硅酸盐"));
        assert!(!has("P.O 42.5 普通硅酸盐水泥", "钢筋"));
    }

    #[test]
    fn a_single_chinese_character_is_indexed_but_a_single_letter_is_not() {
        assert!(has("热轧带肋钢筋", "钢"));
        assert_eq!(word_grams("a"), None);
        assert_eq!(word_grams("7"), None);
        assert_eq!(word_grams(""), None);
    }

    #[test]
    fn specification_fragments_are_found_whatever_their_case() {
        assert!(has("HRB400E Φ12", "φ12"));
        assert!(has("HRB400E Φ12", "Φ12"));
        assert!(has("Welded steel pipe DN25", "dn25"));
        assert!(has("P.O 42.5", "42.5"));
        assert!(!has("P.O 32.5", "42.5"));
    }

    #[test]
    fn grams_do_not_span_two_words() {
        // "o 4" spans the space between "p.o" and "42.5": no indexed gram joins words.
        assert!(!grams("P.O 42.5").contains("o4"));
        assert!(grams("P.O 42.5").contains("42"));
    }

    #[test]
    fn like_wildcards_in_a_query_are_taken_literally() {
        assert_eq!(like_pattern("DN_25%"), "%dn\\_25\\%%");
        assert_eq!(like_pattern("a\\b"), "%a\\\\b%");
        assert_eq!(like_literal("100%_off\\"), "100\\%\\_off\\\\");
        assert_eq!(like_literal("DN25"), "DN25");
    }
}
