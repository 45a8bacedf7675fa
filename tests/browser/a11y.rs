//! An accessibility check run in the page itself on every page the browser tests wait for
//! (axe-core is not on this machine, so the rules that matter here are written out): every
//! field has a label, every image an `alt`, no header cell, button or link without a name,
//! ids unique, `aria-describedby` pointing at something, a region that scrolls sideways
//! reachable by keyboard, and the page says its language. A violation fails the test that
//! visited the page (see `in_browser`).

use std::collections::HashSet;
use std::sync::Mutex;
use thirtyfour::prelude::*;

/// The pages already checked, and what was found.
static CHECKED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
static FOUND: Mutex<Vec<String>> = Mutex::new(Vec::new());

const CHECK: &str = r#"
const v = [];
const short = el => el.outerHTML.slice(0, 140);
const named = el => !!((el.getAttribute('aria-label') || '').trim()
  || el.getAttribute('aria-labelledby')
  || (el.textContent || '').trim()
  || (el.getAttribute('title') || '').trim()
  || (el.getAttribute('value') || '').trim() && el.tagName === 'INPUT'
  || el.querySelector('img[alt]:not([alt=""]), svg[aria-label]'));
document.querySelectorAll('input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea').forEach(el => {
  const byFor = el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
  if (!(byFor || el.closest('label') || (el.getAttribute('aria-label') || '').trim()
        || el.getAttribute('aria-labelledby') || el.getAttribute('title'))) {
    v.push('a field without a label: ' + short(el));
  }
});
document.querySelectorAll('img').forEach(el => { if (!el.hasAttribute('alt')) v.push('an image without alt: ' + short(el)); });
document.querySelectorAll('th').forEach(el => { if (!named(el)) v.push('an empty header cell: ' + short(el)); });
document.querySelectorAll('button, a[href], summary').forEach(el => { if (!named(el)) v.push('a control without a name: ' + short(el)); });
const ids = new Map();
document.querySelectorAll('[id]').forEach(el => ids.set(el.id, (ids.get(el.id) || 0) + 1));
ids.forEach((n, id) => { if (n > 1) v.push('the id "' + id + '" is used ' + n + ' times'); });
document.querySelectorAll('[aria-describedby]').forEach(el => el.getAttribute('aria-describedby').split(/\s+/)
  .forEach(id => { if (id && !document.getElementById(id)) v.push('aria-describedby names no element: ' + id); }));
document.querySelectorAll('body *').forEach(el => {
  const s = getComputedStyle(el);
  if ((s.overflowX === 'auto' || s.overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1
      && el.tabIndex < 0 && !el.querySelector('a[href], button, input, select, textarea, [tabindex]')) {
    v.push('a region that scrolls sideways cannot be reached by keyboard: ' + short(el));
  }
});
if (!document.documentElement.getAttribute('lang')) v.push('the page does not say its language');
return v;
"#;

/// Checks the page the browser shows, once per address (its path and query).
pub async fn check_page(driver: &WebDriver) {
    let Ok(url) = driver.current_url().await else {
        return;
    };
    let key = format!("{}?{}", url.path(), url.query().unwrap_or(""));
    {
        let mut checked = CHECKED.lock().unwrap();
        if !checked.get_or_insert_with(HashSet::new).insert(key.clone()) {
            return;
        }
    }
    let Ok(answer) = driver.execute(CHECK, Vec::new()).await else {
        // The page went away while it was being checked: the next wait checks the next one.
        CHECKED
            .lock()
            .unwrap()
            .get_or_insert_with(HashSet::new)
            .remove(&key);
        return;
    };
    let found: Vec<String> = answer.convert().unwrap_or_default();
    if !found.is_empty() {
        let mut all = FOUND.lock().unwrap();
        for f in found {
            all.push(format!("{key}: {f}"));
        }
    }
}

/// What the checks found since the last call (each test takes its own).
pub fn take_violations() -> Vec<String> {
    CHECKED.lock().unwrap().take();
    std::mem::take(&mut *FOUND.lock().unwrap())
}
