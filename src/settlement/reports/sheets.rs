//! The reports as CSV (with BOM) and XLSX.

use super::*;

// Spreadsheets
// ---------------------------------------------------------------------------------------------

pub(super) fn period_dates(p: &PeriodInfo) -> String {
    format!("{} – {}", p.first_day, p.last_day)
}

pub(super) fn usage_headers(locale: Locale) -> Vec<String> {
    [
        "report-date",
        "report-requisition",
        "report-material",
        "report-spec",
        "report-unit",
        "report-supplier",
        "report-quantity",
        "report-unit-price",
        "report-amount",
    ]
    .iter()
    .map(|k| locale.t(k))
    .collect()
}

pub fn usage_sheet(s: &UsageStatement, locale: Locale) -> Sheet {
    let title = format!("{} {}", locale.t("report-usage-title"), s.period.period);
    let mut sheet = Sheet::new(title)
        .with_preamble(locale.t("report-company"), s.company.clone())
        .with_preamble(locale.t("report-site"), s.site.clone())
        .with_preamble(locale.t("report-period"), s.period.period.to_string())
        .with_preamble(locale.t("report-period-dates"), period_dates(&s.period))
        .with_headers(usage_headers(locale));
    for g in &s.groups {
        for l in &g.lines {
            sheet.push_row([
                Cell::date(l.date),
                l.requisition_id.map_or(Cell::Empty, |r| Cell::int(r.get())),
                Cell::text(l.material.clone()),
                Cell::text(l.spec.clone()),
                Cell::text(l.unit.clone()),
                Cell::text(l.supplier.clone()),
                Cell::qty(l.quantity, l.unit_decimals),
                Cell::qty(l.unit_price, text::price_places(l.unit_price)),
                Cell::money(l.amount),
            ]);
        }
        sheet.push_row([
            Cell::text(locale.t("report-subtotal")),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::text(g.supplier.clone()),
            Cell::Empty,
            Cell::Empty,
            Cell::money(g.subtotal),
        ]);
    }
    sheet.push_footer([
        Cell::text(locale.t("report-total")),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::money(s.total),
    ]);
    sheet
}

pub(super) fn stock_headers(locale: Locale) -> Vec<String> {
    let mut h: Vec<String> = [
        "report-supplier",
        "report-material",
        "report-spec",
        "report-unit",
    ]
    .iter()
    .map(|k| locale.t(k))
    .collect();
    for col in [
        "report-opening",
        "report-receipts",
        "report-issues",
        "report-other-outs",
        "report-closing",
    ] {
        let col = locale.t(col);
        h.push(format!("{col} · {}", locale.t("report-quantity")));
        h.push(format!("{col} · {}", locale.t("report-amount")));
    }
    h
}

pub fn stock_sheet(r: &StockReport, locale: Locale) -> Sheet {
    let title = format!("{} {}", locale.t("report-stock-title"), r.period.period);
    let mut sheet = Sheet::new(title)
        .with_preamble(locale.t("report-company"), r.company.clone())
        .with_preamble(locale.t("report-warehouse"), r.warehouse.clone())
        .with_preamble(locale.t("report-period"), r.period.period.to_string())
        .with_preamble(locale.t("report-period-dates"), period_dates(&r.period))
        .with_headers(stock_headers(locale));
    sheet.push_row([Cell::text(locale.t("report-consigned"))]);
    for l in &r.consigned.lines {
        let b = &l.balance;
        let mut row = vec![
            Cell::text(l.supplier.clone()),
            Cell::text(l.material.clone()),
            Cell::text(l.spec.clone()),
            Cell::text(l.unit.clone()),
        ];
        for qv in [b.opening, b.receipts, b.issues, b.other_outs, b.closing] {
            row.push(Cell::qty(qv.quantity, l.unit_decimals));
            row.push(Cell::money(qv.value));
        }
        sheet.push_row(row);
    }
    let t = &r.consigned.totals;
    let mut total = vec![
        Cell::text(locale.t("report-consigned-total")),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
    ];
    for v in [t.opening, t.receipts, t.issues, t.other_outs, t.closing] {
        total.push(Cell::Empty);
        total.push(Cell::money(v));
    }
    sheet.push_row(total);

    // The company-owned section under its own heading and columns.
    sheet.push_row([]);
    sheet.push_row([Cell::text(locale.t("report-issued-to-sites"))]);
    sheet.push_row(
        [
            "report-site",
            "report-material",
            "report-spec",
            "report-unit",
            "report-quantity",
            "report-amount",
        ]
        .iter()
        .map(|k| Cell::text(locale.t(k))),
    );
    for g in &r.issued_to_sites.sites {
        for l in &g.lines {
            sheet.push_row([
                Cell::text(g.site.clone()),
                Cell::text(l.material.clone()),
                Cell::text(l.spec.clone()),
                Cell::text(l.unit.clone()),
                Cell::qty(l.quantity, l.unit_decimals),
                Cell::money(l.value),
            ]);
        }
        sheet.push_row([
            Cell::text(locale.t("report-subtotal")),
            Cell::text(g.site.clone()),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::money(g.subtotal),
        ]);
    }
    sheet.push_footer([
        Cell::text(locale.t("report-issued-total")),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::money(r.issued_to_sites.total),
    ]);
    sheet
}

pub(super) fn file_stem(title_key: &str, name: &str, period: Period, locale: Locale) -> String {
    format!("{}-{}-{}", locale.t(title_key), name, period)
}

// ---------------------------------------------------------------------------------------------
