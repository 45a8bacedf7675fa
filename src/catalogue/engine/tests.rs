use std::sync::Arc;

use proptest::prelude::*;

use super::text::{normalize, query_words};
use super::*;

/// The materials of the fixture: name_zh, name_en, spec, category.
const MATERIALS: [(&str, &str, &str, i64); 18] = [
    (
        "热轧带肋钢筋(螺纹钢)",
        "Hot-rolled ribbed rebar",
        "HRB400E Φ12",
        1,
    ),
    (
        "热轧带肋钢筋(螺纹钢)",
        "Hot-rolled ribbed rebar",
        "HRB400E Φ16",
        1,
    ),
    ("热轧带肋钢筋", "Rebar", "HRB400 Φ120", 1),
    ("钢筋", "Rebar", "HRB400 Φ12", 1),
    (
        "普通硅酸盐水泥",
        "Ordinary Portland cement",
        "P.O 42.5 袋装",
        2,
    ),
    (
        "复合硅酸盐水泥",
        "Composite Portland cement",
        "P.C 32.5 袋装",
        2,
    ),
    ("水泥", "Cement", "P.O 42.5R", 2),
    ("焊接钢管", "Welded steel pipe", "DN25", 3),
    ("镀锌钢管", "Galvanised steel pipe", "DN25 Q235", 3),
    ("PPR给水管", "PPR water pipe", "dn25 PN1.6", 3),
    ("ＰＥ给水管", "PE water pipe", "ＤＮ２５ Φ１２", 3),
    ("试验用改名材料", "Renamed test material", "XK-7_Φ99%", 4),
    ("铝合金板", "Aluminium alloy sheet", "6061-T6 2mm", 4),
    ("重型脚手架", "Heavy scaffold", "Φ48×3.5", 4),
    ("长螺杆", "Long screw rod", "M12", 4),
    ("中砂", "Medium sand", "细度模数 2.3-3.0", 5),
    ("水泥砂浆", "Cement mortar", "M7.5", 2),
    ("重复", "aaa", "aa abab ab ab", 5),
];

/// The suppliers of the fixture: 海螺水泥 holds 水泥 in its name only, 沙钢 and Acme are words
/// found in no material.
const SUPPLIERS: [&str; 3] = [
    "江苏沙钢集团有限公司",
    "海螺水泥股份有限公司",
    "Acme Building Supply Co.",
];

/// Every material listed by two or three suppliers, with prices, stock and orderability
/// varying (one listing in seven cannot be ordered).
fn fixture() -> Vec<Doc> {
    let mut docs = Vec::new();
    for (i, (zh, en, spec, category)) in MATERIALS.iter().enumerate() {
        for (j, supplier) in SUPPLIERS.iter().enumerate() {
            if (i + j) % 4 == 3 {
                continue;
            }
            let (i, j) = (i as i64, j as i64);
            docs.push(Doc {
                listing_id: 100 * i + j + 1,
                material_id: i + 1,
                supplier_id: j + 1,
                category_id: *category,
                warehouse_id: j % 2 + 1,
                name_zh: zh.to_string(),
                name_en: en.to_string(),
                spec: spec.to_string(),
                unit: ["t", "m", "bag"][(i % 3) as usize].to_string(),
                supplier: supplier.to_string(),
                price: (i * 7919 + j * 104_729) % 50_000 * 100,
                available: ((i + j) % 3 - 1) * 1000,
                orderable: (i * 3 + j) % 7 != 0,
            });
        }
    }
    docs
}

fn engine_with(docs: &[Doc]) -> Engine {
    let e = Engine::new().expect("engine");
    e.build(docs.to_vec()).expect("build");
    e
}

fn all(text: &str) -> Query {
    Query {
        text: Some(text.to_string()),
        sort: Sort::Name,
        limit: 100_000,
        count_cap: 100_000,
        ..Query::default()
    }
}

/// Whether `word` (normalised) is in the pinyin of `d`'s Chinese name.
fn in_pinyin(d: &Doc, word: &str) -> bool {
    pinyin::is_pinyin_word(word)
        && pinyin::readings(&normalize(&d.name_zh))
            .iter()
            .any(|r| r.contains(word))
}

/// The plain scan the engine must agree with: filters, then every word a substring of the
/// normalised text (or, when `with_pinyin`, of the name's pinyin), in the query's order.
fn scan(docs: &[Doc], q: &Query, with_pinyin: bool) -> Vec<i64> {
    let words = query_words(q.text.as_deref().unwrap_or(""));
    let mut found: Vec<&Doc> = docs
        .iter()
        .filter(|d| d.orderable)
        .filter(|d| q.category_id.is_none_or(|c| d.category_id == c))
        .filter(|d| q.supplier_id.is_none_or(|s| d.supplier_id == s))
        .filter(|d| q.in_stock.is_none_or(|w| (d.available > 0) == w))
        .filter(|d| {
            let text = d.text();
            words
                .iter()
                .all(|w| text.contains(w.as_str()) || (with_pinyin && in_pinyin(d, w)))
        })
        .collect();
    match q.sort {
        Sort::Name | Sort::BestMatch => found.sort_by_key(|d| (d.text(), d.listing_id)),
        Sort::PriceAsc => found.sort_by_key(|d| (d.price, d.listing_id)),
        Sort::PriceDesc => found.sort_by_key(|d| (std::cmp::Reverse(d.price), d.listing_id)),
    }
    found.into_iter().map(|d| d.listing_id).collect()
}

/// The best-match order the engine must give: each word scores by the best place it is found
/// in (an exact word above any fragment; name, then spec, then supplier, then pinyin), the
/// scores add up, and ties go to the name order.
fn scan_best(docs: &[Doc], text: &str) -> Vec<i64> {
    let words = query_words(text);
    let score = |d: &Doc| -> usize {
        let mut total = 0;
        for w in &words {
            let mut places = vec![
                normalize(&format!("{} {}", d.name_zh, d.name_en)),
                normalize(&d.spec),
                normalize(&d.supplier),
            ];
            if pinyin::is_pinyin_word(w) {
                places.push(pinyin::readings(&normalize(&d.name_zh)).join(" "));
            }
            let n = places.len();
            total += places
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    if text::whole_words(p).contains(&w.as_str()) {
                        2 * n - i
                    } else if p.contains(w.as_str()) {
                        n - i
                    } else {
                        0
                    }
                })
                .max()
                .unwrap_or(0);
        }
        total
    };
    let mut found: Vec<(std::cmp::Reverse<usize>, String, i64)> = scan(docs, &all(text), true)
        .into_iter()
        .filter_map(|id| docs.iter().find(|d| d.listing_id == id))
        .map(|d| (std::cmp::Reverse(score(d)), d.text(), d.listing_id))
        .collect();
    found.sort();
    found.into_iter().map(|(_, _, id)| id).collect()
}

fn ids(e: &Engine, q: &Query) -> Vec<i64> {
    e.search(q).expect("search").ids()
}

#[test]
fn substring_queries_find_exactly_what_a_plain_scan_finds_in_name_order() {
    let docs = fixture();
    let e = engine_with(&docs);
    for (q, some) in [
        ("水泥", true),
        ("Φ12", true),
        ("φ12", true),
        ("42.5", true),
        ("DN25", true),
        ("dn25", true),
        ("rebar", true),
        ("HRB400 钢筋", true),
        ("ＤＮ２５", true),
        ("Φ１２", true),
        ("钢", true),
        ("5", true),
        ("r", true),
        ("XK-7%", false),
        ("XK_7", false),
        ("xk-7_φ99%", true),
        ("_φ99%", true),
        ("沙钢", true),
        ("acme", true),
        ("Building Supply", true),
        ("不存在的", false),
        ("水泥 不存在的", false),
        ("P.O 42.5", true),
        ("o 4", true),
    ] {
        let query = all(q);
        let expected = scan(&docs, &query, false);
        assert_eq!(ids(&e, &query), expected, "{q}");
        assert_eq!(!expected.is_empty(), some, "{q}: {expected:?}");
    }
}

#[test]
fn full_width_and_any_case_find_the_same_listings() {
    let e = engine_with(&fixture());
    assert_eq!(ids(&e, &all("ＤＮ２５")), ids(&e, &all("DN25")));
    assert_eq!(ids(&e, &all("Φ１２")), ids(&e, &all("φ12")));
    assert_eq!(ids(&e, &all("φ12")), ids(&e, &all("Φ12")));
    // The full-width listing (ＰＥ给水管, ＤＮ２５ Φ１２) is found by the plain forms.
    let pe: Vec<i64> = fixture()
        .iter()
        .filter(|d| d.material_id == 11 && d.orderable)
        .map(|d| d.listing_id)
        .collect();
    assert!(!pe.is_empty());
    for q in ["dn25", "Φ12", "pe给水管"] {
        let found = ids(&e, &all(q));
        assert!(pe.iter().all(|id| found.contains(id)), "{q}: {found:?}");
    }
}

#[test]
fn a_word_found_only_in_the_supplier_name_finds_that_suppliers_listings() {
    let docs = fixture();
    let e = engine_with(&docs);
    let found = ids(&e, &all("沙钢"));
    let theirs: Vec<i64> = scan(&docs, &all(""), false)
        .into_iter()
        .filter(|id| {
            docs.iter()
                .any(|d| d.listing_id == *id && d.supplier_id == 1)
        })
        .collect();
    assert_eq!(found, theirs);
}

#[test]
fn repeated_pairs_and_words_across_a_space_follow_the_substring_rule() {
    let docs = fixture();
    let e = engine_with(&docs);
    // "aaa" is in the English name, "aa" in the spec; "abab" is one word, "ab ab" two.
    for q in [
        "aaa", "aaaa", "aa", "abab", "ababab", "baba", "bab", "a", "b",
    ] {
        let query = all(q);
        assert_eq!(ids(&e, &query), scan(&docs, &query, false), "{q}");
    }
    assert!(ids(&e, &all("aaaa")).is_empty());
    assert!(ids(&e, &all("ababab")).is_empty());
    assert!(!ids(&e, &all("abab")).is_empty());
}

#[test]
fn filters_combine_with_a_query() {
    let docs = fixture();
    let e = engine_with(&docs);
    for text in ["", "水泥", "Φ12", "管", "gj"] {
        for category_id in [None, Some(1), Some(2), Some(3)] {
            for supplier_id in [None, Some(1), Some(2)] {
                for in_stock in [None, Some(true), Some(false)] {
                    let q = Query {
                        category_id,
                        supplier_id,
                        in_stock,
                        ..all(text)
                    };
                    assert_eq!(ids(&e, &q), scan(&docs, &q, true), "{q:?}");
                }
            }
        }
    }
    // The filters do narrow: some listing of each kind is left out.
    let q = Query {
        in_stock: Some(true),
        ..all("")
    };
    assert!(ids(&e, &q).len() < ids(&e, &all("")).len());
}

#[test]
fn listings_that_cannot_be_ordered_are_never_found() {
    let docs = fixture();
    let e = engine_with(&docs);
    let closed: Vec<i64> = docs
        .iter()
        .filter(|d| !d.orderable)
        .map(|d| d.listing_id)
        .collect();
    assert!(!closed.is_empty());
    for q in ["", "水泥", "钢", "rebar", "gj"] {
        let found = ids(&e, &all(q));
        assert!(found.iter().all(|id| !closed.contains(id)), "{q}");
    }
}

#[test]
fn sorts_by_price_either_way_and_by_name() {
    let docs = fixture();
    let e = engine_with(&docs);
    for text in ["", "钢", "水泥"] {
        for sort in [Sort::PriceAsc, Sort::PriceDesc, Sort::Name] {
            let q = Query { sort, ..all(text) };
            let found = ids(&e, &q);
            assert_eq!(found, scan(&docs, &q, false), "{text} {sort:?}");
        }
    }
    // Equal prices fall back to the listing id.
    let twins: Vec<Doc> = (1..=5)
        .map(|i| Doc {
            listing_id: 10 - i,
            price: 100,
            orderable: true,
            ..fixture()[0].clone()
        })
        .collect();
    let e = engine_with(&twins);
    let q = Query {
        sort: Sort::PriceDesc,
        ..all("")
    };
    assert_eq!(ids(&e, &q), vec![5, 6, 7, 8, 9]);
    // A page smaller than the ties: indexed from the highest id down, each later twin still
    // displaces the highest id kept (a tie on the order alone is no reason to pass one over).
    for sort in [Sort::PriceDesc, Sort::PriceAsc, Sort::Name] {
        let q = Query {
            sort,
            limit: 2,
            ..all("")
        };
        assert_eq!(ids(&e, &q), vec![5, 6], "{sort:?}");
    }
}

#[test]
fn pages_follow_each_other_and_counts_stop_at_the_cap() {
    let docs = fixture();
    let e = engine_with(&docs);
    let everything = scan(&docs, &all(""), false);
    let n = everything.len();
    assert!(n > 20, "{n}");
    for sort in [Sort::Name, Sort::PriceAsc, Sort::BestMatch] {
        let mut paged = Vec::new();
        for page in 0..(n / 7 + 1) {
            let hits = e
                .search(&Query {
                    sort,
                    offset: page * 7,
                    limit: 7,
                    count_cap: 1000,
                    ..Query::default()
                })
                .expect("search");
            assert_eq!(hits.total, n);
            assert!(!hits.more);
            paged.extend(hits.ids());
        }
        let whole = ids(&e, &Query { sort, ..all("") });
        assert_eq!(paged, whole, "{sort:?}");
    }
    // Counted exactly up to offset + cap, "more" past it.
    for (offset, cap) in [(0, 5), (10, 5), (0, n), (0, n - 1), (n - 3, 2), (n + 5, 1)] {
        let hits = e
            .search(&Query {
                sort: Sort::Name,
                offset,
                limit: 4,
                count_cap: cap,
                ..Query::default()
            })
            .expect("search");
        assert_eq!(hits.total, n.min(offset + cap), "{offset} {cap}");
        assert_eq!(hits.more, n > offset + cap, "{offset} {cap}");
        let expected: Vec<i64> = everything.iter().skip(offset).take(4).copied().collect();
        assert_eq!(hits.ids(), expected, "{offset} {cap}");
    }
    // A count without a page.
    let hits = e
        .search(&Query {
            text: Some("水泥".into()),
            count_cap: 1000,
            ..Query::default()
        })
        .expect("search");
    assert!(hits.ids().is_empty());
    assert_eq!(hits.total, scan(&docs, &all("水泥"), false).len());
}

#[test]
fn a_page_holds_each_listing_as_last_indexed() {
    let docs = fixture();
    let e = engine_with(&docs);
    let by_id: std::collections::BTreeMap<i64, &Doc> =
        docs.iter().map(|d| (d.listing_id, d)).collect();
    let hits = e.search(&all("")).expect("search");
    assert_eq!(hits.docs.len(), scan(&docs, &all(""), false).len());
    for d in &hits.docs {
        assert_eq!(Some(&d), by_id.get(&d.listing_id), "{}", d.listing_id);
    }
    // Changed: the page shows the new values, not the old (an empty text as empty).
    let before = hits.docs[3].clone();
    assert!(!before.name_en.is_empty());
    let after = Doc {
        name_zh: "改过的名字".into(),
        name_en: String::new(),
        unit: "kg".into(),
        warehouse_id: 9,
        price: before.price + 1,
        available: before.available + 5,
        ..before.clone()
    };
    e.upsert(std::slice::from_ref(&after)).expect("upsert");
    let hits = e.search(&all("改过的名字")).expect("search");
    assert_eq!(hits.docs, vec![after]);
}

#[test]
fn best_match_puts_exact_words_first_then_name_before_spec_before_supplier() {
    let docs = fixture();
    let e = engine_with(&docs);
    let best = |text: &str| {
        ids(
            &e,
            &Query {
                sort: Sort::BestMatch,
                ..all(text)
            },
        )
    };
    let material = |id: i64| {
        docs.iter()
            .find(|d| d.listing_id == id)
            .map(|d| d.material_id)
    };
    let materials = |text: &str| -> Vec<i64> {
        let mut out: Vec<i64> = Vec::new();
        for id in best(text) {
            let m = material(id).unwrap_or_default();
            if out.last() != Some(&m) {
                out.push(m);
            }
        }
        out
    };
    // 水泥: the material named 水泥 exactly, then names holding it (in name order:
    // 复合…, 普通…, 水泥砂浆), then listings whose supplier (海螺水泥) holds it.
    let found = best("水泥");
    assert_eq!(found.len(), scan(&docs, &all("水泥"), false).len());
    let m = materials("水泥");
    assert_eq!(&m[..4], &[7, 6, 5, 17], "{m:?}");
    assert!(
        found[found.len() - 1..].iter().all(|id| docs
            .iter()
            .any(|d| d.listing_id == *id && d.supplier_id == 2)),
        "{found:?}"
    );
    // 钢筋: the material named 钢筋 first.
    assert_eq!(materials("钢筋")[0], 4);
    // Φ12: the whole word in the spec (钢筋 HRB400 Φ12, 热轧… HRB400E Φ12, in name order
    // after the full-width ＰＥ给水管's ＤＮ２５ Φ１２) before the fragment in Φ120.
    let m = materials("Φ12");
    assert_eq!(m.last(), Some(&3), "{m:?}");
    assert!(m.contains(&1) && m.contains(&4) && m.contains(&11), "{m:?}");
    // Rebar: the whole English name (Rebar) and the word in "…ribbed rebar" are both exact.
    let m = materials("rebar");
    assert_eq!(m.len(), 4, "{m:?}");
    // The whole order, for single words and several.
    for text in [
        "水泥",
        "钢",
        "钢筋",
        "Φ12",
        "rebar",
        "pipe",
        "42.5",
        "sn",
        "gj",
        "5",
        "有限",
        "水泥 42.5",
        "钢 管",
        "gj hrb400",
        "ab",
    ] {
        assert_eq!(best(text), scan_best(&docs, text), "{text}");
    }
    // Without words, best match is the name order.
    assert_eq!(
        ids(
            &e,
            &Query {
                sort: Sort::BestMatch,
                ..all("")
            }
        ),
        ids(&e, &all(""))
    );
}

#[test]
fn pinyin_initials_and_full_pinyin_find_chinese_names() {
    let docs = fixture();
    let e = engine_with(&docs);
    let names = |q: &str| -> std::collections::BTreeSet<String> {
        ids(&e, &all(q))
            .into_iter()
            .filter_map(|id| docs.iter().find(|d| d.listing_id == id))
            .map(|d| d.name_zh.clone())
            .collect()
    };
    let cement = ["普通硅酸盐水泥", "复合硅酸盐水泥", "水泥", "水泥砂浆"];
    for q in ["sn", "shuini", "SN", "ｓｎ"] {
        let found = names(q);
        assert!(cement.iter().all(|n| found.contains(*n)), "{q}: {found:?}");
    }
    let found = names("gj");
    for n in ["钢筋", "热轧带肋钢筋", "热轧带肋钢筋(螺纹钢)"] {
        assert!(found.contains(n), "gj: {found:?}");
    }
    // Initials inside a longer name: 硅酸盐 in 普通硅酸盐水泥 and 复合硅酸盐水泥.
    let found = names("gsy");
    assert!(found.contains("普通硅酸盐水泥") && found.contains("复合硅酸盐水泥"));
    assert!(!found.contains("水泥"));
    // 重 is zhòng and chóng, 长 cháng and zhǎng: each reading finds.
    for q in ["zx", "cx", "zhongxing", "chongxing"] {
        assert!(names(q).contains("重型脚手架"), "{q}");
    }
    for q in ["clg", "zlg", "changluogan", "zhangluogan"] {
        assert!(names(q).contains("长螺杆"), "{q}");
    }
    // 铝 (lǚ) is typed lv, or lu.
    assert!(names("lhjb").contains("铝合金板"));
    assert!(names("lvhejin").contains("铝合金板"));
    assert!(names("luhejin").contains("铝合金板"));
    // Every such query equals the plain scan with pinyin.
    for q in [
        "sn",
        "shuini",
        "gj",
        "gsy",
        "zx",
        "lvhj",
        "sn 42.5",
        "gj hrb400",
    ] {
        assert_eq!(ids(&e, &all(q)), scan(&docs, &all(q), true), "{q}");
    }
}

#[test]
fn pinyin_is_only_for_words_of_two_or_more_letters() {
    let docs = fixture();
    let e = engine_with(&docs);
    for q in ["gj4", "sn水", "s", "g", "sn-", "shuini2"] {
        assert_eq!(ids(&e, &all(q)), scan(&docs, &all(q), false), "{q}");
    }
    assert!(ids(&e, &all("gj4")).is_empty());
    assert!(ids(&e, &all("shuini2")).is_empty());
    // Each word may match either way: sn by pinyin, 42.5 by substring.
    let both = ids(&e, &all("sn 42.5"));
    assert!(!both.is_empty());
    assert_eq!(both, scan(&docs, &all("sn 42.5"), true));
}

#[test]
fn upserts_change_what_is_found_and_removes_remove() {
    let docs = fixture();
    let e = engine_with(&docs);
    let first = docs
        .iter()
        .find(|d| d.orderable && d.material_id == 12)
        .cloned()
        .expect("a listing");
    let id = first.listing_id;
    assert!(ids(&e, &all("改名")).contains(&id));

    // Renamed: found by the new name, not the old.
    let renamed = Doc {
        name_zh: "新名字材料".into(),
        ..first.clone()
    };
    e.upsert(std::slice::from_ref(&renamed)).expect("upsert");
    assert!(ids(&e, &all("新名字")).contains(&id));
    assert!(!ids(&e, &all("改名")).contains(&id));
    assert!(ids(&e, &all("xmz")).contains(&id));
    let mut now: Vec<Doc> = docs
        .iter()
        .map(|d| {
            if d.listing_id == id {
                renamed.clone()
            } else {
                d.clone()
            }
        })
        .collect();

    // Repriced: the price order follows.
    let cheapest = Doc {
        price: -1,
        ..renamed.clone()
    };
    e.upsert(std::slice::from_ref(&cheapest)).expect("upsert");
    let q = Query {
        sort: Sort::PriceAsc,
        ..all("")
    };
    assert_eq!(ids(&e, &q).first(), Some(&id));
    now.iter_mut()
        .filter(|d| d.listing_id == id)
        .for_each(|d| *d = cheapest.clone());
    assert_eq!(ids(&e, &q), scan(&now, &q, false));

    // Out of stock, then back.
    for available in [0, 1] {
        let d = Doc {
            available,
            ..cheapest.clone()
        };
        e.upsert(std::slice::from_ref(&d)).expect("upsert");
        let q = Query {
            in_stock: Some(true),
            ..all("新名字")
        };
        assert_eq!(ids(&e, &q).contains(&id), available > 0);
    }

    // No longer orderable: gone; orderable again: back.
    for orderable in [false, true] {
        let d = Doc {
            orderable,
            ..cheapest.clone()
        };
        e.upsert(std::slice::from_ref(&d)).expect("upsert");
        assert_eq!(ids(&e, &all("新名字")).contains(&id), orderable);
        assert_eq!(ids(&e, &all("")).contains(&id), orderable);
    }

    // Several at once, one of them twice: the last one counts.
    let a = Doc {
        spec: "甲".into(),
        ..cheapest.clone()
    };
    let b = Doc {
        spec: "乙".into(),
        ..cheapest.clone()
    };
    e.upsert(&[a, b]).expect("upsert");
    assert_eq!(ids(&e, &all("乙")), vec![id]);
    assert!(ids(&e, &all("甲")).is_empty());

    // Removed: gone, the others stay; removing unknown ids is harmless.
    let before = ids(&e, &all("")).len();
    e.remove(&[id, 999_999]).expect("remove");
    assert!(!ids(&e, &all("")).contains(&id));
    assert!(ids(&e, &all("乙")).is_empty());
    assert_eq!(ids(&e, &all("")).len(), before - 1);
}

#[test]
fn orders_hold_across_the_segments_that_upserts_leave() {
    let docs = fixture();
    let e = engine_with(&docs[..10]);
    for chunk in docs[10..].chunks(3) {
        e.upsert(chunk).expect("upsert");
    }
    assert!(e.reader.searcher().segment_readers().len() > 2);
    for text in ["", "水泥", "钢", "Φ12", "gj", "管 dn25"] {
        for sort in [Sort::Name, Sort::PriceAsc, Sort::PriceDesc] {
            let q = Query { sort, ..all(text) };
            assert_eq!(ids(&e, &q), scan(&docs, &q, true), "{text} {sort:?}");
        }
        let best = Query {
            sort: Sort::BestMatch,
            ..all(text)
        };
        assert_eq!(ids(&e, &best), scan_best(&docs, text), "{text}");
        // A page from the middle, as the merge of the segments' pages gives it.
        let q = Query {
            offset: 3,
            limit: 5,
            ..all(text)
        };
        let expected: Vec<i64> = scan(&docs, &q, true).into_iter().skip(3).take(5).collect();
        assert_eq!(ids(&e, &q), expected, "{text}");
    }
}

#[test]
fn a_build_replaces_everything_indexed() {
    let docs = fixture();
    let e = engine_with(&docs);
    let few: Vec<Doc> = docs.iter().take(3).cloned().collect();
    e.build(few.clone()).expect("build");
    assert_eq!(ids(&e, &all("")), scan(&few, &all(""), false));
    e.build(Vec::new()).expect("build");
    assert!(ids(&e, &all("")).is_empty());
}

#[test]
fn many_searches_run_while_writes_go_on() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Engine>();
    let docs = fixture();
    let e = Arc::new(engine_with(&docs));
    let expected = scan(&docs, &all("水泥"), false);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let e = e.clone();
            let expected = expected.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..50 {
                    assert_eq!(ids(&e, &all("水泥")), expected);
                    tokio::task::yield_now().await;
                }
            }));
        }
        // Writes that do not touch 水泥's answer, meanwhile.
        let writer = {
            let e = e.clone();
            let docs = docs.clone();
            tokio::task::spawn_blocking(move || {
                for (i, d) in docs.iter().filter(|d| d.material_id == 1).enumerate() {
                    let d = Doc {
                        price: i as i64,
                        ..d.clone()
                    };
                    e.upsert(&[d]).expect("upsert");
                }
            })
        };
        for t in tasks {
            t.await.expect("search task");
        }
        writer.await.expect("writer");
    });
}

/// Characters random listings are made of: Chinese characters (with polyphones), Latin letters
/// of both cases, digits, Φ and φ, full-width forms, '.', '-', the LIKE wildcards and spaces.
const ALPHABET: &[char] = &[
    '水', '泥', '钢', '筋', '管', '重', '长', '普', '通', 'a', 'b', 'g', 'j', 's', 'n', 'A', 'G',
    'N', 'S', 'x', '1', '2', '4', '5', '0', 'Φ', 'φ', 'Ｄ', '２', '.', '-', '%', '_', ' ', ' ',
];

fn field() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET), 0..10)
        .prop_map(|v| v.into_iter().collect())
}

fn random_docs() -> impl Strategy<Value = Vec<Doc>> {
    prop::collection::vec(
        (field(), field(), field(), field(), any::<bool>(), 0i64..5),
        1..25,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(
                |(i, (name_zh, name_en, spec, supplier, closed, price))| Doc {
                    listing_id: i as i64 + 1,
                    material_id: i as i64 + 1,
                    supplier_id: 1,
                    category_id: 1,
                    warehouse_id: 1,
                    name_zh,
                    name_en,
                    spec,
                    unit: "t".into(),
                    supplier,
                    price,
                    available: 1,
                    // Most are orderable.
                    orderable: !closed || i % 3 != 0,
                },
            )
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// For a random substring (2+ characters) of a random listing's text, the engine finds
    /// exactly the listings whose normalised text contains it (each of its words, when it
    /// spans a space), or whose name's pinyin does for a word of letters, in name order.
    #[test]
    fn the_engine_finds_exactly_the_listings_holding_a_random_substring(
        docs in random_docs(),
        pick in any::<prop::sample::Index>(),
        start in any::<prop::sample::Index>(),
        len in 2usize..8,
    ) {
        let d = pick.get(&docs);
        let raw: Vec<char> =
            format!("{} {} {} {}", d.name_zh, d.name_en, d.spec, d.supplier).chars().collect();
        let from = start.index(raw.len().saturating_sub(1).max(1));
        let sub: String = raw[from..(from + len).min(raw.len())].iter().collect();
        prop_assume!(sub.chars().count() >= 2);
        // Built from some, the rest upserted: the answer spans several segments.
        let e = engine_with(&docs[..docs.len() / 2]);
        for chunk in docs[docs.len() / 2..].chunks(4) {
            e.upsert(chunk).expect("upsert");
        }
        for sort in [Sort::Name, Sort::PriceAsc] {
            let q = Query { sort, ..all(&sub) };
            let found = ids(&e, &q);
            prop_assert_eq!(&found, &scan(&docs, &q, true), "{:?} {:?}", sub, sort);
            // Every listing holding the words literally is among them.
            let literal = scan(&docs, &q, false);
            prop_assert!(literal.iter().all(|id| found.contains(id)));
            // The orderable listing the substring was taken from, unless the substring was all
            // spaces (no words: everything is found).
            if d.orderable {
                prop_assert!(found.contains(&d.listing_id));
            }
        }
        // Best match finds the same, in its order.
        let best = ids(&e, &Query { sort: Sort::BestMatch, ..all(&sub) });
        prop_assert_eq!(best, scan_best(&docs, &sub));
    }
}

/// Builds 100,000 listings like the benchmark's (materials.csv's 76 materials in 20,000
/// brand and specification variants, five suppliers each) and times the build and searches.
/// `cargo test --release --lib catalogue::engine::tests::speed -- --ignored --nocapture`
#[test]
#[ignore]
fn speed_at_100000_listings() {
    let docs = synthetic(100_000);
    let rss = || {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("memory with the documents made: {}", rss());
    let e = Engine::new().expect("engine");
    let started = std::time::Instant::now();
    e.build(docs.iter().cloned()).expect("build");
    println!(
        "build of {} listings: {:.2} s, {} segments; memory after: {}",
        docs.len(),
        started.elapsed().as_secs_f64(),
        e.reader.searcher().segment_readers().len(),
        rss()
    );
    if let Ok(usage) = e.reader.searcher().space_usage() {
        println!("index size: {} bytes", usage.total().get_bytes());
    }
    let sorts = [
        ("best", Sort::BestMatch),
        ("name", Sort::Name),
        ("price", Sort::PriceAsc),
    ];
    for text in [
        "水泥",
        "Φ12",
        "42.5",
        "DN25",
        "gj",
        "sn",
        "HRB400 钢筋",
        "钢",
        "海螺 水泥",
        "焊丝 Φ1.2",
        "",
    ] {
        for (label, sort) in sorts {
            let q = Query {
                text: Some(text.to_string()),
                sort,
                limit: 20,
                count_cap: 1000,
                ..Query::default()
            };
            let mut times = Vec::new();
            let mut hits = Hits::default();
            for _ in 0..9 {
                let t = std::time::Instant::now();
                hits = e.search(&q).expect("search");
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            times.sort_by(f64::total_cmp);
            println!(
                "{text:>12} {label:>5}: median {:.3} ms, total {}{}",
                times[times.len() / 2],
                hits.total,
                if hits.more { "+" } else { "" }
            );
        }
    }
    let one = docs[0].clone();
    let t = std::time::Instant::now();
    for i in 0..20 {
        e.upsert(&[Doc {
            price: i,
            ..one.clone()
        }])
        .expect("upsert");
    }
    println!(
        "upsert of one listing: {:.2} ms each",
        t.elapsed().as_secs_f64() * 1000.0 / 20.0
    );
    let f = schema().1;
    let started = std::time::Instant::now();
    for d in &docs {
        std::hint::black_box(document(&f, d));
    }
    println!(
        "documents prepared alone: {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let started = std::time::Instant::now();
    for d in &docs {
        std::hint::black_box(pinyin::readings(&normalize(&d.name_zh)));
    }
    println!("pinyin alone: {:.2} s", started.elapsed().as_secs_f64());
    for (threads, memory) in [(1, 120_000_000), (2, 120_000_000), (1, 64_000_000)] {
        let other = Engine::with_writer(threads, memory).expect("engine");
        let started = std::time::Instant::now();
        other.build(docs.iter().cloned()).expect("build");
        println!(
            "build on {threads} threads within {memory} bytes: {:.2} s, {} segments",
            started.elapsed().as_secs_f64(),
            other.reader.searcher().segment_readers().len()
        );
    }
    // Exactness at scale, for a few words.
    for text in ["水泥", "Φ12", "gj", "HRB400 钢筋"] {
        assert_eq!(ids(&e, &all(text)), scan(&docs, &all(text), true), "{text}");
    }
}

/// `n` listings shaped like the benchmark's dataset.
fn synthetic(n: usize) -> Vec<Doc> {
    const BRANDS: [&str; 24] = [
        "海螺",
        "华新",
        "宝钢",
        "沙钢",
        "联塑",
        "伟星",
        "远东",
        "东方雨虹",
        "北新",
        "金牛",
        "首钢",
        "鞍钢",
        "中联",
        "冀东",
        "日丰",
        "公元",
        "正泰",
        "德力西",
        "科顺",
        "三棵树",
        "",
        "",
        "",
        "",
    ];
    const SUFFIXES: [&str; 8] = [
        "",
        "GB/T 标准",
        "一等品",
        "合格品",
        "L=6m",
        "L=9m",
        "国标",
        "A级",
    ];
    let base: Vec<(String, String, String)> = crate::demo::materials()
        .unwrap_or_default()
        .into_iter()
        .map(|m| (m.name_zh, m.name_en, m.spec))
        .collect();
    assert!(!base.is_empty(), "the demo's materials");
    let materials = n / 5;
    let mut docs = Vec::with_capacity(n);
    for i in 0..materials {
        let (zh, en, spec) = &base[i % base.len()];
        let variant = i / base.len();
        let brand = BRANDS[variant % BRANDS.len()];
        let suffix = SUFFIXES[(variant / BRANDS.len()) % SUFFIXES.len()];
        let series = variant / (BRANDS.len() * SUFFIXES.len());
        let mut spec = spec.clone();
        if !suffix.is_empty() {
            spec = format!("{spec} {suffix}");
        }
        if series > 0 {
            spec = format!("{spec} 型{series}");
        }
        for s in 0..5 {
            let supplier = (i * 7 + s * 41) % 200;
            let id = docs.len() as i64 + 1;
            docs.push(Doc {
                listing_id: id,
                material_id: i as i64 + 1,
                supplier_id: supplier as i64 + 1,
                category_id: (i % base.len() / 8) as i64 + 1,
                warehouse_id: s as i64 % 2 + 1,
                name_zh: format!("{brand}{zh}"),
                name_en: en.clone(),
                spec: spec.clone(),
                unit: "t".into(),
                supplier: format!("供应商{supplier:03}建材有限公司"),
                price: (id * 7919 % 100_000) * 10_000,
                available: (id % 5 - 1) * 1000,
                orderable: id % 50 != 0,
            });
        }
    }
    docs
}
