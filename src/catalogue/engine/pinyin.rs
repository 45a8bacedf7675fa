//! Pinyin readings of a Chinese name, so that a clerk's `sn` or `shuini` finds 水泥 and `gj`
//! finds 钢筋, as in 用友 and 金蝶.
//!
//! Each run of Chinese characters in the name is read syllable by syllable (toneless, from the
//! `pinyin` crate), giving two strings per reading of the run: its initials (the first letter
//! of each syllable: 普通硅酸盐水泥 → ptgysn) and its full pinyin (putongguisuanyanshuini). A
//! query word of letters matches where it is a substring of one of them.
//!
//! Polyphonic characters give each of their readings. A run's readings are all combinations of
//! its characters' readings while there are at most [`ALL_COMBINATIONS`]; past that, the run
//! is read with every character at its first (most common) reading, plus once for each other
//! reading of each character with the rest at their first, up to [`MAX_READINGS`]. So every
//! reading of a character is found on its own, but two rare readings in one long name are not
//! both taken at once.

use std::collections::BTreeSet;

use pinyin::ToPinyinMulti;

/// A run whose readings combine to at most this many is read in every combination.
pub const ALL_COMBINATIONS: usize = 16;
/// At most this many readings of one run are kept.
pub const MAX_READINGS: usize = 64;

/// Whether a (normalised) query word is also looked up in pinyin: two or more ASCII letters.
pub fn is_pinyin_word(word: &str) -> bool {
    word.chars().count() >= 2 && word.chars().all(|c| c.is_ascii_lowercase())
}

/// A character's toneless syllables, first reading first, without repeats (钢 gāng and gàng
/// are both gang). ü is written both as v (as the input methods take it) and as u.
fn syllables(c: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let Some(multi) = c.to_pinyin_multi() else {
        return out;
    };
    for reading in multi {
        let plain = reading.plain();
        let spellings = if plain.contains('ü') {
            vec![plain.replace('ü', "v"), plain.replace('ü', "u")]
        } else {
            vec![plain.replace('ê', "e")]
        };
        for s in spellings {
            if !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase()) && !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// The choices of reading (an index into each character's syllables) a run is read with.
fn combinations(counts: &[usize]) -> Vec<Vec<usize>> {
    let total = counts
        .iter()
        .try_fold(1usize, |acc, &k| acc.checked_mul(k))
        .unwrap_or(usize::MAX);
    if total <= ALL_COMBINATIONS {
        let mut out = Vec::with_capacity(total);
        let mut choice = vec![0; counts.len()];
        loop {
            out.push(choice.clone());
            // The next choice, the last character varying fastest.
            let mut i = counts.len();
            loop {
                if i == 0 {
                    return out;
                }
                i -= 1;
                choice[i] += 1;
                if choice[i] < counts[i] {
                    break;
                }
                choice[i] = 0;
            }
        }
    }
    let mut out = vec![vec![0; counts.len()]];
    for (i, &k) in counts.iter().enumerate() {
        for r in 1..k {
            if out.len() >= MAX_READINGS {
                return out;
            }
            let mut choice = vec![0; counts.len()];
            choice[i] = r;
            out.push(choice);
        }
    }
    out
}

/// The pinyin strings of a (normalised) Chinese name: the initials and the full pinyin of each
/// run of Chinese characters, in each of its readings, without repeats.
pub fn readings(name: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    let mut run: Vec<Vec<String>> = Vec::new();
    for c in name.chars().map(Some).chain([None]) {
        let syl = c.map(syllables).unwrap_or_default();
        if !syl.is_empty() {
            run.push(syl);
            continue;
        }
        if run.is_empty() {
            continue;
        }
        let counts: Vec<usize> = run.iter().map(Vec::len).collect();
        for choice in combinations(&counts) {
            let mut initials = String::new();
            let mut full = String::new();
            for (syl, &r) in run.iter().zip(&choice) {
                let s = &syl[r];
                initials.extend(s.chars().next());
                full.push_str(s);
            }
            out.insert(initials);
            out.insert(full);
        }
        run.clear();
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_reads_as_its_initials_and_its_full_pinyin() {
        let r = readings("水泥");
        assert!(r.contains(&"sn".to_string()), "{r:?}");
        assert!(r.contains(&"shuini".to_string()), "{r:?}");
        let r = readings("普通硅酸盐水泥");
        assert!(r.iter().any(|s| s.contains("sn")), "{r:?}");
        assert!(r.iter().any(|s| s.contains("shuini")), "{r:?}");
    }

    #[test]
    fn each_run_of_chinese_characters_is_read_apart() {
        let r = readings("热轧带肋钢筋(螺纹钢) hrb400");
        assert!(r.iter().any(|s| s.contains("gj")), "{r:?}");
        assert!(r.contains(&"lwg".to_string()), "{r:?}");
        // Nothing spans the bracket, and the Latin letters are not read.
        assert!(!r.iter().any(|s| s.contains("jl")), "{r:?}");
        assert!(!r.iter().any(|s| s.contains("hrb")), "{r:?}");
    }

    #[test]
    fn a_polyphonic_character_gives_each_reading() {
        let r = readings("重型");
        for s in ["zx", "cx", "zhongxing", "chongxing"] {
            assert!(r.contains(&s.to_string()), "{s}: {r:?}");
        }
        let r = readings("铝板");
        assert!(r.contains(&"lvban".to_string()), "{r:?}");
        assert!(r.contains(&"luban".to_string()), "{r:?}");
    }

    #[test]
    fn many_polyphones_are_read_one_at_a_time_within_the_cap() {
        assert_eq!(combinations(&[2, 2]).len(), 4);
        assert_eq!(combinations(&[2, 2, 2, 2]).len(), 16);
        // 2^5 = 32 combinations: the first reading, and each other reading alone.
        let c = combinations(&[2, 2, 2, 2, 2]);
        assert_eq!(c.len(), 6);
        assert!(c.contains(&vec![0, 0, 0, 1, 0]));
        assert!(combinations(&[4; 40]).len() <= MAX_READINGS);
    }

    #[test]
    fn only_words_of_two_or_more_letters_are_read_as_pinyin() {
        assert!(is_pinyin_word("sn"));
        assert!(is_pinyin_word("shuini"));
        assert!(!is_pinyin_word("s"));
        assert!(!is_pinyin_word("dn25"));
        assert!(!is_pinyin_word("水泥"));
        assert!(!is_pinyin_word("shuí"));
    }
}
