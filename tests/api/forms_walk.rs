//! Every page a role reaches from its menu works as a browser uses it.
//!
//! For each of the nine roles on the demo data: sign in through the sign-in form, walk the
//! pages linked from the home page's menu and from those pages (bounded: three links deep, at
//! most two pages of one shape such as `/suppliers/N`), and on each page
//! - submit every GET form (search, filter) exactly as a browser sends it untouched: every field
//!   with its default value, the empty ones too; the answer must be 200 with no error message;
//! - check that every POST form carries a CSRF token and that every field a user fills in has a
//!   label (`<label for>`, an enclosing label, or `aria-label`/`aria-labelledby`).
//!
//! - check that the page carries the browser-hardening headers, that it holds nothing a strict
//!   Content-Security-Policy would block (an inline script, an `on…=` handler, a `style`
//!   element or attribute), and that HEAD answers it as GET does, without a body.
//!
//! A search form that answered 400 when a field was left empty passed every test written by
//! URL; this walker submits the forms themselves, so no page can escape it.

use crate::helpers::*;
use reqwest::StatusCode;
use scraper::{ElementRef, Html, Selector};
use std::collections::{BTreeMap, HashSet, VecDeque};

const DEPTH: usize = 3;
const PER_SHAPE: usize = 2;
const MAX_PAGES: usize = 120;

/// A form as a browser would submit it without the user touching it.
#[derive(Debug)]
struct FormSeen {
    method_get: bool,
    action: String,
    fields: Vec<(String, String)>,
    has_csrf: bool,
    unlabelled: Vec<String>,
}

struct PageSeen {
    links: Vec<String>,
    forms: Vec<FormSeen>,
    errors: Vec<String>,
    /// What the Content-Security-Policy would refuse to run or apply.
    inline: Vec<String>,
}

/// The headers every page carries (`web::headers`).
const HARDENING: [(&str, &str); 4] = [
    ("content-security-policy", "script-src 'self'"),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
];

/// Scripts, handlers and styles written into the page itself.
fn inline_code(doc: &Html) -> Vec<String> {
    let mut found = Vec::new();
    for e in doc.select(&sel("script")) {
        if e.value().attr("src").is_none() {
            found.push("an inline <script>".to_string());
        }
    }
    if doc.select(&sel("style")).next().is_some() {
        found.push("a <style> element".to_string());
    }
    for e in doc.select(&sel("*")) {
        for (name, _) in e.value().attrs() {
            if name == "style" || name.starts_with("on") {
                found.push(format!("<{} {name}=…>", e.value().name()));
            }
        }
    }
    found
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text_of(e: ElementRef<'_>) -> String {
    e.text().collect::<String>().trim().to_string()
}

/// Whether `field` has a name a screen reader can read.
fn labelled(doc: &Html, field: ElementRef<'_>) -> bool {
    let v = field.value();
    if v.attr("aria-label").is_some_and(|a| !a.trim().is_empty())
        || v.attr("aria-labelledby")
            .is_some_and(|a| !a.trim().is_empty())
    {
        return true;
    }
    if field
        .ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| a.value().name() == "label")
    {
        return true;
    }
    match v.id() {
        Some(id) => doc
            .select(&sel("label[for]"))
            .any(|l| l.value().attr("for") == Some(id)),
        None => false,
    }
}

/// The links, forms and error messages of a page at `path`.
fn read_page(path: &str, body: &str) -> PageSeen {
    let doc = Html::parse_document(body);
    let inline = inline_code(&doc);
    let links = doc
        .select(&sel("a[href]"))
        .filter_map(|a| a.value().attr("href"))
        .map(|h| h.split('#').next().unwrap_or("").to_string())
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .collect();
    // Elements that carry a message only when something went wrong.
    let errors = doc
        .select(&sel(
            ".form-error, .field-error, .error-summary, .flash-error, [role=alert]",
        ))
        .map(text_of)
        .filter(|t| !t.is_empty())
        .collect();
    let mut forms = Vec::new();
    for form in doc.select(&sel("form")) {
        let v = form.value();
        let method_get = v
            .attr("method")
            .is_none_or(|m| m.eq_ignore_ascii_case("get"));
        let action = v
            .attr("action")
            .filter(|a| !a.is_empty())
            .unwrap_or(path)
            .to_string();
        let mut fields = Vec::new();
        let mut has_csrf = false;
        let mut unlabelled = Vec::new();
        let mut submitted_by_button = false;
        for f in form.select(&sel("input, select, textarea, button")) {
            let fv = f.value();
            let name = fv.attr("name").unwrap_or("").to_string();
            let kind = fv.attr("type").unwrap_or("text").to_ascii_lowercase();
            if fv.attr("disabled").is_some() {
                continue;
            }
            match (fv.name(), kind.as_str()) {
                ("button", _) | ("input", "submit" | "image") => {
                    // A browser sends the button it was submitted with: the first one.
                    if kind != "button" && !submitted_by_button {
                        submitted_by_button = true;
                        if !name.is_empty() {
                            fields.push((name, fv.attr("value").unwrap_or("").to_string()));
                        }
                    }
                    continue;
                }
                ("input", "hidden") => {
                    if name == "csrf_token" && fv.attr("value").is_some_and(|t| !t.is_empty()) {
                        has_csrf = true;
                    }
                    if !name.is_empty() {
                        fields.push((name, fv.attr("value").unwrap_or("").to_string()));
                    }
                    continue;
                }
                ("input", "reset") => continue,
                _ => {}
            }
            if !labelled(&doc, f) {
                unlabelled.push(if name.is_empty() {
                    format!("<{}>", fv.name())
                } else {
                    name.clone()
                });
            }
            if name.is_empty() {
                continue;
            }
            match (fv.name(), kind.as_str()) {
                ("input", "checkbox" | "radio") if fv.attr("checked").is_some() => {
                    fields.push((name, fv.attr("value").unwrap_or("on").to_string()));
                }
                ("input", "checkbox" | "radio") => {}
                ("input", "file") => {}
                ("input", _) => fields.push((name, fv.attr("value").unwrap_or("").to_string())),
                ("textarea", _) => fields.push((name, f.text().collect())),
                ("select", _) => {
                    let options: Vec<ElementRef<'_>> = f.select(&sel("option")).collect();
                    let chosen = options
                        .iter()
                        .find(|o| o.value().attr("selected").is_some())
                        .or(options.first());
                    if let Some(o) = chosen {
                        let value = o
                            .value()
                            .attr("value")
                            .map(str::to_string)
                            .unwrap_or_else(|| text_of(*o));
                        fields.push((name, value));
                    }
                }
                _ => {}
            }
        }
        forms.push(FormSeen {
            method_get,
            action,
            fields,
            has_csrf,
            unlabelled,
        });
    }
    PageSeen {
        links,
        forms,
        errors,
        inline,
    }
}

/// Where a walker must not go: signing out, switching language, files and the API.
pub(crate) fn followable(href: &str) -> bool {
    let path = href.split('?').next().unwrap_or("");
    !(path == "/logout"
        || path.starts_with("/lang/")
        || path.starts_with("/static/")
        || path.starts_with("/api/")
        || path.starts_with("/files/")
        || path.ends_with(".csv")
        || path.ends_with(".xlsx")
        || path.ends_with(".pdf")
        || href.contains("format=csv")
        || href.contains("format=xlsx"))
}

/// `/suppliers/12?page=3` → `/suppliers/N?page`: pages of one shape.
pub(crate) fn shape(href: &str) -> String {
    let (path, query) = href.split_once('?').unwrap_or((href, ""));
    let path: Vec<String> = path
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
                "N".to_string()
            } else {
                s.to_string()
            }
        })
        .collect();
    let mut keys: Vec<&str> = query
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort_unstable();
    format!("{}?{}", path.join("/"), keys.join("&"))
}

/// GET `path`, following redirects as a browser does; the final status, content type and body,
/// and which of the hardening headers were missing.
async fn fetch(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
) -> (StatusCode, String, String, Vec<&'static str>) {
    let mut at = path.to_string();
    for _ in 0..5 {
        let res = client.get(app.url(&at)).send().await.unwrap();
        if res.status().is_redirection() {
            at = res
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .unwrap_or("/")
                .to_string();
            continue;
        }
        let status = res.status();
        let missing = HARDENING
            .iter()
            .filter(|(name, part)| {
                !res.headers()
                    .get(*name)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains(part))
            })
            .map(|(name, _)| *name)
            .collect();
        let kind = res
            .headers()
            .get("content-type")
            .and_then(|c| c.to_str().ok())
            .unwrap_or("")
            .to_string();
        return (status, kind, res.text().await.unwrap_or_default(), missing);
    }
    (
        StatusCode::LOOP_DETECTED,
        String::new(),
        String::new(),
        Vec::new(),
    )
}

async fn walk(role: &str) {
    let app = spawn_demo_app().await;
    let client = app.new_client();
    let res = app
        .page_login(&client, &format!("{role}@demo.test"), "demo-password")
        .await;
    assert!(res.status().is_redirection(), "{role} signs in");

    let mut queue = VecDeque::from([("/".to_string(), 0usize)]);
    let mut seen = HashSet::new();
    let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut pages = 0;
    let mut get_forms = 0;
    let mut post_forms = 0;
    while let Some((path, depth)) = queue.pop_front() {
        if pages >= MAX_PAGES || !seen.insert(path.clone()) {
            continue;
        }
        let n = shapes.entry(shape(&path)).or_default();
        if *n >= PER_SHAPE {
            continue;
        }
        *n += 1;
        pages += 1;
        let (status, kind, body, missing) = fetch(&app, &client, &path).await;
        if status != StatusCode::OK {
            failures.push(format!("{path}: {status}"));
            continue;
        }
        if !missing.is_empty() {
            failures.push(format!("{path}: without {missing:?}"));
        }
        let head = client.head(app.url(&path)).send().await.unwrap();
        let head_status = head.status();
        let head_body = head.bytes().await.unwrap_or_default();
        // A page reached through a redirect answers HEAD with that redirect.
        if !(head_status == StatusCode::OK || head_status.is_redirection()) || !head_body.is_empty()
        {
            failures.push(format!(
                "{path}: HEAD answered {head_status} with {} bytes",
                head_body.len()
            ));
        }
        if !kind.starts_with("text/html") {
            continue;
        }
        let page = read_page(&path, &body);
        if !page.inline.is_empty() {
            failures.push(format!(
                "{path}: holds what the CSP blocks: {:?}",
                page.inline
            ));
        }
        if !page.errors.is_empty() {
            failures.push(format!("{path}: shows an error unasked: {:?}", page.errors));
        }
        for form in &page.forms {
            if !form.unlabelled.is_empty() {
                failures.push(format!(
                    "{path}: form to {} has fields without a label: {:?}",
                    form.action, form.unlabelled
                ));
            }
            if form.method_get {
                get_forms += 1;
                if !followable(&form.action) {
                    continue;
                }
                let query = serde_urlencoded::to_string(&form.fields).unwrap();
                let target = format!("{}?{query}", form.action.split('?').next().unwrap());
                let (status, kind, body, _) = fetch(&app, &client, &target).await;
                if status != StatusCode::OK {
                    failures.push(format!("{path}: GET form → {target}: {status}"));
                } else if kind.starts_with("text/html") {
                    let answer = read_page(&target, &body);
                    if !answer.errors.is_empty() {
                        failures.push(format!(
                            "{path}: GET form → {target}: error {:?}",
                            answer.errors
                        ));
                    }
                }
            } else {
                post_forms += 1;
                if !form.has_csrf {
                    failures.push(format!(
                        "{path}: POST form to {} has no CSRF token",
                        form.action
                    ));
                }
            }
        }
        if depth < DEPTH {
            for link in page.links {
                if followable(&link) && !seen.contains(&link) {
                    queue.push_back((link, depth + 1));
                }
            }
        }
    }
    eprintln!(
        "{role}: {pages} pages, {get_forms} GET forms submitted, {post_forms} POST forms checked"
    );
    assert!(
        failures.is_empty(),
        "{role}: {} problems over {pages} pages:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The walk reached the role's pages and their forms, not just the home page.
    assert!(pages >= 5, "{role} reached only {pages} pages");
    assert!(get_forms + post_forms >= 1, "{role} met no form");
}

macro_rules! each_role {
    ($($test:ident: $role:literal,)*) => {$(
        #[tokio::test]
        async fn $test() {
            walk($role).await;
        }
    )*};
}

each_role! {
    every_page_and_form_a_supplier_reaches_works_as_a_browser_submits_it: "supplier",
    every_page_and_form_a_site_user_reaches_works_as_a_browser_submits_it: "site_user",
    every_page_and_form_a_site_manager_reaches_works_as_a_browser_submits_it: "site_manager",
    every_page_and_form_a_warehouse_keeper_reaches_works_as_a_browser_submits_it: "warehouse_keeper",
    every_page_and_form_a_procurement_officer_reaches_works_as_a_browser_submits_it: "procurement_officer",
    every_page_and_form_a_procurement_head_reaches_works_as_a_browser_submits_it: "procurement_head",
    every_page_and_form_finance_reaches_works_as_a_browser_submits_it: "finance",
    every_page_and_form_an_auditor_reaches_works_as_a_browser_submits_it: "auditor",
    every_page_and_form_an_admin_reaches_works_as_a_browser_submits_it: "admin",
}

#[test]
fn the_walker_reads_a_form_as_a_browser_would_send_it() {
    let page = read_page(
        "/catalogue",
        r#"<form><label for="q">Q</label><input id="q" name="q" value="">
           <label>Cat <select name="category_id"><option value="">All</option><option value="3">X</option></select></label>
           <input type="checkbox" name="in_stock" aria-label="in stock">
           <button type="submit">Go</button></form>
           <form method="post" action="/x"><input name="a"></form>"#,
    );
    assert_eq!(
        page.forms[0].fields,
        vec![
            ("q".to_string(), String::new()),
            ("category_id".to_string(), String::new())
        ]
    );
    assert!(page.forms[0].unlabelled.is_empty());
    assert!(!page.forms[1].method_get);
    assert!(!page.forms[1].has_csrf);
    assert_eq!(page.forms[1].unlabelled, vec!["a".to_string()]);
    assert_eq!(shape("/suppliers/12?page=3&q=x"), "/suppliers/N?page&q");
    assert!(page.inline.is_empty());
}

#[test]
fn the_walker_sees_what_the_content_security_policy_would_block() {
    let page = read_page(
        "/x",
        r#"<head><script src="/static/app.js"></script><script>alert(1)</script>
           <style>p{}</style></head>
           <body><button onclick="print()">P</button><p style="color:red">x</p></body>"#,
    );
    assert_eq!(
        page.inline,
        vec![
            "an inline <script>".to_string(),
            "a <style> element".to_string(),
            "<button onclick=…>".to_string(),
            "<p style=…>".to_string(),
        ]
    );
}
