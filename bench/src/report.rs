//! The figures side by side, each with its ratio to its ceiling, and PASS/MISS per target.

use crate::dataset::Counts;
use crate::load::Sample;

/// Issue 7's targets (the search's raw rate is the engine's since issue 16).
pub const SEARCH_SHARE: f64 = 0.50;
/// Issue 16: the catalogue API at this share of the trivial handler's rate.
pub const SEARCH_HTTP_SHARE: f64 = 0.03;
pub const SEARCH_P99_MS: f64 = 20.0;
pub const DRAW_SHARE: f64 = 0.20;
pub const JOB_FACTOR: f64 = 2.0;
pub const RSS_LIMIT_MB: f64 = 150.0;
/// Issue 15: a dashboard page answers in well under a second.
pub const DASHBOARD_MS: f64 = 1000.0;

/// Everything measured on one database.
#[derive(Clone, Debug, Default)]
pub struct DbResults {
    pub name: &'static str,
    pub counts: Counts,
    pub dataset_secs: f64,
    pub raw_search: Sample,
    pub api: Sample,
    pub page: Sample,
    pub raw_reserve: Sample,
    pub draw: Sample,
    pub close_raw_secs: f64,
    pub close_raw_suppliers: i64,
    pub close_raw_draws: i64,
    pub close_secs: f64,
    pub close_statements: usize,
    /// The close ran past the time limit and was stopped: `close_secs` is a lower bound.
    pub close_stopped: bool,
    pub stale_raw_secs: f64,
    pub stale_raw_lots: u64,
    pub stale_secs: f64,
    pub stale_detail: String,
    pub stale_stopped: bool,
    pub peak_rss_bytes: u64,
    pub search_mismatches: Vec<String>,
    /// Listings indexed and how long the index took to build in the benchmark's process.
    pub index_listings: usize,
    pub index_build_secs: f64,
    /// From starting the server to its answering with its index built.
    pub server_index_secs: f64,
    /// Each search's raw latency alone (median of 3), slowest first.
    pub search_alone_ms: Vec<(String, f64)>,
    /// The server's peak RSS after each phase.
    pub rss_after: Vec<(String, u64)>,
    /// Each area's dashboard page alone: (area, median ms, slowest ms) of 5 requests.
    pub dashboard_ms: Vec<(String, f64, f64)>,
}

fn rate(x: f64) -> String {
    if x >= 100.0 {
        let n = x.round() as u64;
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else {
        format!("{x:.1}")
    }
}

fn ms(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2} ms")
    } else {
        format!("{x:.1} ms")
    }
}

fn pct(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

fn errors(s: &Sample) -> String {
    if s.errors == 0 {
        String::new()
    } else {
        format!(" ({} errors)", s.errors)
    }
}

/// Cells of one row for each database.
fn row(label: &str, dbs: &[DbResults], cell: impl Fn(&DbResults) -> String) -> String {
    let mut line = format!("| {label} |");
    for d in dbs {
        line.push_str(&format!(" {} |", cell(d)));
    }
    line
}

/// The table, in Markdown (it goes into the README as it is).
pub fn table(trivial: &Sample, dbs: &[DbResults]) -> String {
    let mut out = Vec::new();
    let mut head = "| measure |".to_string();
    let mut rule = "| --- |".to_string();
    for d in dbs {
        head.push_str(&format!(" {} |", d.name));
        rule.push_str(" --- |");
    }
    out.push(head);
    out.push(rule);
    out.push(row(
        "HTTP ceiling: trivial actix handler, 64 connections",
        dbs,
        |_| {
            format!(
                "{} req/s, p99 {}{}",
                rate(trivial.rate()),
                ms(trivial.percentile_ms(99.0)),
                errors(trivial)
            )
        },
    ));
    out.push(row(
        "raw catalogue search (the portal's search engine alone, in process, 64 tasks)",
        dbs,
        |d| {
            format!(
                "{} searches/s, p50 {}, p99 {}{}",
                rate(d.raw_search.rate()),
                ms(d.raw_search.percentile_ms(50.0)),
                ms(d.raw_search.percentile_ms(99.0)),
                errors(&d.raw_search)
            )
        },
    ));
    for (label, pick) in [
        (
            "catalogue API `/api/catalogue`, 64 connections",
            (|d: &DbResults| &d.api) as fn(&DbResults) -> &Sample,
        ),
        (
            "catalogue page `/catalogue`, 64 connections",
            |d: &DbResults| &d.page,
        ),
    ] {
        out.push(row(label, dbs, |d| {
            let s = pick(d);
            format!(
                "{} req/s = **{}** of raw (target ≥ 50 %); p50 {}, p99 **{}** (target ≤ 20 ms); **{:.1} %** of the HTTP ceiling (target ≥ 3 %){}",
                rate(s.rate()),
                pct(ratio(s.rate(), d.raw_search.rate())),
                ms(s.percentile_ms(50.0)),
                ms(s.percentile_ms(99.0)),
                ratio(s.rate(), trivial.rate()) * 100.0,
                errors(s)
            )
        }));
    }
    out.push(row(
        "raw reserve transaction (conditional update + ledger insert), 32 tasks",
        dbs,
        |d| {
            format!(
                "{} tx/s, p99 {}{}",
                rate(d.raw_reserve.rate()),
                ms(d.raw_reserve.percentile_ms(99.0)),
                errors(&d.raw_reserve)
            )
        },
    ));
    out.push(row(
        "draw cycle submit → approve → issue (3 requests), 32 clients",
        dbs,
        |d| {
            format!(
                "{} cycles/s = **{}** of raw (target ≥ 20 %); p50 {}, p99 {}{}",
                rate(d.draw.rate()),
                pct(ratio(d.draw.rate(), d.raw_reserve.rate())),
                ms(d.draw.percentile_ms(50.0)),
                ms(d.draw.percentile_ms(99.0)),
                errors(&d.draw)
            )
        },
    ));
    out.push(row(
        "dashboard pages, one request at a time (median / slowest of 5)",
        dbs,
        |d| {
            d.dashboard_ms
                .iter()
                .map(|(area, median, slowest)| format!("{area} {} / {}", ms(*median), ms(*slowest)))
                .collect::<Vec<_>>()
                .join("; ")
                + " (target < 1 s)"
        },
    ));
    out.push(row(
        "close the last period: raw aggregate (one SELECT)",
        dbs,
        |d| {
            format!(
                "{:.2} s ({} draws of {} suppliers)",
                d.close_raw_secs,
                rate(d.close_raw_draws as f64),
                d.close_raw_suppliers
            )
        },
    ));
    out.push(row("close the last period: portal", dbs, |d| {
        if d.close_stopped {
            format!(
                "stopped after {:.0} s with {} of {} statements = **> {:.0} ×** raw (target ≤ 2 ×)",
                d.close_secs,
                d.close_statements,
                d.close_raw_suppliers,
                ratio(d.close_secs, d.close_raw_secs)
            )
        } else {
            format!(
                "{:.2} s = **{:.1} ×** raw (target ≤ 2 ×); {} statements",
                d.close_secs,
                ratio(d.close_secs, d.close_raw_secs),
                d.close_statements
            )
        }
    }));
    out.push(row("stale scan: raw (one UPDATE, rolled back)", dbs, |d| {
        format!(
            "{:.2} s ({} lots)",
            d.stale_raw_secs,
            rate(d.stale_raw_lots as f64)
        )
    }));
    out.push(row("stale scan: portal", dbs, |d| {
        format!(
            "{:.2} s = **{:.1} ×** raw (target ≤ 2 ×); {}",
            d.stale_secs,
            ratio(d.stale_secs, d.stale_raw_secs),
            d.stale_detail
        )
    }));
    out.push(row(
        "server peak RSS (VmHWM of the portal process)",
        dbs,
        |d| {
            let mb = d.peak_rss_bytes as f64 / 1024.0 / 1024.0;
            format!("{mb:.0} MB = **{}** of 150 MB", pct(mb / RSS_LIMIT_MB))
        },
    ));
    out.join("\n")
}

/// PASS or MISS for each target, with how far off a miss is.
pub fn verdicts(trivial: &Sample, dbs: &[DbResults]) -> Vec<String> {
    let mut out = Vec::new();
    let mark = |ok: bool| if ok { "PASS" } else { "MISS" };
    for d in dbs {
        for (door, s) in [("API", &d.api), ("page", &d.page)] {
            let share = ratio(s.rate(), d.raw_search.rate());
            let p99 = s.percentile_ms(99.0);
            out.push(format!(
                "{} {}: catalogue {door} at {} of the raw search rate (≥ 50 %)",
                mark(share >= SEARCH_SHARE && s.errors == 0),
                d.name,
                pct(share)
            ));
            let http = ratio(s.rate(), trivial.rate());
            out.push(format!(
                "{} {}: catalogue {door} at {:.1} % of the trivial handler's rate (≥ 3 %)",
                mark(http >= SEARCH_HTTP_SHARE && s.errors == 0),
                d.name,
                http * 100.0
            ));
            out.push(format!(
                "{} {}: catalogue {door} p99 {} (≤ 20 ms)",
                mark(p99 <= SEARCH_P99_MS),
                d.name,
                ms(p99)
            ));
        }
        let share = ratio(d.draw.rate(), d.raw_reserve.rate());
        out.push(format!(
            "{} {}: draw cycle at {} of the raw reserve rate (≥ 20 %)",
            mark(share >= DRAW_SHARE && d.draw.errors == 0),
            d.name,
            pct(share)
        ));
        let f = ratio(d.close_secs, d.close_raw_secs);
        out.push(format!(
            "{} {}: period close {}{:.1} × the raw aggregate (≤ 2 ×)",
            mark(f <= JOB_FACTOR && !d.close_stopped),
            d.name,
            if d.close_stopped { "stopped at > " } else { "" },
            f
        ));
        let f = ratio(d.stale_secs, d.stale_raw_secs);
        out.push(format!(
            "{} {}: stale scan {}{:.1} × the raw update (≤ 2 ×)",
            mark(f <= JOB_FACTOR && !d.stale_stopped),
            d.name,
            if d.stale_stopped { "stopped at > " } else { "" },
            f
        ));
        let slowest = d
            .dashboard_ms
            .iter()
            .map(|(_, _, s)| *s)
            .fold(0.0, f64::max);
        out.push(format!(
            "{} {}: slowest dashboard page {} (< 1 s)",
            mark(!d.dashboard_ms.is_empty() && slowest < DASHBOARD_MS),
            d.name,
            ms(slowest)
        ));
        let mb = d.peak_rss_bytes as f64 / 1024.0 / 1024.0;
        out.push(format!(
            "{} {}: peak RSS {mb:.0} MB (≤ 150 MB)",
            mark(mb <= RSS_LIMIT_MB),
            d.name
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_grouped_by_thousands() {
        assert_eq!(rate(1234567.0), "1,234,567");
        assert_eq!(rate(999.4), "999");
        assert_eq!(rate(12.34), "12.3");
    }
}
