//! How text is compared and cut into the engine's terms.
//!
//! Matching is a substring rule over normalised text, as the SQL search's was: a query word is
//! found where it is a substring of the listing's text. A query word holds no whitespace, so it
//! can only be a substring of one whitespace-separated word of the text; within a word, the
//! engine indexes every character (for 1-character queries) and every adjacent pair of
//! characters at the first one's position, so a longer query word is a phrase of pairs at
//! consecutive positions, which holds exactly where the word occurs.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// How searchable text and query words are compared: NFKC (full-width ＤＮ２５ is DN25, Φ１２
/// is Φ12) and lower case (φ12 finds Φ12), as the database's `search_text` is kept.
pub use crate::search::normalize;

/// At most this many query words are used; the rest of the query is ignored, as the SQL search did.
pub const MAX_WORDS: usize = 5;

/// The words of a query: normalised, then split on whitespace (so that no word holds any, even
/// a character whose NFKC form has a space in it), at most [`MAX_WORDS`].
pub fn query_words(q: &str) -> Vec<String> {
    normalize(q)
        .split_whitespace()
        .take(MAX_WORDS)
        .map(str::to_string)
        .collect()
}

/// The offsets of the character pairs a phrase needs to pin a word of `n` characters (n ≥ 3):
/// every other pair, and the last, so that together they cover each character once or twice.
/// Each pair is anchored to the word's start, so the phrase holds exactly where the word does.
pub fn covering_pairs(n: usize) -> Vec<usize> {
    let last = n.saturating_sub(2);
    let mut offsets: Vec<usize> = (0..=last).step_by(2).collect();
    if offsets.last() != Some(&last) {
        offsets.push(last);
    }
    offsets
}

/// The whole words of a text, for the best-match order: each whitespace-separated word and,
/// inside it, each run of letters and digits ("hot-rolled" gives hot-rolled, hot and rolled;
/// "(螺纹钢)" gives (螺纹钢) and 螺纹钢).
pub fn whole_words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        out.push(word);
        let mut start = None;
        for (i, c) in word.char_indices().chain([(word.len(), ' ')]) {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    if s > 0 || i < word.len() {
                        out.push(&word[s..i]);
                    }
                    start = None;
                }
                _ => {}
            }
        }
    }
    out
}

/// Indexes every character (when `unigrams`) and every pair of adjacent characters within a
/// whitespace-separated word, each at the character position of its first character. The text
/// is expected normalised already.
#[derive(Clone, Copy)]
pub struct GramTokenizer {
    pub unigrams: bool,
}

pub struct GramStream<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    token: Token,
    unigrams: bool,
    /// Character position of the next character.
    next_pos: usize,
    /// The character whose pair with the next one is still to be given, with its position.
    pending: Option<(usize, char, usize)>,
}

impl Tokenizer for GramTokenizer {
    type TokenStream<'a> = GramStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> GramStream<'a> {
        GramStream {
            chars: text.char_indices().peekable(),
            token: Token::default(),
            unigrams: self.unigrams,
            next_pos: 0,
            pending: None,
        }
    }
}

impl GramStream<'_> {
    fn emit(&mut self, from: usize, to: usize, position: usize, chars: &[char]) {
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = position;
        self.token.position_length = 1;
        self.token.text.clear();
        self.token.text.extend(chars);
    }
}

impl TokenStream for GramStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            if let Some((from, c, position)) = self.pending.take() {
                if let Some(&(at, next)) = self.chars.peek()
                    && !next.is_whitespace()
                {
                    self.emit(from, at + next.len_utf8(), position, &[c, next]);
                    return true;
                }
                continue;
            }
            let Some((at, c)) = self.chars.next() else {
                return false;
            };
            let position = self.next_pos;
            self.next_pos += 1;
            if c.is_whitespace() {
                continue;
            }
            self.pending = Some((at, c, position));
            if self.unigrams {
                self.emit(at, at + c.len_utf8(), position, &[c]);
                return true;
            }
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Indexes the [`whole_words`] of a text (positions are not kept for them).
#[derive(Clone, Copy)]
pub struct WordTokenizer;

pub struct WordStream {
    words: std::vec::IntoIter<String>,
    token: Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream {
        let words: Vec<String> = whole_words(text).into_iter().map(str::to_string).collect();
        WordStream {
            words: words.into_iter(),
            token: Token::default(),
        }
    }
}

impl TokenStream for WordStream {
    fn advance(&mut self) -> bool {
        match self.words.next() {
            Some(w) => {
                self.token.position = self.token.position.wrapping_add(1);
                self.token.text = w;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str, unigrams: bool) -> Vec<(String, usize)> {
        let mut t = GramTokenizer { unigrams };
        let mut s = t.token_stream(text);
        let mut out = Vec::new();
        while s.advance() {
            out.push((s.token().text.clone(), s.token().position));
        }
        out
    }

    #[test]
    fn full_width_and_upper_case_fold_to_what_is_stored() {
        assert_eq!(normalize("ＤＮ２５"), "dn25");
        assert_eq!(normalize("Φ１２"), "φ12");
        assert_eq!(normalize("HRB400E Φ12"), "hrb400e φ12");
        assert_eq!(normalize("ΑΣ"), "ασ");
        assert_eq!(normalize("普通硅酸盐水泥"), "普通硅酸盐水泥");
    }

    #[test]
    fn a_query_is_at_most_five_normalised_words() {
        assert_eq!(query_words(" HRB400  钢筋 "), vec!["hrb400", "钢筋"]);
        assert_eq!(query_words("a b c d e f g").len(), 5);
        // The ideographic space separates words like any other.
        assert_eq!(query_words("水泥\u{3000}４２.５"), vec!["水泥", "42.5"]);
        assert!(query_words("  ").is_empty());
    }

    #[test]
    fn characters_and_pairs_stay_inside_a_word_at_character_positions() {
        assert_eq!(
            tokens("p.o 42", true),
            vec![
                ("p".into(), 0),
                ("p.".into(), 0),
                (".".into(), 1),
                (".o".into(), 1),
                ("o".into(), 2),
                ("4".into(), 4),
                ("42".into(), 4),
                ("2".into(), 5),
            ]
        );
        assert_eq!(
            tokens("水泥  aa", false),
            vec![("水泥".into(), 0), ("aa".into(), 4)]
        );
    }

    #[test]
    fn the_covering_pairs_reach_every_character() {
        assert_eq!(covering_pairs(3), vec![0, 1]);
        assert_eq!(covering_pairs(4), vec![0, 2]);
        assert_eq!(covering_pairs(5), vec![0, 2, 3]);
        assert_eq!(covering_pairs(6), vec![0, 2, 4]);
    }

    #[test]
    fn whole_words_include_the_runs_of_letters_and_digits() {
        assert_eq!(
            whole_words("hot-rolled (螺纹钢) φ12"),
            vec!["hot-rolled", "hot", "rolled", "(螺纹钢)", "螺纹钢", "φ12"]
        );
        assert_eq!(whole_words("42.5"), vec!["42.5", "42", "5"]);
    }
}
