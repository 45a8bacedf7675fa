//! zh-CN and English. Messages live in `locales/<lang>/*.ftl` (one file per area, each
//! read here and by the loader); nothing user-facing is
//! written in a template or handler. The language follows the `lang` cookie (set by the
//! switcher), then the browser's `Accept-Language`, then zh-CN.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-CN",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

pub const LANG_COOKIE: &str = "lang";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

static ZH: LanguageIdentifier = langid!("zh-CN");
static EN: LanguageIdentifier = langid!("en");

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// Reads a language tag such as `zh`, `zh-Hans-CN`, `en-GB`.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Locale::ZhCn),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The cookie's choice first, then the best supported entry of `Accept-Language`.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Locale {
        if let Some(l) = cookie.and_then(Locale::from_tag) {
            return l;
        }
        let mut best: Option<(f32, Locale)> = None;
        for part in accept_language.unwrap_or("").split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("");
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            if let Some(l) = Locale::from_tag(tag)
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, l));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Locale::ZhCn => &ZH,
            Locale::En => &EN,
        }
    }

    /// The language the session middleware chose for this request.
    pub fn of(req: &actix_web::HttpRequest) -> Locale {
        use actix_web::HttpMessage;
        req.extensions()
            .get::<Locale>()
            .copied()
            .unwrap_or_default()
    }

    /// The Chinese or English form of a name kept in both.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Locale::ZhCn => zh,
            Locale::En => en,
        }
    }

    /// The message `key`; the key itself when it is missing (a test keeps that from happening).
    pub fn t(self, key: &str) -> String {
        LOCALES
            .try_lookup(self.id(), key)
            .unwrap_or_else(|| key.to_string())
    }

    /// The message `key` with named arguments.
    pub fn ta(self, key: &str, args: &[(&str, String)]) -> String {
        self.try_ta(key, args).unwrap_or_else(|| key.to_string())
    }

    /// The message `key` with named arguments, or `None` when no locale has it.
    pub fn try_ta(self, key: &str, args: &[(&str, String)]) -> Option<String> {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Owned((*k).to_string()), FluentValue::from(v.clone())))
            .collect();
        LOCALES.try_lookup_with_args(self.id(), key, &map)
    }

    /// True when `key` exists in this locale (no fallback).
    pub fn has(self, key: &str) -> bool {
        message_ids(self).contains(key)
    }
}

/// The message ids defined in a locale's files, read once from the sources compiled in.
pub fn message_ids(locale: Locale) -> &'static std::collections::BTreeSet<String> {
    use std::sync::OnceLock;
    static ZH_IDS: OnceLock<std::collections::BTreeSet<String>> = OnceLock::new();
    static EN_IDS: OnceLock<std::collections::BTreeSet<String>> = OnceLock::new();
    // Every file of a locale's folder; the loader reads them all.
    macro_rules! files {
        ($lang:literal) => {
            [
                include_str!(concat!("../locales/", $lang, "/main.ftl")),
                include_str!(concat!("../locales/", $lang, "/forms.ftl")),
                include_str!(concat!("../locales/", $lang, "/home.ftl")),
                include_str!(concat!("../locales/", $lang, "/money.ftl")),
                include_str!(concat!("../locales/", $lang, "/requisitions.ftl")),
                include_str!(concat!("../locales/", $lang, "/notices.ftl")),
                include_str!(concat!("../locales/", $lang, "/accounts.ftl")),
                include_str!(concat!("../locales/", $lang, "/ux.ftl")),
                include_str!(concat!("../locales/", $lang, "/dashboards.ftl")),
                include_str!(concat!("../locales/", $lang, "/plan_prices.ftl")),
                include_str!(concat!("../locales/", $lang, "/funds_plan.ftl")),
                include_str!(concat!("../locales/", $lang, "/monthly_pack.ftl")),
            ]
        };
    }
    let (cell, srcs) = match locale {
        Locale::ZhCn => (&ZH_IDS, files!("zh-CN")),
        Locale::En => (&EN_IDS, files!("en")),
    };
    cell.get_or_init(|| {
        srcs.iter()
            .flat_map(|src| src.lines())
            .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_exists_in_both_languages() {
        let zh = message_ids(Locale::ZhCn);
        let en = message_ids(Locale::En);
        let only_zh: Vec<_> = zh.difference(en).collect();
        let only_en: Vec<_> = en.difference(zh).collect();
        assert!(only_zh.is_empty(), "only in zh-CN: {only_zh:?}");
        assert!(only_en.is_empty(), "only in en: {only_en:?}");
        assert!(zh.len() > 50);
    }

    #[test]
    fn every_key_a_template_uses_is_defined() {
        let en = message_ids(Locale::En);
        let mut missing = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates"
        ))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for (i, m) in [".t(\"", ".ta(\"", ".ta1(\""]
                    .iter()
                    .flat_map(|p| text.match_indices(p))
                {
                    let rest = &text[i + m.len()..];
                    if let Some(end) = rest.find('"') {
                        let key = &rest[..end];
                        if !en.contains(key) {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "undefined message keys: {missing:?}");
    }

    #[test]
    fn the_browser_language_is_followed_unless_the_switcher_chose() {
        assert_eq!(Locale::negotiate(None, Some("en-US,en;q=0.9")), Locale::En);
        assert_eq!(
            Locale::negotiate(None, Some("zh-CN,zh;q=0.9,en;q=0.8")),
            Locale::ZhCn
        );
        assert_eq!(
            Locale::negotiate(None, Some("fr-FR,en;q=0.5,zh;q=0.7")),
            Locale::ZhCn
        );
        assert_eq!(Locale::negotiate(None, Some("fr-FR")), Locale::ZhCn);
        assert_eq!(Locale::negotiate(None, None), Locale::ZhCn);
        assert_eq!(Locale::negotiate(Some("en"), Some("zh-CN")), Locale::En);
        assert_eq!(Locale::negotiate(Some("xx"), Some("en")), Locale::En);
    }

    #[test]
    fn arguments_are_filled_in_without_invisible_marks() {
        let s = Locale::En.ta("validation-length_min", &[("min", "8".into())]);
        assert!(s.contains('8') && !s.contains('\u{2068}'), "{s}");
    }
}
