//! Tabular downloads: the one place that turns a report (a [`Sheet`] of typed [`Cell`]s)
//! into a CSV or XLSX file and into the HTTP response that delivers it.
//!
//! Statements and stock reports build a `Sheet` with already-translated headers; this
//! module owns the file formats (BOM, quoting, number and date cells, column widths,
//! worksheet naming) and the `Content-Disposition` header, so every report downloads the
//! same way.

use crate::error::AppError;
use actix_web::HttpResponse;
use actix_web::http::header;
use chrono::{Datelike, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format as XlsxFormat, Workbook, Worksheet};
use std::collections::HashMap;

/// Decimal cannot carry more places than this.
const MAX_PLACES: u32 = 28;
/// Excel's limit on worksheet names, counted in UTF-16 units.
const MAX_SHEET_NAME: usize = 31;
const MIN_COLUMN_WIDTH: usize = 6;
const MAX_COLUMN_WIDTH: usize = 60;

/// One value of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    /// Shown with exactly `places` decimals, rounded half away from zero (四舍五入).
    Number {
        value: Decimal,
        places: u32,
    },
    Integer(i64),
    Date(NaiveDate),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }

    /// An amount of money: two places.
    pub fn money(value: Decimal) -> Self {
        Cell::Number { value, places: 2 }
    }

    /// A quantity shown with the unit's number of places.
    pub fn qty(value: Decimal, places: u32) -> Self {
        Cell::Number { value, places }
    }

    pub fn int(value: i64) -> Self {
        Cell::Integer(value)
    }

    pub fn date(value: NaiveDate) -> Self {
        Cell::Date(value)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::Integer(v)
    }
}

impl From<NaiveDate> for Cell {
    fn from(d: NaiveDate) -> Self {
        Cell::Date(d)
    }
}

/// A missing value (an unset date, say) is an empty cell.
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// One report: a preamble of label/value pairs, a header row, rows and totals rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sheet {
    /// Also the worksheet name, after [`Sheet::worksheet_name`] makes it acceptable to Excel.
    pub title: String,
    /// Printed above the table, e.g. company, supplier, period.
    pub preamble: Vec<(String, String)>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Totals rows, bold in XLSX.
    pub footer: Vec<Vec<Cell>>,
}

impl Sheet {
    pub fn new(title: impl Into<String>) -> Self {
        Sheet {
            title: title.into(),
            ..Sheet::default()
        }
    }

    pub fn with_preamble(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.preamble.push((label.into(), value.into()));
        self
    }

    pub fn with_headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.headers = headers.into_iter().map(Into::into).collect();
        self
    }

    pub fn with_row(mut self, cells: impl IntoIterator<Item = Cell>) -> Self {
        self.push_row(cells);
        self
    }

    pub fn with_footer(mut self, cells: impl IntoIterator<Item = Cell>) -> Self {
        self.push_footer(cells);
        self
    }

    pub fn push_row(&mut self, cells: impl IntoIterator<Item = Cell>) {
        self.rows.push(cells.into_iter().collect());
    }

    pub fn push_footer(&mut self, cells: impl IntoIterator<Item = Cell>) {
        self.footer.push(cells.into_iter().collect());
    }

    /// The title as Excel accepts it for a worksheet name: none of `[]:*?/\`, no
    /// apostrophe at either end, at most 31 UTF-16 units, not blank, not `History`
    /// (which Excel reserves).
    pub fn worksheet_name(&self) -> String {
        let cleaned: String = self
            .title
            .chars()
            .map(|c| match c {
                '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
                c if c.is_control() => ' ',
                c => c,
            })
            .collect();
        let mut name = String::new();
        let mut units = 0;
        for c in cleaned.trim().trim_matches('\'').chars() {
            units += c.len_utf16();
            if units > MAX_SHEET_NAME {
                break;
            }
            name.push(c);
        }
        // Truncation can expose an apostrophe or a space at the end.
        let name = name.trim_end().trim_end_matches('\'').to_string();
        if name.is_empty() {
            "Sheet1".to_string()
        } else if name.eq_ignore_ascii_case("history") {
            format!("{name}_")
        } else {
            name
        }
    }
}

/// A download format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// `"csv"` or `"xlsx"`, in any case.
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// Renders `sheet` in this format.
    pub fn render(self, sheet: &Sheet) -> Result<Vec<u8>, ExportError> {
        match self {
            Format::Csv => to_csv(sheet),
            Format::Xlsx => to_xlsx(sheet),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("{0} cannot be written as a spreadsheet number")]
    Number(Decimal),
    #[error("{0} is outside the dates a spreadsheet can hold")]
    Date(NaiveDate),
    #[error("the table is too large for a worksheet")]
    TooLarge,
}

impl From<ExportError> for AppError {
    fn from(e: ExportError) -> Self {
        AppError::Internal(format!("export: {e}"))
    }
}

/// `value` rounded to `places` the way the figure is shown; a rounded-away negative
/// becomes plain zero so no "-0.00" appears.
fn rounded(value: Decimal, places: u32) -> (Decimal, u32) {
    let places = places.min(MAX_PLACES);
    let mut r = value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    if r.is_zero() {
        r.set_sign_positive(true);
    }
    (r, places)
}

/// The exact decimal text, never through a float: `Display` with a precision pads but
/// truncates, so the value is rounded first.
fn number_text(value: Decimal, places: u32) -> String {
    let (r, places) = rounded(value, places);
    format!("{r:.prec$}", prec = places as usize)
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Spreadsheet programs run a CSV field starting with `=`, `+`, `-` or `@` as a formula,
/// also after leading spaces, tabs or line breaks (which they skip), and supplier-typed names
/// reach these files; a leading apostrophe makes it text (the OWASP advice). The full-width
/// signs count too (an input method types them). XLSX needs none: its strings are never
/// formulas. Every CSV the portal writes goes through [`to_csv`], so through this.
fn csv_safe(s: &str) -> std::borrow::Cow<'_, str> {
    let start = s.trim_start_matches(|c: char| c.is_whitespace() || c.is_control());
    let risky = s.chars().count() > 1
        && (s.starts_with(['\t', '\r'])
            || start.starts_with(['=', '+', '-', '@', '＝', '＋', '－', '＠']));
    if risky {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

fn csv_field(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => csv_safe(s).into_owned(),
        Cell::Number { value, places } => number_text(*value, *places),
        Cell::Integer(v) => v.to_string(),
        Cell::Date(d) => date_text(*d),
        Cell::Empty => String::new(),
    }
}

/// CSV in UTF-8 with a byte-order mark, without which Excel on Chinese Windows reads
/// the file as GBK. Preamble lines, a blank line, the header, the rows, the totals.
pub fn to_csv(sheet: &Sheet) -> Result<Vec<u8>, ExportError> {
    let mut w = csv_writer(Vec::from(*b"\xEF\xBB\xBF"));
    for (label, value) in &sheet.preamble {
        w.write_record([csv_safe(label).as_ref(), csv_safe(value).as_ref()])?;
    }
    if !sheet.preamble.is_empty() {
        w = blank_line(w)?;
    }
    if !sheet.headers.is_empty() {
        w.write_record(sheet.headers.iter().map(|h| csv_safe(h).into_owned()))?;
    }
    for row in sheet.rows.iter().chain(&sheet.footer) {
        if row.is_empty() {
            w = blank_line(w)?;
        } else {
            w.write_record(row.iter().map(csv_field))?;
        }
    }
    Ok(w.into_inner().map_err(|e| e.into_error())?)
}

fn csv_writer(buf: Vec<u8>) -> csv::Writer<Vec<u8>> {
    // Rows have different lengths (preamble pairs, short totals rows); CRLF is what
    // Excel writes and what RFC 4180 asks for.
    csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::CRLF)
        .from_writer(buf)
}

/// The csv crate writes an empty record as `""` so that it reads back as one field; a
/// real blank line is added past the writer.
fn blank_line(w: csv::Writer<Vec<u8>>) -> Result<csv::Writer<Vec<u8>>, ExportError> {
    let mut buf = w.into_inner().map_err(|e| e.into_error())?;
    buf.extend_from_slice(b"\r\n");
    Ok(csv_writer(buf))
}

/// Excel's number format for `places` decimals, with thousands grouping.
fn number_format_code(places: u32) -> String {
    if places == 0 {
        "#,##0".to_string()
    } else {
        format!("#,##0.{}", "0".repeat(places as usize))
    }
}

#[derive(Clone, Copy, Hash, PartialEq, Eq)]
enum Style {
    Plain,
    Number(u32),
    Date,
}

/// Formats built once per kind, so a long report does not build one per cell.
#[derive(Default)]
struct Styles(HashMap<(Style, bool), XlsxFormat>);

impl Styles {
    fn get(&mut self, style: Style, bold: bool) -> &XlsxFormat {
        self.0.entry((style, bold)).or_insert_with(|| {
            let f = match style {
                Style::Plain => XlsxFormat::new(),
                Style::Number(p) => XlsxFormat::new().set_num_format(number_format_code(p)),
                Style::Date => XlsxFormat::new().set_num_format("yyyy-mm-dd"),
            };
            if bold { f.set_bold() } else { f }
        })
    }
}

/// Display width in Excel's character units: CJK and full-width characters take two.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let cp = u32::from(c);
            let wide = matches!(cp,
                0x1100..=0x115F
                | 0x2E80..=0x303E
                | 0x3041..=0x33FF
                | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF
                | 0xA000..=0xA4CF
                | 0xAC00..=0xD7A3
                | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F
                | 0xFF00..=0xFF60
                | 0xFFE0..=0xFFE6
                | 0x20000..=0x3FFFD);
            if wide { 2 } else { 1 }
        })
        .sum()
}

/// How wide the cell reads once formatted (grouping commas included).
fn cell_width(cell: &Cell) -> usize {
    match cell {
        Cell::Text(s) => s.lines().map(display_width).max().unwrap_or(0),
        Cell::Number { value, places } => {
            let text = number_text(*value, *places);
            let int_digits = text
                .trim_start_matches('-')
                .split('.')
                .next()
                .map_or(0, str::len);
            text.len() + int_digits.saturating_sub(1) / 3
        }
        Cell::Integer(v) => v.to_string().len(),
        Cell::Date(_) => 10,
        Cell::Empty => 0,
    }
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, ExportError> {
    let year = u16::try_from(d.year()).map_err(|_| ExportError::Date(d))?;
    // Month and day always fit; the conversions only satisfy the types.
    let month = u8::try_from(d.month()).map_err(|_| ExportError::Date(d))?;
    let day = u8::try_from(d.day()).map_err(|_| ExportError::Date(d))?;
    ExcelDateTime::from_ymd(year, month, day).map_err(|_| ExportError::Date(d))
}

fn write_cell(
    ws: &mut Worksheet,
    styles: &mut Styles,
    row: u32,
    col: u16,
    cell: &Cell,
    bold: bool,
) -> Result<(), ExportError> {
    match cell {
        Cell::Text(s) => {
            ws.write_string_with_format(row, col, s, styles.get(Style::Plain, bold))?;
        }
        Cell::Number { value, places } => {
            // XLSX stores every number as an IEEE double, so this boundary is the one
            // place a Decimal becomes an f64. Rounding to the shown places first makes the
            // stored value the one on screen, so Excel's own SUM agrees with our totals.
            let (r, places) = rounded(*value, *places);
            let f = r.to_f64().ok_or(ExportError::Number(*value))?;
            ws.write_number_with_format(row, col, f, styles.get(Style::Number(places), bold))?;
        }
        Cell::Integer(v) => {
            // Integers here are counts and document numbers: exact in a double up to
            // 2^53 and shown without grouping.
            let f = *v as f64;
            ws.write_number_with_format(row, col, f, styles.get(Style::Plain, bold))?;
        }
        Cell::Date(d) => {
            let dt = excel_date(*d)?;
            ws.write_datetime_with_format(row, col, dt, styles.get(Style::Date, bold))?;
        }
        Cell::Empty => {
            if bold {
                ws.write_blank(row, col, styles.get(Style::Plain, true))?;
            }
        }
    }
    Ok(())
}

fn col_index(i: usize) -> Result<u16, ExportError> {
    u16::try_from(i).map_err(|_| ExportError::TooLarge)
}

/// A one-worksheet workbook: preamble, a blank row, the bold header row (frozen), the
/// rows, bold totals; numbers and dates as real number and date cells.
pub fn to_xlsx(sheet: &Sheet) -> Result<Vec<u8>, ExportError> {
    to_xlsx_book(&sheet.title, std::slice::from_ref(sheet))
}

/// The worksheet names of `sheets`, each as [`Sheet::worksheet_name`] gives it and made unique
/// in the workbook (Excel compares names without case) by a ` (2)`, ` (3)`… within 31 units.
pub fn worksheet_names(sheets: &[Sheet]) -> Vec<String> {
    let mut taken: Vec<String> = Vec::with_capacity(sheets.len());
    let mut out = Vec::with_capacity(sheets.len());
    for sheet in sheets {
        let base = sheet.worksheet_name();
        let mut name = base.clone();
        let mut n = 1;
        while taken.contains(&name.to_lowercase()) {
            n += 1;
            let suffix = format!(" ({n})");
            let room = MAX_SHEET_NAME.saturating_sub(suffix.len());
            let mut cut = String::new();
            let mut units = 0;
            for c in base.chars() {
                units += c.len_utf16();
                if units > room {
                    break;
                }
                cut.push(c);
            }
            name = format!("{}{suffix}", cut.trim_end());
        }
        taken.push(name.to_lowercase());
        out.push(name);
    }
    out
}

/// A workbook titled `title` with a worksheet per sheet, in order, each laid out as
/// [`to_xlsx`] lays out its one (names made unique by [`worksheet_names`]).
pub fn to_xlsx_book(title: &str, sheets: &[Sheet]) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&DocProperties::new().set_title(title));
    let mut styles = Styles::default();
    for (sheet, name) in sheets.iter().zip(worksheet_names(sheets)) {
        let ws = workbook.add_worksheet();
        ws.set_name(name)?;
        write_sheet(ws, &mut styles, sheet)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// One sheet's cells into the worksheet `ws`.
fn write_sheet(
    ws: &mut rust_xlsxwriter::Worksheet,
    styles: &mut Styles,
    sheet: &Sheet,
) -> Result<(), ExportError> {
    let mut widths: Vec<usize> = Vec::new();
    let mut widen = |col: usize, w: usize| {
        if widths.len() <= col {
            widths.resize(col + 1, 0);
        }
        widths[col] = widths[col].max(w);
    };

    let mut row: u32 = 0;
    let next = |r: u32| r.checked_add(1).ok_or(ExportError::TooLarge);
    for (label, value) in &sheet.preamble {
        ws.write_string_with_format(row, 0, label, styles.get(Style::Plain, true))?;
        ws.write_string(row, 1, value)?;
        // Only the label sizes its column: a long value may spill into empty cells.
        widen(0, display_width(label));
        row = next(row)?;
    }
    if !sheet.preamble.is_empty() {
        row = next(row)?;
    }
    if !sheet.headers.is_empty() {
        for (i, h) in sheet.headers.iter().enumerate() {
            ws.write_string_with_format(row, col_index(i)?, h, styles.get(Style::Plain, true))?;
            widen(i, display_width(h));
        }
        ws.set_freeze_panes(next(row)?, 0)?;
        row = next(row)?;
    }
    let body = sheet.rows.iter().map(|r| (r, false));
    let totals = sheet.footer.iter().map(|r| (r, true));
    for (cells, bold) in body.chain(totals) {
        for (i, cell) in cells.iter().enumerate() {
            write_cell(ws, styles, row, col_index(i)?, cell, bold)?;
            widen(i, cell_width(cell));
        }
        row = next(row)?;
    }
    for (i, w) in widths.iter().enumerate() {
        let w = (w + 2).clamp(MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH);
        ws.set_column_width(col_index(i)?, w as f64)?;
    }
    Ok(())
}

/// `name` with anything but printable ASCII replaced by `_`, and no quote or backslash
/// that would end the quoted `filename="..."`.
fn ascii_fallback(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '"' | '\\' => '_',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '_',
        })
        .collect()
}

/// The `Content-Disposition` value for an attachment: an ASCII `filename` for old clients
/// and an RFC 5987 `filename*` so Chinese names arrive intact.
pub fn content_disposition(filename: &str) -> String {
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_fallback(filename),
        urlencoding::encode(filename)
    )
}

/// The download of `sheet` as `<filename_stem>.<csv|xlsx>`.
pub fn download(
    format: Format,
    filename_stem: &str,
    sheet: &Sheet,
) -> Result<HttpResponse, ExportError> {
    Ok(attachment(format, filename_stem, format.render(sheet)?))
}

/// A file made already (`body`, in `format`) as a download named `filename_stem`: a
/// workbook kept as it was assembled, say.
pub fn attachment(format: Format, filename_stem: &str, body: Vec<u8>) -> HttpResponse {
    // Path separators and control characters have no place in a suggested file name.
    let stem: String = filename_stem
        .chars()
        .map(|c| match c {
            '/' | '\\' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let stem = match stem.trim() {
        "" => "export",
        s => s,
    };
    let filename = format!("{stem}.{}", format.extension());
    HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((header::CONTENT_DISPOSITION, content_disposition(&filename)))
        .body(body)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn csv_text(sheet: &Sheet) -> String {
        String::from_utf8(to_csv(sheet).unwrap()).unwrap()
    }

    #[test]
    fn csv_starts_with_the_bom_and_writes_exact_numbers_and_iso_dates() {
        let sheet = Sheet::new("对账单")
            .with_preamble("供应商", "华建建材")
            .with_headers(["日期", "金额", "数量", "行"])
            .with_row([
                Cell::date(day(2027, 1, 25)),
                Cell::money(d("1234.5")),
                Cell::qty(d("3"), 3),
                Cell::int(7),
            ])
            .with_footer([Cell::text("合计"), Cell::money(d("1234.5"))]);
        let bytes = to_csv(&sheet).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            lines,
            [
                "供应商,华建建材",
                "",
                "日期,金额,数量,行",
                "2027-01-25,1234.50,3.000,7",
                "合计,1234.50",
            ]
        );
    }

    #[test]
    fn csv_numbers_round_half_away_from_zero_and_never_show_negative_zero() {
        assert_eq!(number_text(d("2.345"), 2), "2.35");
        assert_eq!(number_text(d("-2.345"), 2), "-2.35");
        assert_eq!(number_text(d("-0.001"), 2), "0.00");
        assert_eq!(number_text(d("12"), 0), "12");
        assert_eq!(number_text(d("0.1"), 4), "0.1000");
    }

    #[test]
    fn csv_without_a_preamble_starts_with_the_header() {
        let sheet = Sheet::new("t").with_headers(["a", "b"]);
        assert_eq!(csv_text(&sheet), "\u{feff}a,b\r\n");
    }

    #[test]
    fn csv_quotes_commas_quotes_and_newlines() {
        let sheet = Sheet::new("t").with_headers(["名称", "备注"]).with_row([
            Cell::text("钢筋, HRB400"),
            Cell::text("说 \"加急\"\n第二行"),
        ]);
        let text = csv_text(&sheet);
        assert!(text.contains("\"钢筋, HRB400\",\"说 \"\"加急\"\"\n第二行\"\r\n"));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(&record[0], "钢筋, HRB400");
        assert_eq!(&record[1], "说 \"加急\"\n第二行");
    }

    #[test]
    fn csv_text_that_a_spreadsheet_would_run_as_a_formula_is_kept_as_text() {
        let sheet = Sheet::new("t")
            .with_preamble("供应商", "=HYPERLINK(\"x\")")
            .with_row([Cell::text("+1+1"), Cell::text("-"), Cell::money(d("-5"))]);
        let text = csv_text(&sheet);
        assert!(text.contains("'=HYPERLINK"));
        assert!(text.contains("'+1+1,-,-5.00"));
    }

    #[test]
    fn a_formula_after_leading_spaces_tabs_or_line_breaks_is_kept_as_text_too() {
        for risky in [
            " =HYPERLINK(\"x\")",
            "\t=1+1",
            "  \t@SUM(A1)",
            "\n-2+3",
            "\r+1",
            "＝1+1",
            "\tplain",
        ] {
            assert_eq!(csv_safe(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in ["  cement 42.5", "水泥", "-", "DN25", ""] {
            assert_eq!(csv_safe(plain), plain, "{plain:?}");
        }
    }

    #[test]
    fn xlsx_round_trips_chinese_headers_money_quantities_and_dates() {
        let amounts = [d("1234.50"), d("0.10"), d("98765.43")];
        let total: Decimal = amounts.iter().sum();
        let mut sheet = Sheet::new("供应商月结对账单 2027-01")
            .with_preamble("公司", "中建某局")
            .with_preamble("期间", "2027-01")
            .with_headers(["材料名称", "金额（元）", "数量", "日期"]);
        for (i, a) in amounts.iter().enumerate() {
            sheet.push_row([
                Cell::text(format!("材料{i}")),
                Cell::money(*a),
                Cell::qty(d("1.5"), 3),
                Cell::date(day(2027, 1, 25)),
            ]);
        }
        sheet.push_footer([Cell::text("合计"), Cell::money(total)]);

        let bytes = to_xlsx(&sheet).unwrap();
        let mut book = Xlsx::new(Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), [sheet.worksheet_name()]);
        let range = book.worksheet_range(&sheet.worksheet_name()).unwrap();
        let at = |r: u32, c: u32| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);

        assert_eq!(at(0, 0), Data::String("公司".into()));
        assert_eq!(at(1, 1), Data::String("2027-01".into()));
        // Preamble rows 0-1, blank row 2, header row 3, data rows 4-6, total row 7.
        let headers: Vec<Data> = (0..4).map(|c| at(3, c)).collect();
        assert_eq!(
            headers,
            ["材料名称", "金额（元）", "数量", "日期"].map(|h| Data::String(h.into()))
        );
        assert_eq!(at(4, 1), Data::Float(1234.5));
        assert_eq!(at(4, 2), Data::Float(1.5));
        match at(4, 3) {
            Data::DateTime(dt) => {
                assert!(dt.is_datetime());
                let serial = (day(2027, 1, 25) - day(1899, 12, 30)).num_days();
                assert_eq!(dt.as_f64(), serial as f64);
            }
            other => panic!("expected a date cell, got {other:?}"),
        }
        let sum: f64 = (4..7)
            .map(|r| match at(r, 1) {
                Data::Float(f) => f,
                other => panic!("expected a float cell, got {other:?}"),
            })
            .sum();
        let Data::Float(footer) = at(7, 1) else {
            panic!("expected the total as a float cell");
        };
        assert_eq!(footer, total.to_f64().unwrap());
        assert!((sum - footer).abs() < 0.005, "{sum} vs {footer}");
        assert_eq!(at(7, 0), Data::String("合计".into()));
    }

    #[test]
    fn worksheet_names_follow_excels_rules() {
        let long = Sheet::new("材料/超市:[2027]*月?结\\对账单-供应商-华建建材有限公司-第一项目部");
        let name = long.worksheet_name();
        assert!(name.encode_utf16().count() <= 31);
        assert!(!name.contains(['[', ']', ':', '*', '?', '/', '\\']));
        assert!(name.starts_with("材料_超市__2027__月_结_对账单"));
        assert_eq!(Sheet::new("  ").worksheet_name(), "Sheet1");
        assert_eq!(Sheet::new("'引号'").worksheet_name(), "引号");
        assert_eq!(Sheet::new("History").worksheet_name(), "History_");
        // Every sanitised name is one the writer accepts.
        for s in [long, Sheet::new("'''"), Sheet::new("a'")] {
            assert!(to_xlsx(&s).is_ok(), "{:?}", s.title);
        }
    }

    #[test]
    fn cjk_characters_count_double_for_column_widths() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("钢筋"), 4);
        assert_eq!(display_width("（元）"), 6);
        assert_eq!(
            cell_width(&Cell::money(d("1234567.5"))),
            "1,234,567.50".len()
        );
    }

    #[test]
    fn format_parses_csv_and_xlsx_only() {
        assert_eq!(Format::parse("csv"), Some(Format::Csv));
        assert_eq!(Format::parse("XLSX"), Some(Format::Xlsx));
        assert_eq!(Format::parse("xls"), None);
        assert_eq!(Format::parse(""), None);
        assert_eq!(Format::Xlsx.extension(), "xlsx");
        assert_eq!(Format::Csv.content_type(), "text/csv; charset=utf-8");
    }

    #[test]
    fn download_names_the_file_in_ascii_and_in_utf8_for_a_chinese_stem() {
        let sheet = Sheet::new("对账单").with_headers(["金额"]);
        for format in [Format::Csv, Format::Xlsx] {
            let res = download(format, "对账单-2027-01", &sheet).unwrap();
            let cd = res
                .headers()
                .get(header::CONTENT_DISPOSITION)
                .unwrap()
                .to_str()
                .unwrap();
            assert!(cd.starts_with("attachment;"), "{cd}");
            let ext = format.extension();
            assert!(
                cd.contains(&format!("filename=\"___-2027-01.{ext}\"")),
                "{cd}"
            );
            assert!(cd.contains("filename*=UTF-8''%E5%AF%B9"), "{cd}");
            assert!(cd.ends_with(&format!("-2027-01.{ext}")), "{cd}");
            let ct = res.headers().get(header::CONTENT_TYPE).unwrap();
            assert_eq!(ct.to_str().unwrap(), format.content_type());
        }
    }

    #[test]
    fn an_export_error_is_an_internal_app_error() {
        let e: AppError = ExportError::Date(day(1800, 1, 1)).into();
        assert!(matches!(e, AppError::Internal(m) if m.contains("1800-01-01")));
        let sheet = Sheet::new("t").with_row([Cell::date(day(1800, 1, 1))]);
        assert!(matches!(to_xlsx(&sheet), Err(ExportError::Date(_))));
    }
}
