//! The HTML alternative of an email: the same text as the plain part, escaped (askama), its
//! paragraphs and lines kept, and every address in it — whole (`https://…`) or a portal path
//! (`/suppliers/12`, made whole with the portal's address) — a link.

use askama::Template;

/// A run of text, or a link with its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "mail/message.html")]
struct MailHtml<'a> {
    lang: &'a str,
    subject: &'a str,
    /// Paragraphs of lines of pieces.
    paragraphs: Vec<Vec<Vec<Piece>>>,
}

/// The HTML of the plain `text` of a mail in language `lang`.
pub fn render(text: &str, subject: &str, lang: &str, base_url: &str) -> Result<String, String> {
    let normalised = text.replace("\r\n", "\n");
    let paragraphs = normalised
        .split("\n\n")
        .map(|p| p.trim_matches('\n'))
        .filter(|p| !p.trim().is_empty())
        .map(|p| p.lines().map(|l| pieces(l, base_url)).collect())
        .collect();
    MailHtml {
        lang,
        subject,
        paragraphs,
    }
    .render()
    .map_err(|e| e.to_string())
}

fn url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c)
}

/// Where an address starting at byte `i` of `line` ends (before trailing punctuation), and
/// its target; `None` when none starts there.
fn address_at(line: &str, i: usize, base_url: &str) -> Option<(usize, String)> {
    let rest = &line[i..];
    let prev = line[..i].chars().next_back();
    // An address starts a word: after a space, an opening bracket or quote, or Chinese text
    // (which has no spaces), never inside a word or markup-like text (`and/or`, `</b>`).
    let boundary = prev.is_none_or(|p| p.is_whitespace() || !p.is_ascii() || "([{\"'".contains(p));
    if !boundary {
        return None;
    }
    let whole = rest.starts_with("https://") || rest.starts_with("http://");
    let path = rest.starts_with('/')
        && rest[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic());
    if !whole && !path {
        return None;
    }
    let mut len = rest.find(|c: char| !url_char(c)).unwrap_or(rest.len());
    while len > 0 && rest[..len].ends_with(['.', ',', ';', ':', '!', '?', ')', '\'']) {
        len -= 1;
    }
    let found = &rest[..len];
    if whole {
        let host = found.split_once("://").map(|(_, h)| h).unwrap_or_default();
        if host.is_empty() {
            return None;
        }
        Some((i + len, found.to_string()))
    } else {
        Some((i + len, format!("{base_url}{found}")))
    }
}

/// One line cut into text and links.
pub fn pieces(line: &str, base_url: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut text_from = 0;
    let mut i = 0;
    while i < line.len() {
        if let Some((end, href)) = address_at(line, i, base_url) {
            if text_from < i {
                out.push(Piece {
                    text: line[text_from..i].to_string(),
                    href: None,
                });
            }
            out.push(Piece {
                text: line[i..end].to_string(),
                href: Some(href),
            });
            i = end;
            text_from = end;
            continue;
        }
        i += line[i..].chars().next().map(char::len_utf8).unwrap_or(1);
    }
    if text_from < line.len() {
        out.push(Piece {
            text: line[text_from..].to_string(),
            href: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_links_and_the_rest_stays_text() {
        let p = pieces(
            "Review it at /suppliers/12. Or open https://portal.test/x?a=1&b=2, please",
            "https://portal.test",
        );
        let links: Vec<_> = p.iter().filter_map(|x| x.href.clone()).collect();
        assert_eq!(
            links,
            vec![
                "https://portal.test/suppliers/12".to_string(),
                "https://portal.test/x?a=1&b=2".to_string()
            ]
        );
        let text: String = p.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(
            text,
            "Review it at /suppliers/12. Or open https://portal.test/x?a=1&b=2, please"
        );
    }

    #[test]
    fn chinese_punctuation_ends_a_link_and_fractions_are_not_paths() {
        let p = pieces("请在/statements/3。核对 1/2 和 and/or", "http://p");
        let links: Vec<_> = p.iter().filter_map(|x| x.href.clone()).collect();
        assert_eq!(links, vec!["http://p/statements/3".to_string()]);
    }

    #[test]
    fn the_html_is_escaped_and_keeps_its_paragraphs() {
        let html = render(
            "Dear <b>Li</b> & co,\n\nline one\nline two https://p.test/a\"b\n\n--\nfooter",
            "S <1>",
            "en",
            "https://p.test",
        )
        .unwrap_or_default();
        assert!(
            html.contains("Dear &#60;b&#62;Li&#60;/b&#62; &#38; co")
                || html.contains("Dear &lt;b&gt;Li&lt;/b&gt; &amp; co"),
            "{html}"
        );
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("<br>"), "{html}");
        assert!(html.contains("<a href=\"https://p.test/a\">"), "{html}");
        assert_eq!(html.matches("<p>").count(), 3, "{html}");
    }
}
