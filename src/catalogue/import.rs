//! A supplier imports listings in bulk from a CSV or XLSX file. Every row is checked with the
//! rules of [`store::create_listing`]; problems are reported by row and column, and either all
//! rows are imported in one transaction or none is. `?dry_run=true` only checks.
//!
//! Files are recognised by content (an XLSX is a ZIP), at most [`MAX_BYTES`] and [`MAX_ROWS`]
//! rows; CSV is UTF-8 with or without BOM. Numbers are read as exact decimals: a numeric XLSX
//! cell is a float, written in its shortest round-trip form before it is parsed, so 3850.1
//! stays 3850.1.

use crate::audit::{self, Change};
use crate::auth::{Act, Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, ErrorBody, FieldErrors};
use crate::i18n::Locale;
use crate::money::stored::{Price, Qty};
use crate::state::AppState;
use crate::web::page::{FormErrors, PageCtx, check_csrf, redirect_with_flash};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use entity::{SupplierId, listing, material, price_change, unit, warehouse};
use rust_decimal::Decimal;
use sea_orm::QueryOrder;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;
use utoipa::{IntoParams, ToSchema};

/// Largest file accepted.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Most data rows in one file.
pub const MAX_ROWS: usize = 5000;
/// Most an XLSX may unpack to (its parts' declared sizes added up).
const MAX_UNZIPPED: u64 = 64 * 1024 * 1024;
/// Problems shown on the page; the API answers all of them.
const PAGE_ERRORS: usize = 200;

// ----- Columns -----

/// A column of the import file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    MaterialCode,
    MaterialName,
    Spec,
    Warehouse,
    Price,
    MinStock,
    MaxStock,
    LeadTime,
}

impl Column {
    pub const ALL: [Column; 8] = [
        Column::MaterialCode,
        Column::MaterialName,
        Column::Spec,
        Column::Warehouse,
        Column::Price,
        Column::MinStock,
        Column::MaxStock,
        Column::LeadTime,
    ];

    /// The stable name errors carry (`column`), and the English header.
    pub fn key(self) -> &'static str {
        match self {
            Column::MaterialCode => "material_code",
            Column::MaterialName => "material_name",
            Column::Spec => "spec",
            Column::Warehouse => "warehouse_code",
            Column::Price => "price",
            Column::MinStock => "min_stock",
            Column::MaxStock => "max_stock",
            Column::LeadTime => "lead_time_days",
        }
    }

    /// The Chinese header.
    pub fn zh(self) -> &'static str {
        match self {
            Column::MaterialCode => "物料编码",
            Column::MaterialName => "物料名称",
            Column::Spec => "规格型号",
            Column::Warehouse => "仓库编码",
            Column::Price => "单价",
            Column::MinStock => "最低库存",
            Column::MaxStock => "最高库存",
            Column::LeadTime => "供货周期(天)",
        }
    }

    /// Other headers accepted, in [`norm_header`] form.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::MaterialCode => &["materialcode", "code", "编码", "物料代码", "材料编码"],
            Column::MaterialName => &["materialname", "name", "material", "名称", "材料名称"],
            Column::Spec => &["specification", "规格", "型号"],
            Column::Warehouse => &["warehouse", "仓库", "仓库代码"],
            Column::Price => &["unitprice", "priceyuan", "单价元", "价格", "寄售单价"],
            Column::MinStock => &["minimumstock", "min", "最小库存", "库存下限"],
            Column::MaxStock => &["maximumstock", "max", "最大库存", "库存上限"],
            Column::LeadTime => &["leadtime", "供货周期", "交货周期", "交货周期天", "交货期天"],
        }
    }

    fn matches(self, header: &str) -> bool {
        let h = norm_header(header);
        !h.is_empty()
            && (h == norm_header(self.key())
                || h == norm_header(self.zh())
                || self.aliases().contains(&h.as_str()))
    }
}

/// A header compared without case, spaces, underscores or brackets: `Lead time (days)` and
/// `lead_time_days` are the same, so are `供货周期（天）` and `供货周期(天)`.
fn norm_header(h: &str) -> String {
    h.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

// ----- Reading a file -----

/// The cells of a file as text, with the row numbers the supplier sees (1 = the first row).
#[derive(Debug, Default, PartialEq)]
pub struct Sheet {
    pub header_row: usize,
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Sheet {
    /// Adds a non-empty row: the first is the header.
    fn push(&mut self, number: usize, cells: Vec<String>) -> AppResult<()> {
        if cells.iter().all(|c| c.is_empty()) {
            return Ok(());
        }
        if self.header.is_empty() {
            self.header_row = number;
            self.header = cells;
        } else if self.rows.len() >= MAX_ROWS {
            let mut f = FieldErrors::new();
            f.add_with(
                "file",
                RuleCode::ImportTooManyRows,
                &[("max", MAX_ROWS.to_string())],
            );
            return Err(AppError::Validation(f));
        } else {
            self.rows.push((number, cells));
        }
        Ok(())
    }
}

/// Reads a CSV or XLSX file, recognised by its content.
pub fn read_file(bytes: &[u8]) -> AppResult<Sheet> {
    if bytes.is_empty() {
        return Err(AppError::field("file", RuleCode::FileEmpty));
    }
    if bytes.len() > MAX_BYTES {
        return Err(AppError::field("file", RuleCode::ImportFileTooLarge));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes);
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let binary = crate::files::rules::sniff(bytes).is_some() || text.contains(&0);
    match std::str::from_utf8(text) {
        _ if binary => Err(AppError::field("file", RuleCode::ImportFileType)),
        Ok(text) => read_csv(text),
        // Text, but not UTF-8: most likely a CSV saved in GBK by a Chinese Excel.
        Err(_) => Err(AppError::field("file", RuleCode::ImportFileEncoding)),
    }
}

fn unreadable() -> AppError {
    AppError::field("file", RuleCode::ImportFileUnreadable)
}

/// Comma-separated, or semicolon or tab when the first line has more of those.
fn read_csv(text: &str) -> AppResult<Sheet> {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| (first.bytes().filter(|b| b == d).count(), *d == b','))
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut sheet = Sheet::default();
    // The reader skips blank lines without counting them: count lines from the offsets.
    let (mut line, mut seen) = (1, 0);
    for record in reader.records() {
        let record = record.map_err(|_| unreadable())?;
        let mut at = record.position().map(|p| p.byte() as usize).unwrap_or(seen);
        // Its position may be that of the blank lines before it.
        while matches!(text.as_bytes().get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        line += text.as_bytes()[seen..at.max(seen)]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        seen = at.max(seen);
        sheet.push(line, record.iter().map(|c| c.trim().to_string()).collect())?;
    }
    Ok(sheet)
}

/// The first worksheet, read cell by cell (a stray cell far away allocates nothing).
fn read_xlsx(bytes: &[u8]) -> AppResult<Sheet> {
    use calamine::Reader;
    if unzipped_size(bytes).is_none_or(|n| n > MAX_UNZIPPED) {
        return Err(unreadable());
    }
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|_| unreadable())?;
    let name = book.sheet_names().first().cloned().ok_or_else(unreadable)?;
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(|_| unreadable())?;
    let mut rows: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    while let Some(cell) = cells.next_cell().map_err(|_| unreadable())? {
        let (row, col) = cell.get_position();
        let text = cell_text(cell.get_value());
        if text.is_empty() || col >= 64 {
            continue;
        }
        if !rows.contains_key(&row) && rows.len() > MAX_ROWS {
            let mut f = FieldErrors::new();
            f.add_with(
                "file",
                RuleCode::ImportTooManyRows,
                &[("max", MAX_ROWS.to_string())],
            );
            return Err(AppError::Validation(f));
        }
        rows.entry(row).or_default().push((col, text));
    }
    let mut sheet = Sheet::default();
    for (row, cells) in rows {
        let width = cells
            .iter()
            .map(|(c, _)| *c as usize + 1)
            .max()
            .unwrap_or(0);
        let mut line = vec![String::new(); width];
        for (c, text) in cells {
            line[c as usize] = text;
        }
        sheet.push(row as usize + 1, line)?;
    }
    Ok(sheet)
}

/// A cell as text. Numbers keep their exact decimal form: a float is written in its shortest
/// round-trip representation (Rust's `Display`, never an exponent), so 3850.1 stays "3850.1".
fn cell_text(v: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef;
    match v {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => format!("{f}"),
        DataRef::String(s) => s.trim().to_string(),
        DataRef::SharedString(s) => s.trim().to_string(),
        DataRef::Bool(b) => b.to_string(),
        // A date where a number or a code belongs is a mistake: it fails to parse.
        DataRef::DateTime(_) | DataRef::DateTimeIso(_) | DataRef::DurationIso(_) => "#DATE".into(),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

/// What a ZIP's central directory says its parts unpack to, added up; `None` when the
/// directory cannot be read. Checked before anything is unpacked.
fn unzipped_size(bytes: &[u8]) -> Option<u64> {
    let u16_at = |i: usize| {
        bytes
            .get(i..i + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |i: usize| {
        bytes
            .get(i..i + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    // The end record is the last 22 bytes, plus a comment of at most 65 535.
    let last = bytes.len().checked_sub(22)?;
    let end = (last.saturating_sub(65_535)..=last)
        .rev()
        .find(|&i| bytes[i..].starts_with(b"PK\x05\x06"))?;
    let mut at = u32_at(end + 16)? as usize;
    let mut total = 0u64;
    for _ in 0..u16_at(end + 10)? {
        if !bytes.get(at..)?.starts_with(b"PK\x01\x02") {
            return None;
        }
        let size = u32_at(at + 24)?;
        if size == u32::MAX {
            return None; // ZIP64: never needed for a sheet of this size
        }
        total += u64::from(size);
        at +=
            46 + u16_at(at + 28)? as usize + u16_at(at + 30)? as usize + u16_at(at + 32)? as usize;
    }
    Some(total)
}

// ----- Checking rows -----

/// One problem of one cell (or of the header, or of the file's row as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub row: usize,
    pub column: Column,
    pub code: RuleCode,
    pub args: Vec<(&'static str, String)>,
}

/// What the rows are checked against: the materials, units and warehouses, the supplier's
/// agreement and its listings.
#[derive(Default)]
pub struct Known {
    pub materials: Vec<material::Model>,
    /// Unit code → the decimals its quantities take.
    pub decimals: HashMap<String, u32>,
    pub warehouses: Vec<warehouse::Model>,
    /// The categories of the consignment agreement; empty allows all.
    pub categories: Vec<i64>,
    /// (material, warehouse) the supplier lists already.
    pub listed: HashSet<(i64, i64)>,
}

/// A row that passed every check.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    pub row: usize,
    pub material_id: i64,
    pub warehouse_id: i64,
    pub price: Price,
    pub min_stock: Qty,
    pub max_stock: Qty,
    pub lead_time_days: i32,
}

/// Text compared without case and with single spaces.
fn norm_text(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Checks every row with the rules of [`store::create_listing`]: an active material in the
/// agreement's categories, an active warehouse, a price above zero, quantities in the unit's
/// decimals (the minimum may be zero), the maximum not below the minimum, 0 to 365 days; and
/// no listing twice, neither in the file nor beside an existing one.
pub fn check_rows(sheet: &Sheet, known: &Known) -> (Vec<Checked>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut at: HashMap<usize, usize> = HashMap::new();
    for c in Column::ALL {
        let found: Vec<usize> = (0..sheet.header.len())
            .filter(|&i| c.matches(&sheet.header[i]))
            .collect();
        if found.len() > 1 {
            problems.push(problem(sheet.header_row, c, RuleCode::ImportColumnTwice));
        }
        if let Some(&i) = found.first() {
            at.insert(c as usize, i);
        }
    }
    let has = |c: Column| at.contains_key(&(c as usize));
    if !has(Column::MaterialCode) && !has(Column::MaterialName) {
        problems.push(problem(
            sheet.header_row,
            Column::MaterialCode,
            RuleCode::ImportColumnMissing,
        ));
    }
    for c in [
        Column::Warehouse,
        Column::Price,
        Column::MaxStock,
        Column::LeadTime,
    ] {
        if !has(c) {
            problems.push(problem(sheet.header_row, c, RuleCode::ImportColumnMissing));
        }
    }
    if !problems.is_empty() {
        return (Vec::new(), problems);
    }

    let by_code: HashMap<String, &material::Model> = known
        .materials
        .iter()
        .map(|m| (m.code.trim().to_uppercase(), m))
        .collect();
    let mut by_name: HashMap<(String, String), Vec<&material::Model>> = HashMap::new();
    for m in &known.materials {
        let spec = norm_text(&m.spec);
        by_name
            .entry((norm_text(&m.name_zh), spec.clone()))
            .or_default()
            .push(m);
        if norm_text(&m.name_en) != norm_text(&m.name_zh) {
            by_name
                .entry((norm_text(&m.name_en), spec))
                .or_default()
                .push(m);
        }
    }
    let warehouses: HashMap<String, &warehouse::Model> = known
        .warehouses
        .iter()
        .map(|w| (w.code.trim().to_uppercase(), w))
        .collect();

    let mut checked = Vec::new();
    let mut first_row: HashMap<(i64, i64), usize> = HashMap::new();
    for (row, cells) in &sheet.rows {
        let row = *row;
        let cell = |c: Column| {
            at.get(&(c as usize))
                .and_then(|&i| cells.get(i))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        let before = problems.len();
        let mut bad = |c: Column, code: RuleCode| problems.push(problem(row, c, code));

        // The material: by code, else by name and spec.
        let (code, name) = (cell(Column::MaterialCode), cell(Column::MaterialName));
        let (material_col, found) = if !code.is_empty() || !has(Column::MaterialName) {
            (
                Column::MaterialCode,
                Some(by_code.get(&code.to_uppercase()).copied()),
            )
        } else {
            let key = (norm_text(name), norm_text(cell(Column::Spec)));
            match by_name.get(&key).map(Vec::as_slice) {
                Some([m]) => (Column::MaterialName, Some(Some(*m))),
                Some([_, _, ..]) => (Column::MaterialName, None),
                _ => (Column::MaterialName, Some(None)),
            }
        };
        let material = match found {
            _ if code.is_empty() && name.is_empty() => {
                bad(material_col, RuleCode::Required);
                None
            }
            None => {
                bad(material_col, RuleCode::ImportMaterialAmbiguous);
                None
            }
            Some(m) => match m.filter(|m| m.active) {
                None => {
                    bad(material_col, RuleCode::NotFound);
                    None
                }
                Some(m)
                    if !known.categories.is_empty()
                        && !known.categories.contains(&m.category_id) =>
                {
                    bad(material_col, RuleCode::CategoryNotInAgreement);
                    None
                }
                Some(m) => Some(m),
            },
        };

        let wh_code = cell(Column::Warehouse);
        let warehouse = warehouses.get(&wh_code.to_uppercase()).filter(|w| w.active);
        if wh_code.is_empty() {
            bad(Column::Warehouse, RuleCode::Required);
        } else if warehouse.is_none() {
            bad(Column::Warehouse, RuleCode::NotFound);
        }

        let price = match number(cell(Column::Price)) {
            Err(code) => {
                bad(Column::Price, code);
                None
            }
            Ok(v) => match crate::money::UnitPrice::parse(v) {
                Ok(p) => Some(p.fixed()),
                Err(crate::money::ValueError::NotPositive) => {
                    bad(Column::Price, RuleCode::PricePositive);
                    None
                }
                Err(e) => {
                    bad(Column::Price, e.code());
                    None
                }
            },
        };

        let decimals = material
            .and_then(|m| known.decimals.get(&m.unit_code).copied())
            .unwrap_or(3);
        let mut quantity = |c: Column, text: &str, zero_ok: bool| -> Option<Qty> {
            let v = match number(text) {
                Err(RuleCode::Required) if zero_ok => Decimal::ZERO,
                Err(code) => {
                    problems.push(problem(row, c, code));
                    return None;
                }
                Ok(v) => v,
            };
            if zero_ok && v.is_zero() {
                return Some(Qty::zero());
            }
            match crate::money::Quantity::parse(v, crate::money::UnitPlaces::new(decimals)) {
                Ok(q) => Some(q.fixed()),
                Err(crate::money::ValueError::TooLarge) => {
                    problems.push(problem(row, c, RuleCode::TooLarge));
                    None
                }
                Err(_) => {
                    problems.push(Problem {
                        args: vec![("decimals", decimals.to_string())],
                        ..problem(row, c, RuleCode::Quantity)
                    });
                    None
                }
            }
        };
        let min = quantity(Column::MinStock, cell(Column::MinStock), true);
        let max = quantity(Column::MaxStock, cell(Column::MaxStock), false);
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            problems.push(problem(row, Column::MaxStock, RuleCode::MaxBelowMin));
        }

        let lead = match number(cell(Column::LeadTime)) {
            Err(code) => Err(code),
            Ok(v) if !v.fract().is_zero() => Err(RuleCode::ImportWholeDays),
            Ok(v) => rust_decimal::prelude::ToPrimitive::to_i32(&v)
                .filter(|d| (0..=365).contains(d))
                .ok_or(RuleCode::LeadTimeRange),
        };
        if let Err(code) = lead {
            problems.push(problem(row, Column::LeadTime, code));
        }

        if let (Some(m), Some(w)) = (material, warehouse) {
            let key = (m.id, w.id);
            if known.listed.contains(&key) {
                problems.push(problem(row, material_col, RuleCode::ImportListedAlready));
            } else if let Some(first) = first_row.get(&key) {
                problems.push(Problem {
                    args: vec![("first", first.to_string())],
                    ..problem(row, material_col, RuleCode::ImportDuplicateRow)
                });
            } else {
                first_row.insert(key, row);
            }
        }

        if problems.len() == before
            && let (Some(m), Some(w), Some(price), Some(min_stock), Some(max_stock), Ok(days)) =
                (material, warehouse, price, min, max, lead)
        {
            checked.push(Checked {
                row,
                material_id: m.id,
                warehouse_id: w.id,
                price,
                min_stock,
                max_stock,
                lead_time_days: days,
            });
        }
    }
    (checked, problems)
}

fn problem(row: usize, column: Column, code: RuleCode) -> Problem {
    Problem {
        row,
        column,
        code,
        args: Vec::new(),
    }
}

/// An exact decimal from a cell: `required` when empty, `not_a_number` when not a number.
fn number(text: &str) -> Result<Decimal, RuleCode> {
    if text.is_empty() {
        return Err(RuleCode::Required);
    }
    Decimal::from_str(text).map_err(|_| RuleCode::NotANumber)
}

// ----- Importing -----

/// What an import did: the data rows read, the listings created (none on a dry run or when
/// any row has a problem) and the problems.
#[derive(Debug, Default)]
pub struct Outcome {
    pub rows: usize,
    pub imported: usize,
    pub dry_run: bool,
    pub problems: Vec<Problem>,
}

/// Reads, checks and (unless `dry_run`) imports a file of listings for the supplier
/// `act.actor`. A refused file (type, size, encoding, no rows) is an error about the field
/// `file`. Joins the caller's transaction: it reads and writes through `txn` and commits
/// nothing. Rows with problems (found by the checks, or a listing another request created
/// meanwhile) are an `Ok` outcome with the problems and nothing written in `txn`; a dry run
/// writes nothing either.
pub async fn import(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    bytes: Vec<u8>,
    dry_run: bool,
) -> AppResult<Outcome> {
    let sid = act.actor.own_supplier()?;
    crate::suppliers::store::ensure_may_trade(txn, sid, act.today).await?;
    let sheet = tokio::task::spawn_blocking(move || read_file(&bytes))
        .await
        .map_err(|e| AppError::Internal(format!("import: {e}")))??;
    if sheet.rows.is_empty() {
        return Err(AppError::field("file", RuleCode::ImportNoRows));
    }
    let known = known(txn, sid).await?;
    let (checked, mut problems) = check_rows(&sheet, &known);
    let mut outcome = Outcome {
        rows: sheet.rows.len(),
        imported: 0,
        dry_run,
        problems: Vec::new(),
    };
    if problems.is_empty() && !dry_run {
        match insert_all(txn, act, sid, &known, &checked).await? {
            Ok(n) => outcome.imported = n,
            Err(p) => problems.push(p),
        }
    }
    problems.sort_by_key(|p| (p.row, Column::ALL.iter().position(|c| *c == p.column)));
    outcome.problems = problems;
    Ok(outcome)
}

/// [`import`] on its own: a dry run reads in a transaction of the read connections (it writes
/// nothing, so it does not wait for nor hold the write lock), an import in a write transaction
/// of its own, committed when it returns `Ok`.
pub async fn import_now(
    state: &AppState,
    user: &CurrentUser,
    bytes: Vec<u8>,
    dry_run: bool,
) -> AppResult<Outcome> {
    let txn = if dry_run {
        state.db.read.begin().await?
    } else {
        state.db.begin_write().await?
    };
    let outcome = import(&txn, &Act::of(state, user), bytes, dry_run).await?;
    txn.commit().await?;
    Ok(outcome)
}

async fn known(db: &DatabaseTransaction, sid: SupplierId) -> AppResult<Known> {
    Ok(Known {
        materials: material::Entity::find()
            .order_by_asc(material::Column::Id)
            .all(db)
            .await?,
        decimals: unit::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.code, u.decimals.clamp(0, 3) as u32))
            .collect(),
        warehouses: warehouse::Entity::find().all(db).await?,
        categories: crate::suppliers::store::agreement(db, sid)
            .await?
            .map(|a| {
                a.categories
                    .split(',')
                    .filter_map(|c| c.parse().ok())
                    .collect()
            })
            .unwrap_or_default(),
        listed: listing::Entity::find()
            .filter(listing::Column::SupplierId.eq(sid))
            .all(db)
            .await?
            .into_iter()
            .map(|l| (l.material_id, l.warehouse_id))
            .collect(),
    })
}

/// Rows inserted by one statement (13 values each, well inside both databases' limits).
const CHUNK: usize = 500;

/// Inserts every checked row as [`store::create_listing`] does (an inactive listing, its first
/// price as a pending change, an audit entry), all in the caller's transaction; listings and
/// prices go in batches, the audit entries last, so the audit chain is held as briefly as
/// possible. A listing created meanwhile by another request makes its row's problem, and
/// nothing is kept: the listings go in under a savepoint, rolled back on that conflict (on
/// PostgreSQL that also ends the failed statement's abort, so `txn` stays usable).
async fn insert_all(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    sid: SupplierId,
    known: &Known,
    rows: &[Checked],
) -> AppResult<Result<usize, Problem>> {
    let s = crate::suppliers::store::load(txn, sid).await?;
    let materials: HashMap<i64, &material::Model> =
        known.materials.iter().map(|m| (m.id, m)).collect();
    let (now, today) = (act.now, act.today);
    let savepoint = txn.begin().await?;
    let mut created = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let mut models = Vec::with_capacity(chunk.len());
        for r in chunk {
            let m = materials.get(&r.material_id).ok_or(AppError::NotFound)?;
            models.push(listing::ActiveModel {
                supplier_id: Set(sid),
                material_id: Set(m.id),
                warehouse_id: Set(r.warehouse_id),
                price: Set(Price::zero()),
                min_stock: Set(r.min_stock),
                max_stock: Set(r.max_stock),
                lead_time_days: Set(r.lead_time_days),
                on_hand: Set(Qty::zero()),
                reserved: Set(Qty::zero()),
                active: Set(false),
                search_text: Set(crate::search::listing_text(m, &s.legal_name)),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
        }
        match listing::Entity::insert_many(models)
            .exec_with_returning(&savepoint)
            .await
            .map_err(AppError::from)
        {
            Ok(ls) => created.extend(ls),
            Err(AppError::Conflict(_)) => {
                savepoint.rollback().await?;
                return listed_meanwhile(txn, sid, rows).await;
            }
            Err(e) => return Err(e),
        }
    }
    savepoint.commit().await?;
    // The database need not answer in the order inserted: match by material and warehouse.
    created.sort_by_key(|l| l.id);
    let price_of: HashMap<(i64, i64), Price> = rows
        .iter()
        .map(|r| ((r.material_id, r.warehouse_id), r.price))
        .collect();
    for chunk in created.chunks(CHUNK) {
        let mut changes = Vec::with_capacity(chunk.len());
        for l in chunk {
            let p = price_of
                .get(&(l.material_id, l.warehouse_id))
                .copied()
                .ok_or(AppError::NotFound)?;
            changes.push(price_change::ActiveModel {
                listing_id: Set(l.id),
                old_price: Set(Price::zero()),
                new_price: Set(p),
                effective_on: Set(today),
                status: Set("pending".into()),
                reason: Set("new listing".into()),
                requested_by: Set(act.actor.id),
                requested_at: Set(now),
                decided_by: Set(None),
                decided_at: Set(None),
                ..Default::default()
            });
        }
        price_change::Entity::insert_many(changes)
            .exec_without_returning(txn)
            .await?;
    }
    for l in &created {
        audit::record(
            txn,
            &act.actor.actor(),
            now,
            Change::new("listing.create", "listing", l.id).after(l),
        )
        .await?;
    }
    Ok(Ok(created.len()))
}

/// After a unique violation: the first row whose listing another request created meanwhile.
async fn listed_meanwhile(
    txn: &DatabaseTransaction,
    sid: SupplierId,
    rows: &[Checked],
) -> AppResult<Result<usize, Problem>> {
    let listed: HashSet<(i64, i64)> = listing::Entity::find()
        .filter(listing::Column::SupplierId.eq(sid))
        .all(txn)
        .await?
        .into_iter()
        .map(|l| (l.material_id, l.warehouse_id))
        .collect();
    rows.iter()
        .find(|r| listed.contains(&(r.material_id, r.warehouse_id)))
        .map(|r| {
            Ok(Err(problem(
                r.row,
                Column::MaterialCode,
                RuleCode::ImportListedAlready,
            )))
        })
        .unwrap_or(Err(AppError::Conflict(RuleCode::Duplicate)))
}

// ----- Reports -----

/// One problem, in the caller's language.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportError {
    /// The row in the file (1 = its first row, usually the header).
    pub row: usize,
    /// The column: material_code, material_name, spec, warehouse_code, price, min_stock,
    /// max_stock or lead_time_days.
    pub column: String,
    /// A stable code, e.g. `not_found`, `quantity`, `price_positive`.
    pub code: String,
    pub message: String,
}

/// The answer of an import: with any error, nothing was imported.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// Listings created (0 on a dry run or with errors).
    pub imported: usize,
    /// Data rows read.
    pub rows: usize,
    pub dry_run: bool,
    pub errors: Vec<ImportError>,
}

/// The 422 of an import, as the document describes it: the report with the rows in error
/// (nothing imported), or the common error body when the file itself is refused (its type or
/// size, before any row is read).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum ImportRefusal {
    Rows(ImportReport),
    File(ErrorBody),
}

impl Outcome {
    pub fn report(&self, locale: Locale) -> ImportReport {
        ImportReport {
            imported: self.imported,
            rows: self.rows,
            dry_run: self.dry_run,
            errors: self
                .problems
                .iter()
                .map(|p| ImportError {
                    row: p.row,
                    column: p.column.key().to_string(),
                    code: p.code.to_string(),
                    message: p.code.field_message(locale, &p.args),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// Only check the file; import nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Imports listings from a CSV or XLSX file (multipart field `file`, at most 5 MB and 5000
/// rows, a header row in Chinese or English). With any row in error nothing is imported and
/// the answer is 422 with every error by row and column; a refused file answers 422 with the
/// common error body.
#[utoipa::path(post, path = "/api/my/listings/import", tag = "stock", security(("bearer" = ["manage_own_supplier"])),
    params(ImportQuery),
    request_body(content = crate::files::FileUpload, content_type = "multipart/form-data", description = "field: file (CSV or XLSX)"),
    responses((status = 200, body = ImportReport), (status = 403, body = ErrorBody),
        (status = 422, body = ImportRefusal, description = "rows in error (the report; nothing imported), or the file refused (the common error body)")))]
#[post("/api/my/listings/import")]
pub async fn api_import(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    query: crate::web::Query<ImportQuery>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let (_, upload) = crate::files::read_multipart(payload).await?;
    // Without a file part the request is unreadable as an import (400); a file with errors
    // is answered with the report (422).
    let upload = upload.ok_or_else(|| AppError::BadRequest("a `file` part is required".into()))?;
    let outcome = import_now(&state, &user, upload.bytes, query.dry_run).await?;
    let locale = Locale::of(&req);
    let status = if outcome.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(HttpResponse::build(status).json(outcome.report(locale)))
}

// ----- The page -----

#[derive(Template)]
#[template(path = "stock/import.html")]
struct ImportPage {
    ctx: PageCtx,
    errors: FormErrors,
    problems: Vec<ImportError>,
    /// Problems beyond those shown.
    more: usize,
    /// Rows checked by a dry run without problems.
    checked: Option<usize>,
}

impl ImportPage {
    fn columns(&self) -> [Column; 8] {
        Column::ALL
    }
}

fn render(ctx: PageCtx, outcome: Option<&Outcome>, errors: FormErrors) -> HttpResponse {
    let mut problems = outcome
        .map(|o| o.report(ctx.locale).errors)
        .unwrap_or_default();
    let more = problems.len().saturating_sub(PAGE_ERRORS);
    problems.truncate(PAGE_ERRORS);
    let checked = outcome.filter(|o| o.problems.is_empty()).map(|o| o.rows);
    let status = if problems.is_empty() && errors.form.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    crate::web::html_status(
        status,
        &ImportPage {
            ctx,
            errors,
            problems,
            more,
            checked,
        },
    )
}

#[get("/my/listings/import")]
pub async fn import_page(ctx: PageCtx, user: CurrentUser) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    Ok(render(ctx, None, FormErrors::default()))
}

/// The upload form: multipart fields `csrf_token`, `file` and `dry_run` (a check box).
#[post("/my/listings/import")]
pub async fn import_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let (f, upload) = crate::files::read_multipart(payload).await?;
    check_csrf(&req, f.get("csrf_token").map(|s| s.trim()).unwrap_or(""))?;
    let dry_run = f.get("dry_run").is_some_and(|v| !v.is_empty());
    let r = match upload {
        Some(u) => import_now(&state, &user, u.bytes, dry_run).await,
        None => Err(AppError::field("file", RuleCode::Required)),
    };
    match r {
        Ok(o) if o.problems.is_empty() && !o.dry_run => Ok(redirect_with_flash(
            "/my/listings",
            "success",
            "flash-listings-imported",
        )),
        Ok(o) => Ok(render(ctx, Some(&o), FormErrors::default())),
        Err(e @ (AppError::Validation(_) | AppError::Rule(_))) => {
            let errors = FormErrors::from_error(&e, ctx.locale);
            Ok(render(ctx, None, errors))
        }
        Err(e) => Err(e),
    }
}

/// The upload form's progress bar.
#[get("/static/import.js")]
pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../static/import.js"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code an import can answer, beside those of `check_rows` written as literals.
    const CODES: &[&str] = &[
        "file_empty",
        "import_file_too_large",
        "import_file_type",
        "import_file_encoding",
        "import_file_unreadable",
        "import_too_many_rows",
        "import_no_rows",
        "import_column_twice",
        "import_column_missing",
        "import_material_ambiguous",
        "import_listed_already",
        "import_duplicate_row",
        "import_whole_days",
        "required",
        "not_found",
        "not_a_number",
        "price_positive",
        "out_of_range",
        "quantity",
        "max_below_min",
        "lead_time_range",
        "category_not_in_agreement",
    ];

    #[test]
    fn every_code_and_column_has_a_message_in_both_languages() {
        for l in Locale::ALL {
            for c in CODES {
                assert!(l.has(&format!("validation-{c}")), "{c} in {}", l.tag());
            }
            for c in Column::ALL {
                assert!(l.has(&format!("import-col-{}", c.key())), "{c:?}");
                assert!(l.has(&format!("import-note-{}", c.key())), "{c:?}");
            }
        }
    }

    fn sheet(text: &str) -> Sheet {
        read_file(text.as_bytes()).unwrap()
    }

    fn material(id: i64, code: &str, name: &str, spec: &str, unit: &str) -> material::Model {
        material::Model {
            id,
            code: code.into(),
            category_id: 1,
            name_zh: name.into(),
            name_en: format!("{name} en"),
            spec: spec.into(),
            unit_code: unit.into(),
            indicative_price: Price::zero(),
            active: true,
        }
    }

    fn known() -> Known {
        Known {
            materials: vec![
                material(1, "M0001", "螺纹钢", "HRB400E Φ12", "t"),
                material(2, "M0002", "螺纹钢", "HRB400E Φ16", "t"),
                material(3, "M0003", "焊条", "E4303", "kg"),
                material::Model {
                    category_id: 2,
                    ..material(4, "M0004", "水泥", "P.O 42.5", "t")
                },
            ],
            decimals: HashMap::from([("t".into(), 3), ("kg".into(), 2)]),
            warehouses: vec![warehouse::Model {
                id: 7,
                code: "WH-01".into(),
                name_zh: String::new(),
                name_en: String::new(),
                site_id: None,
                address: String::new(),
                active: true,
                created_at: chrono::Utc::now(),
            }],
            categories: vec![1],
            listed: HashSet::from([(2, 7)]),
        }
    }

    fn codes(problems: &[Problem]) -> Vec<(usize, &'static str, &'static str)> {
        problems
            .iter()
            .map(|p| (p.row, p.column.key(), p.code.as_str()))
            .collect()
    }

    #[test]
    fn headers_are_read_in_either_language_and_rows_exactly() {
        let s = sheet(
            "\u{feff}物料编码,仓库编码,单价,最低库存,最高库存,供货周期（天）\n\nm0001,wh-01,3850.1,5,100.125,3\n",
        );
        assert_eq!(s.header_row, 1);
        let (ok, problems) = check_rows(&s, &known());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].row, 3);
        assert_eq!(
            ok[0].price.value(),
            Decimal::from_str("3850.1").unwrap_or_default()
        );
        assert_eq!(ok[0].max_stock.value().to_string(), "100.125");
        let s = sheet(
            "Material name;Spec;Warehouse code;Price;Max stock;Lead time (days)\n焊条 en;e4303;WH-01;7.8;20.5;0\n",
        );
        let (ok, problems) = check_rows(&s, &known());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(ok[0].material_id, 3);
        assert_eq!(ok[0].min_stock, Qty::zero());
    }

    #[test]
    fn each_bad_cell_is_named_by_row_and_column() {
        let s = sheet(
            "material_code,warehouse_code,price,min_stock,max_stock,lead_time_days\n\
             M9999,WH-01,10,1,2,3\n\
             M0001,WH-09,-1,1,2,400\n\
             M0003,WH-01,abc,1.234,1,2.5\n\
             M0002,WH-01,10,1,2,3\n\
             M0004,WH-01,10,3,2,3\n\
             M0001,WH-01,10,,2,3\n\
             M0001,WH-01,10,,2,3\n",
        );
        let (ok, problems) = check_rows(&s, &known());
        assert_eq!(
            codes(&problems),
            vec![
                (2, "material_code", "not_found"),
                (3, "warehouse_code", "not_found"),
                (3, "price", "price_positive"),
                (3, "lead_time_days", "lead_time_range"),
                (4, "price", "not_a_number"),
                (4, "min_stock", "quantity"),
                (4, "lead_time_days", "import_whole_days"),
                (5, "material_code", "import_listed_already"),
                (6, "material_code", "category_not_in_agreement"),
                (6, "max_stock", "max_below_min"),
                (8, "material_code", "import_duplicate_row"),
            ]
        );
        assert_eq!(problems[5].args, vec![("decimals", "2".to_string())]);
        assert_eq!(ok.len(), 1);
    }

    #[test]
    fn missing_columns_are_reported_on_the_header_row() {
        let s = sheet("\n名称,price\nx,1\n");
        let (_, problems) = check_rows(&s, &known());
        assert_eq!(
            codes(&problems),
            vec![
                (2, "warehouse_code", "import_column_missing"),
                (2, "max_stock", "import_column_missing"),
                (2, "lead_time_days", "import_column_missing"),
            ]
        );
    }

    #[test]
    fn only_csv_and_xlsx_are_read() {
        let code = |bytes: &[u8]| match read_file(bytes) {
            Err(AppError::Validation(f)) => f.0.get("file").map(|e| e.code.to_string()),
            _ => None,
        };
        assert_eq!(
            code(b"\x89PNG\r\n\x1a\n\0\0").as_deref(),
            Some("import_file_type")
        );
        assert_eq!(code(b"%PDF-1.4\n").as_deref(), Some("import_file_type"));
        assert_eq!(
            code(b"\xb5\xa5\xbc\xdb,x\n").as_deref(),
            Some("import_file_encoding")
        );
        assert_eq!(
            code(b"PK\x03\x04junk").as_deref(),
            Some("import_file_unreadable")
        );
        assert_eq!(code(b"").as_deref(), Some("file_empty"));
        let many = format!("a,b\n{}", "1,2\n".repeat(MAX_ROWS + 1));
        assert_eq!(
            code(many.as_bytes()).as_deref(),
            Some("import_too_many_rows")
        );
    }

    #[test]
    fn float_cells_keep_their_shortest_decimal_form() {
        for (f, s) in [
            (3850.1, "3850.1"),
            (0.1, "0.1"),
            (100.125, "100.125"),
            (3.0, "3"),
        ] {
            assert_eq!(cell_text(&calamine::DataRef::Float(f)), s);
        }
        assert_eq!(cell_text(&calamine::DataRef::Float(1e-7)), "0.0000001");
    }
}
