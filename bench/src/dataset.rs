//! The benchmark's dataset: a fresh database filled in bulk with a realistic history.
//!
//! 200 admitted suppliers with agreements and business licences, 5 sites, one central
//! warehouse, 20,000 materials derived from `shared/data/materials.csv` (brands and
//! specification variants of its 76 real materials),
//! 100,000 listings (each material offered by 5 suppliers, `search_text` from
//! `portal::search::listing_text`), 200,000 lots received over 18 months and 1,000,000
//! movements (one receipt per lot and the issues drawn from it, ids in time order).
//!
//! The books agree (rule 12): each lot's quantity is its receipt less its issues, and each
//! listing's on-hand is the sum of its lots. Settlement is as a portal closing monthly would
//! have left it: every period before the last one that has ended is closed (one statement per
//! supplier and period, one line per issue), so the benchmark's close handles one month, as
//! the monthly job does. No lot is flagged stale yet: the scan measured is the first one.
//!
//! Rows are written as multi-row `INSERT`s of about 30,000 values inside one transaction per
//! table (statement lines with one `INSERT … SELECT` per period), not one ORM call per row.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use portal::settlement::rules::Period;
use portal::state::AppState;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait, Value};

use crate::BenchError;

/// The password of every generated user.
pub const PASSWORD: &str = "bench-password";

/// Settlement cut-off day of every agreement (the portal's default).
pub const CUTOFF_DAY: u32 = 25;

/// Months without movement after which a lot is stale (every agreement).
pub const STALE_MONTHS: i32 = 2;

/// VAT rate of every agreement, scaled by 10^4 (13 %).
const TAX_RATE: i64 = 1300;

/// How much data to make.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub suppliers: usize,
    pub materials: usize,
    /// Suppliers offering each material.
    pub offers: usize,
    pub lots_per_listing: usize,
    /// Issues per lot, on average (each lot also has its receipt).
    pub issues_per_lot: usize,
    pub sites: usize,
    pub history_days: i64,
}

impl Scale {
    pub const FULL: Scale = Scale {
        suppliers: 200,
        materials: 20_000,
        offers: 5,
        lots_per_listing: 2,
        issues_per_lot: 4,
        sites: 5,
        history_days: 548,
    };

    /// A tenth of the data, for a quick check of the whole run.
    pub const SMALL: Scale = Scale {
        suppliers: 200,
        materials: 2_000,
        offers: 5,
        lots_per_listing: 2,
        issues_per_lot: 4,
        sites: 5,
        history_days: 548,
    };

    pub fn listings(&self) -> usize {
        self.materials * self.offers
    }

    pub fn lots(&self) -> usize {
        self.listings() * self.lots_per_listing
    }

    pub fn movements(&self) -> usize {
        self.lots() * (1 + self.issues_per_lot)
    }
}

/// What the benchmark needs to know about the data it made.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Site user and site manager emails, by site (index 0 is site id 1).
    pub site_users: Vec<(String, String)>,
    pub keeper: String,
    /// Listings with plenty on hand, for the draw path and the reserve transactions:
    /// (listing id, one of its lots, supplier id, price scaled by 10^4).
    pub drawable: Vec<Drawable>,
    /// Category ids by Chinese name.
    pub categories: BTreeMap<String, i64>,
    pub counts: Counts,
}

#[derive(Clone, Copy, Debug)]
pub struct Drawable {
    pub listing_id: i64,
    pub lot_id: i64,
    pub supplier_id: i64,
    pub price: i64,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    pub suppliers: usize,
    pub sites: usize,
    pub materials: usize,
    pub listings: usize,
    pub lots: usize,
    pub movements: usize,
    pub statements: usize,
    pub settled_lines: u64,
}

struct MaterialRow {
    category_zh: String,
    category_en: String,
    name_zh: String,
    name_en: String,
    spec: String,
    unit_zh: String,
    unit_en: String,
    price: Decimal,
}

fn read_materials(path: &std::path::Path) -> Result<Vec<MaterialRow>, BenchError> {
    let mut rdr = csv::Reader::from_path(path)
        .map_err(|e| BenchError::new(format!("{}: {e}", path.display())))?;
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let r = rec.map_err(|e| BenchError::new(format!("{}: {e}", path.display())))?;
        let f = |i: usize| r.get(i).unwrap_or_default().trim().to_string();
        rows.push(MaterialRow {
            category_zh: f(0),
            category_en: f(1),
            name_zh: f(2),
            name_en: f(3),
            spec: f(4),
            unit_zh: f(5),
            unit_en: f(6),
            price: f(7)
                .parse()
                .map_err(|e| BenchError::new(format!("price {:?}: {e}", f(7))))?,
        });
    }
    if rows.is_empty() {
        return Err(BenchError::new(format!("{}: no materials", path.display())));
    }
    Ok(rows)
}

/// How many decimal places a unit's quantities take (as the demo data has them).
fn unit_decimals(unit_en: &str) -> i32 {
    match unit_en {
        "t" => 3,
        "m³" | "m²" | "m" | "kg" | "L" => 2,
        _ => 0,
    }
}

/// Brands that prefix a variant's Chinese name (a site searches "海螺 水泥").
const BRANDS: [(&str, &str); 24] = [
    ("海螺", "Conch"),
    ("华新", "Huaxin"),
    ("宝钢", "Baosteel"),
    ("沙钢", "Shagang"),
    ("联塑", "Lesso"),
    ("伟星", "Weixing"),
    ("远东", "Far East"),
    ("东方雨虹", "Oriental Yuhong"),
    ("北新", "BNBM"),
    ("金牛", "Jinniu"),
    ("首钢", "Shougang"),
    ("鞍钢", "Ansteel"),
    ("中联", "China United"),
    ("冀东", "Jidong"),
    ("日丰", "Rifeng"),
    ("公元", "Era"),
    ("正泰", "Chint"),
    ("德力西", "Delixi"),
    ("科顺", "Keshun"),
    ("三棵树", "Skshu"),
    ("", ""),
    ("", ""),
    ("", ""),
    ("", ""),
];

/// Specification suffixes, as delivery notes add them.
const SPEC_SUFFIXES: [&str; 16] = [
    "",
    "GB/T 标准",
    "一等品",
    "合格品",
    "L=6m",
    "L=9m",
    "L=12m",
    "国标",
    "出口级",
    "A级",
    "B级",
    "工程款",
    "加厚",
    "环保型",
    "定制",
    "现货",
];

const CITIES: [&str; 20] = [
    "杭州", "宁波", "温州", "绍兴", "湖州", "嘉兴", "金华", "台州", "苏州", "无锡", "常州", "南京",
    "上海", "合肥", "芜湖", "南昌", "福州", "厦门", "济南", "武汉",
];
const WORDS: [&str; 10] = [
    "恒达", "宏建", "华盛", "永泰", "鑫源", "中拓", "金诚", "天和", "瑞丰", "兴业",
];
const TRADES: [&str; 5] = [
    "建材贸易有限公司",
    "钢材有限公司",
    "建筑材料有限公司",
    "物资供应有限公司",
    "管业有限公司",
];

const SITES: [(&str, &str); 5] = [
    ("城东安置房项目部", "Chengdong Resettlement Housing"),
    ("滨江综合体项目部", "Binjiang Mixed-use Complex"),
    ("高新区厂房项目部", "Hi-tech Zone Factory"),
    ("地铁5号线项目部", "Metro Line 5"),
    ("江北学校项目部", "Jiangbei School"),
];

/// Rows of one table, sent as multi-row `INSERT`s of at most ~30,000 bound values
/// (SQLite allows 32,766 per statement, PostgreSQL 65,535).
struct Bulk {
    table: &'static str,
    columns: Vec<&'static str>,
    rows: Vec<Vec<Value>>,
    written: usize,
}

impl Bulk {
    fn new(table: &'static str, columns: &[&'static str]) -> Self {
        Self {
            table,
            columns: columns.to_vec(),
            rows: Vec::new(),
            written: 0,
        }
    }

    fn batch_rows(&self) -> usize {
        (30_000 / self.columns.len()).max(1)
    }

    async fn push(
        &mut self,
        conn: &impl ConnectionTrait,
        row: Vec<Value>,
    ) -> Result<(), BenchError> {
        self.rows.push(row);
        if self.rows.len() >= self.batch_rows() {
            self.flush(conn).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, conn: &impl ConnectionTrait) -> Result<(), BenchError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let mut stmt = Query::insert();
        stmt.into_table(Alias::new(self.table))
            .columns(self.columns.iter().map(|c| Alias::new(*c)));
        for row in self.rows.drain(..) {
            self.written += 1;
            stmt.values(row.into_iter().map(Expr::val))
                .map_err(|e| BenchError::new(format!("{}: {e}", self.table)))?;
        }
        conn.execute(&stmt).await?;
        Ok(())
    }

    async fn finish(mut self, conn: &impl ConnectionTrait) -> Result<usize, BenchError> {
        self.flush(conn).await?;
        Ok(self.written)
    }
}

/// An instant on `day` at `minute` minutes past midnight in the company's time zone.
fn instant(day: NaiveDate, minute: i64, tz: chrono_tz::Tz) -> DateTime<Utc> {
    portal::time::start_of_day(day, tz) + Duration::minutes(minute)
}

/// `quantity` (whole units) × `price` (scaled by 10^4), in cents, half away from zero.
fn amount_cents(quantity: i64, price: i64) -> i64 {
    let raw = i128::from(quantity) * i128::from(price);
    let cents = (raw.abs() + 50) / 100;
    let cents = i64::try_from(cents).unwrap_or(i64::MAX);
    if raw < 0 { -cents } else { cents }
}

/// One lot as generated, before ids are given in order of receipt.
struct LotPlan {
    listing: usize,
    received: NaiveDate,
    received_minute: i64,
    quantity: i64,
    /// (day, minute, whole units) of each issue.
    issues: Vec<(NaiveDate, i64, i64)>,
}

/// One movement, small so that a million of them sort in memory by time.
#[derive(Clone, Copy)]
struct Move {
    at: i64,
    lot: u32,
    issue: bool,
    site: u8,
    quantity: i64,
}

/// Makes the dataset in the freshly migrated database behind `state`.
pub async fn generate(
    state: &AppState,
    scale: Scale,
    materials_csv: &std::path::Path,
    today: NaiveDate,
    progress: &dyn Fn(&str),
) -> Result<Dataset, BenchError> {
    let tz = state.tz();
    let db = &state.db.write;
    let backend = db.get_database_backend();
    let mut rng = StdRng::seed_from_u64(7);
    let start = today - Duration::days(scale.history_days);
    let start_at = instant(start, 8 * 60, tz);
    let base = read_materials(materials_csv)?;
    let hash = portal::auth::password::hash(PASSWORD.to_string()).await?;
    let mut counts = Counts::default();

    // Organisation, categories, units, users.
    let txn = db.begin().await?;
    let mut sites = Bulk::new(
        "sites",
        &[
            "id",
            "code",
            "name_zh",
            "name_en",
            "address",
            "active",
            "created_at",
        ],
    );
    for i in 0..scale.sites {
        let (zh, en) = SITES[i % SITES.len()];
        sites
            .push(
                &txn,
                vec![
                    (i as i64 + 1).into(),
                    format!("S{:02}", i + 1).into(),
                    zh.into(),
                    en.into(),
                    format!("工地路{}号", i + 1).into(),
                    true.into(),
                    start_at.into(),
                ],
            )
            .await?;
    }
    counts.sites = sites.finish(&txn).await?;
    let mut wh = Bulk::new(
        "warehouses",
        &[
            "id",
            "code",
            "name_zh",
            "name_en",
            "site_id",
            "address",
            "active",
            "created_at",
        ],
    );
    wh.push(
        &txn,
        vec![
            1i64.into(),
            "WH-01".into(),
            "物资超市中心库".into(),
            "Materials Supermarket Central Store".into(),
            Some(1i64).into(),
            "城东区兴业路88号".into(),
            true.into(),
            start_at.into(),
        ],
    )
    .await?;
    wh.finish(&txn).await?;

    let mut categories: BTreeMap<String, i64> = BTreeMap::new();
    let mut cat_rows = Bulk::new(
        "categories",
        &["id", "code", "name_zh", "name_en", "parent_id"],
    );
    let mut units: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut unit_rows = Bulk::new("units", &["code", "name_zh", "name_en", "decimals"]);
    for r in &base {
        if !categories.contains_key(&r.category_zh) {
            let id = categories.len() as i64 + 1;
            categories.insert(r.category_zh.clone(), id);
            cat_rows
                .push(
                    &txn,
                    vec![
                        id.into(),
                        format!("C{id:02}").into(),
                        r.category_zh.clone().into(),
                        r.category_en.clone().into(),
                        Option::<i64>::None.into(),
                    ],
                )
                .await?;
        }
        let key = (r.unit_zh.clone(), r.unit_en.clone());
        if !units.contains_key(&key) {
            // The English abbreviation, made unique by the Chinese name (个/根/条 are all "pc").
            let code = if units.values().any(|c| c == &r.unit_en) {
                format!("{}/{}", r.unit_en, r.unit_zh)
            } else {
                r.unit_en.clone()
            };
            unit_rows
                .push(
                    &txn,
                    vec![
                        code.clone().into(),
                        r.unit_zh.clone().into(),
                        r.unit_en.clone().into(),
                        unit_decimals(&r.unit_en).into(),
                    ],
                )
                .await?;
            units.insert(key, code);
        }
    }
    cat_rows.finish(&txn).await?;
    unit_rows.finish(&txn).await?;

    let mut users = Bulk::new(
        "users",
        &[
            "id",
            "email",
            "password_hash",
            "display_name",
            "role",
            "supplier_id",
            "site_id",
            "locale",
            "active",
            "created_at",
            "last_login_at",
            "email_verified",
        ],
    );
    let mut user_id = 0i64;
    let mut user_row = |email: String, role: &str, supplier: Option<i64>, site: Option<i64>| {
        user_id += 1;
        (
            user_id,
            vec![
                user_id.into(),
                email.clone().into(),
                hash.clone().into(),
                email
                    .split('@')
                    .next()
                    .unwrap_or_default()
                    .to_string()
                    .into(),
                role.to_string().into(),
                supplier.into(),
                site.into(),
                Option::<String>::None.into(),
                true.into(),
                start_at.into(),
                Option::<DateTime<Utc>>::None.into(),
                true.into(),
            ],
        )
    };
    let keeper = "keeper@bench.test".to_string();
    let (keeper_id, row) = user_row(keeper.clone(), "warehouse_keeper", None, None);
    users.push(&txn, row).await?;
    let (head_id, row) = user_row("head@bench.test".into(), "procurement_head", None, None);
    users.push(&txn, row).await?;
    let (_, row) = user_row("finance@bench.test".into(), "finance", None, None);
    users.push(&txn, row).await?;
    let mut site_users = Vec::new();
    for s in 1..=scale.sites as i64 {
        let user = format!("site{s}@bench.test");
        let manager = format!("manager{s}@bench.test");
        let (_, row) = user_row(user.clone(), "site_user", None, Some(s));
        users.push(&txn, row).await?;
        let (_, row) = user_row(manager.clone(), "site_manager", None, Some(s));
        users.push(&txn, row).await?;
        site_users.push((user, manager));
    }
    users.flush(&txn).await?;
    txn.commit().await?;

    // Suppliers, their licences and agreements, one user each.
    let txn = db.begin().await?;
    let mut suppliers = Bulk::new(
        "suppliers",
        &[
            "id",
            "legal_name",
            "credit_code",
            "status",
            "contact_name",
            "contact_phone",
            "contact_email",
            "created_at",
            "updated_at",
            "submitted_at",
            "admitted_at",
            "next_review_on",
            "address",
            "bank_name",
            "bank_account",
        ],
    );
    let mut files = Bulk::new(
        "files",
        &[
            "id",
            "supplier_id",
            "purpose",
            "file_name",
            "content_type",
            "size",
            "sha256",
            "stored_as",
            "uploaded_by",
            "uploaded_at",
        ],
    );
    let mut docs = Bulk::new(
        "supplier_documents",
        &[
            "id",
            "supplier_id",
            "kind",
            "title",
            "issued_on",
            "expires_on",
            "file_id",
            "expiry_warned_at",
            "active",
            "created_at",
            // Rule 14: a licence counts once an officer accepted it; these were on file.
            "accepted_at",
        ],
    );
    let mut agreements = Bulk::new(
        "consignment_agreements",
        &[
            "id",
            "supplier_id",
            "number",
            "starts_on",
            "ends_on",
            "categories",
            "cutoff_day",
            "stale_months",
            "tax_rate",
            "signed_on",
            "approved_by",
            "created_at",
        ],
    );
    let mut supplier_names = Vec::with_capacity(scale.suppliers);
    for i in 0..scale.suppliers {
        let id = i as i64 + 1;
        let name = format!(
            "{}{}{}",
            CITIES[i % CITIES.len()],
            WORDS[(i / CITIES.len()) % WORDS.len()],
            TRADES[i % TRADES.len()]
        );
        let name = if i >= CITIES.len() * WORDS.len() {
            format!("{name}第{}分公司", i / (CITIES.len() * WORDS.len()) + 1)
        } else {
            name
        };
        supplier_names.push(name.clone());
        suppliers
            .push(
                &txn,
                vec![
                    id.into(),
                    name.clone().into(),
                    Option::<String>::None.into(),
                    "admitted".into(),
                    format!("联系人{id}").into(),
                    format!("139{id:08}").into(),
                    format!("contact{id}@supplier.bench.test").into(),
                    start_at.into(),
                    start_at.into(),
                    Some(start_at).into(),
                    Some(start_at).into(),
                    Some(today + Duration::days(180)).into(),
                    "浙江省杭州市".into(),
                    "中国建设银行".into(),
                    format!("3305016187{id:010}").into(),
                ],
            )
            .await?;
        files
            .push(
                &txn,
                vec![
                    id.into(),
                    Some(id).into(),
                    "document".into(),
                    "营业执照.pdf".into(),
                    "application/pdf".into(),
                    1024i64.into(),
                    format!("{id:064x}").into(),
                    format!("bench/{id:064x}").into(),
                    Option::<i64>::None.into(),
                    start_at.into(),
                ],
            )
            .await?;
        docs.push(
            &txn,
            vec![
                id.into(),
                id.into(),
                "business_licence".into(),
                format!("{name} 营业执照").into(),
                (start - Duration::days(400)).into(),
                (today + Duration::days(730)).into(),
                id.into(),
                Option::<DateTime<Utc>>::None.into(),
                true.into(),
                start_at.into(),
                Some(start_at).into(),
            ],
        )
        .await?;
        agreements
            .push(
                &txn,
                vec![
                    id.into(),
                    id.into(),
                    format!("DXDX-{id:04}").into(),
                    (start - Duration::days(30)).into(),
                    (today + Duration::days(365)).into(),
                    String::new().into(),
                    (CUTOFF_DAY as i32).into(),
                    STALE_MONTHS.into(),
                    TAX_RATE.into(),
                    (start - Duration::days(30)).into(),
                    head_id.into(),
                    start_at.into(),
                ],
            )
            .await?;
    }
    counts.suppliers = suppliers.finish(&txn).await?;
    files.finish(&txn).await?;
    docs.finish(&txn).await?;
    agreements.finish(&txn).await?;
    for s in 1..=scale.suppliers as i64 {
        let (_, row) = user_row(format!("supplier{s}@bench.test"), "supplier", Some(s), None);
        users.push(&txn, row).await?;
    }
    users.finish(&txn).await?;
    txn.commit().await?;
    progress("organisation, suppliers, users");

    // Materials.
    let txn = db.begin().await?;
    let mut mats = Bulk::new(
        "materials",
        &[
            "id",
            "code",
            "category_id",
            "name_zh",
            "name_en",
            "spec",
            "unit_code",
            "indicative_price",
            "active",
        ],
    );
    let mut materials = Vec::with_capacity(scale.materials);
    for i in 0..scale.materials {
        let b = &base[i % base.len()];
        let variant = i / base.len();
        let (brand_zh, brand_en) = BRANDS[variant % BRANDS.len()];
        let suffix = SPEC_SUFFIXES[(variant / BRANDS.len()) % SPEC_SUFFIXES.len()];
        let series = variant / (BRANDS.len() * SPEC_SUFFIXES.len());
        let mut spec = b.spec.clone();
        if !suffix.is_empty() {
            spec = format!("{spec} {suffix}");
        }
        if series > 0 {
            spec = format!("{spec} 型{series}");
        }
        let price4 = {
            let factor = Decimal::new(rng.gen_range(80..=125), 2);
            let p = (b.price * factor).round_dp(2);
            let mut p4 = p;
            p4.rescale(4);
            i64::try_from(p4.mantissa()).unwrap_or(0)
        };
        let m = entity::material::Model {
            id: i as i64 + 1,
            code: format!("M{:06}", i + 1),
            category_id: categories.get(&b.category_zh).copied().unwrap_or(1),
            name_zh: format!("{brand_zh}{}", b.name_zh),
            name_en: if brand_en.is_empty() {
                b.name_en.clone()
            } else {
                format!("{brand_en} {}", b.name_en)
            },
            spec,
            unit_code: units
                .get(&(b.unit_zh.clone(), b.unit_en.clone()))
                .cloned()
                .unwrap_or_default(),
            indicative_price: entity::Fixed::new(Decimal::new(price4, 4)).unwrap_or_default(),
            active: true,
        };
        mats.push(
            &txn,
            vec![
                m.id.into(),
                m.code.clone().into(),
                m.category_id.into(),
                m.name_zh.clone().into(),
                m.name_en.clone().into(),
                m.spec.clone().into(),
                m.unit_code.clone().into(),
                price4.into(),
                true.into(),
            ],
        )
        .await?;
        materials.push((m, price4));
    }
    counts.materials = mats.finish(&txn).await?;
    txn.commit().await?;
    progress("materials");

    // Lots and their movements, planned first so that ids follow time as in a real ledger.
    let listings_n = scale.listings();
    let mut plans: Vec<LotPlan> = Vec::with_capacity(scale.lots());
    let history = scale.history_days;
    for listing in 0..listings_n {
        for k in 0..scale.lots_per_listing {
            let age = rng.gen_range(1..=history);
            let received = today - Duration::days(age);
            let quantity: i64 = rng.gen_range(40..=400);
            // Paired lots draw 4 ± d issues each, so the total is exactly 4 per lot.
            let d = if k % 2 == 0 {
                rng.gen_range(0..=scale.issues_per_lot as i64)
            } else {
                0
            };
            let n = if k % 2 == 0 {
                scale.issues_per_lot as i64 + d
            } else {
                let prev = plans.last().map_or(0, |p| p.issues.len() as i64);
                (2 * scale.issues_per_lot as i64 - prev).max(0)
            };
            // Some lots sit untouched after their first weeks (they become stale); others
            // are drawn until lately; a third of them are used up.
            let span_days = (today - received).num_days().max(1);
            let span = if rng.gen_bool(0.3) {
                (span_days / 4).max(1)
            } else {
                span_days
            };
            let used_up = rng.gen_bool(0.33);
            let total_issued = if used_up {
                quantity
            } else {
                quantity * rng.gen_range(20..=90) / 100
            };
            let mut parts = Vec::new();
            let mut left = total_issued;
            for j in 0..n {
                let remaining = n - j;
                let q = if remaining == 1 {
                    left
                } else {
                    (left / remaining).max(1)
                };
                left -= q;
                let day = received + Duration::days(rng.gen_range(0..span));
                let day = day.min(today - Duration::days(1));
                parts.push((day, rng.gen_range(9 * 60..17 * 60), q));
            }
            parts.sort();
            plans.push(LotPlan {
                listing,
                received,
                received_minute: rng.gen_range(8 * 60..9 * 60),
                quantity,
                issues: parts,
            });
        }
    }
    plans.sort_by_key(|p| (p.received, p.received_minute, p.listing));

    // Listings: each material offered by `offers` suppliers, on-hand the sum of their lots.
    let mut on_hand = vec![0i64; listings_n];
    for p in &plans {
        on_hand[p.listing] += p.quantity - p.issues.iter().map(|i| i.2).sum::<i64>();
    }
    let step = (scale.suppliers / scale.offers).max(1);
    let listing_supplier = |listing: usize| -> (usize, i64) {
        let m = listing / scale.offers;
        let j = listing % scale.offers;
        (m, ((m + j * step) % scale.suppliers) as i64 + 1)
    };
    let mut prices = vec![0i64; listings_n];
    let txn = db.begin().await?;
    let mut listing_rows = Bulk::new(
        "listings",
        &[
            "id",
            "supplier_id",
            "material_id",
            "warehouse_id",
            "price",
            "min_stock",
            "max_stock",
            "lead_time_days",
            "on_hand",
            "reserved",
            "active",
            "search_text",
            "created_at",
            "updated_at",
        ],
    );
    for (l, stock) in on_hand.iter().enumerate() {
        let (m, supplier) = listing_supplier(l);
        let (material, price4) = &materials[m];
        let price = price4 * rng.gen_range(90..=115) / 100;
        prices[l] = price;
        let name = supplier_names
            .get(supplier as usize - 1)
            .cloned()
            .unwrap_or_default();
        listing_rows
            .push(
                &txn,
                vec![
                    (l as i64 + 1).into(),
                    supplier.into(),
                    material.id.into(),
                    1i64.into(),
                    price.into(),
                    (10_000i64).into(),
                    (2_000_000i64).into(),
                    rng.gen_range(1..=7i32).into(),
                    (stock * 1000).into(),
                    0i64.into(),
                    true.into(),
                    portal::search::listing_text(material, &name).into(),
                    start_at.into(),
                    start_at.into(),
                ],
            )
            .await?;
    }
    counts.listings = listing_rows.finish(&txn).await?;
    txn.commit().await?;
    progress("listings");

    let txn = db.begin().await?;
    let mut lot_rows = Bulk::new(
        "lots",
        &[
            "id",
            "listing_id",
            "supplier_id",
            "warehouse_id",
            "delivery_line_id",
            "received_on",
            "quantity",
            "last_movement_on",
            "stale_flagged_on",
            "return_request",
            "created_at",
        ],
    );
    let mut moves: Vec<Move> = Vec::with_capacity(scale.movements());
    let mut drawable = Vec::new();
    for (i, p) in plans.iter().enumerate() {
        let lot_id = i as i64 + 1;
        let left = p.quantity - p.issues.iter().map(|x| x.2).sum::<i64>();
        let last = p.issues.last().map_or(p.received, |x| x.0.max(p.received));
        let (_, supplier) = listing_supplier(p.listing);
        lot_rows
            .push(
                &txn,
                vec![
                    lot_id.into(),
                    (p.listing as i64 + 1).into(),
                    supplier.into(),
                    1i64.into(),
                    Option::<i64>::None.into(),
                    p.received.into(),
                    (left * 1000).into(),
                    last.into(),
                    Option::<NaiveDate>::None.into(),
                    Option::<String>::None.into(),
                    instant(p.received, p.received_minute, tz).into(),
                ],
            )
            .await?;
        if left >= 60 && drawable.len() < 20_000 {
            drawable.push(Drawable {
                listing_id: p.listing as i64 + 1,
                lot_id,
                supplier_id: supplier,
                price: prices[p.listing],
            });
        }
        let lot = u32::try_from(i).unwrap_or(u32::MAX);
        moves.push(Move {
            at: instant(p.received, p.received_minute, tz).timestamp(),
            lot,
            issue: false,
            site: 0,
            quantity: p.quantity,
        });
        for &(day, minute, q) in &p.issues {
            let minute = if day == p.received {
                minute.max(p.received_minute + 1)
            } else {
                minute
            };
            moves.push(Move {
                at: instant(day, minute, tz).timestamp(),
                lot,
                issue: true,
                site: rng.gen_range(1..=scale.sites as u8),
                quantity: -q,
            });
        }
    }
    counts.lots = lot_rows.finish(&txn).await?;
    txn.commit().await?;
    progress("lots");

    moves.sort_by_key(|m| (m.at, m.lot, m.quantity < 0));
    let last_period = Period::last_closed_by(today, CUTOFF_DAY);
    let (settled_before, _) = last_period.bounds(CUTOFF_DAY, tz);
    let settled_before = settled_before.timestamp();
    // (supplier, period) → sum of the issued amounts in cents, for the closed statements.
    let mut owed: BTreeMap<(i64, Period), i64> = BTreeMap::new();
    let txn = db.begin().await?;
    let mut move_rows = Bulk::new(
        "movements",
        &[
            "id",
            "lot_id",
            "listing_id",
            "supplier_id",
            "warehouse_id",
            "kind",
            "quantity",
            "unit_price",
            "amount",
            "requisition_line_id",
            "site_id",
            "on_date",
            "at",
            "by_user",
            "note",
        ],
    );
    for (i, m) in moves.iter().enumerate() {
        let p = &plans[m.lot as usize];
        let (_, supplier) = listing_supplier(p.listing);
        let price = prices[p.listing];
        let at = DateTime::<Utc>::from_timestamp(m.at, 0).unwrap_or(start_at);
        let amount = amount_cents(m.quantity, price);
        if m.issue && m.at < settled_before {
            *owed
                .entry((supplier, Period::of_instant(at, CUTOFF_DAY, tz)))
                .or_default() -= amount;
        }
        move_rows
            .push(
                &txn,
                vec![
                    (i as i64 + 1).into(),
                    (i64::from(m.lot) + 1).into(),
                    (p.listing as i64 + 1).into(),
                    supplier.into(),
                    1i64.into(),
                    if m.issue { "issue" } else { "receipt" }.into(),
                    (m.quantity * 1000).into(),
                    price.into(),
                    amount.into(),
                    Option::<i64>::None.into(),
                    if m.issue {
                        Some(i64::from(m.site))
                    } else {
                        None
                    }
                    .into(),
                    at.with_timezone(&tz).date_naive().into(),
                    at.into(),
                    Some(keeper_id).into(),
                    String::new().into(),
                ],
            )
            .await?;
        if (i + 1) % 200_000 == 0 {
            progress(&format!("movements: {}", i + 1));
        }
    }
    counts.movements = move_rows.finish(&txn).await?;
    txn.commit().await?;
    drop(moves);
    progress("movements");

    // Settled history: the statements of every period before the last one, and their lines.
    let txn = db.begin().await?;
    let mut statements = Bulk::new(
        "statements",
        &[
            "id",
            "number",
            "supplier_id",
            "period",
            "first_day",
            "last_day",
            "tax_rate",
            "gross",
            "net",
            "tax",
            "status",
            "created_at",
            "issued_at",
            "answered_at",
            "invoice_number",
            "invoice_date",
            "paid_on",
            "payment_reference",
            "updated_at",
        ],
    );
    let mut periods: Vec<Period> = Vec::new();
    for (i, ((supplier, period), cents)) in owed.iter().enumerate() {
        let id = i as i64 + 1;
        let t =
            portal::settlement::rules::totals([Decimal::new(*cents, 2)], Decimal::new(TAX_RATE, 4))
                .map_err(|e| BenchError::new(format!("statement totals: {e:?}")))?;
        let scaled = |d: Decimal| {
            let mut d = d;
            d.rescale(2);
            i64::try_from(d.mantissa()).unwrap_or(0)
        };
        let last_day = period.last_day(CUTOFF_DAY);
        let closed_at = instant(last_day + Duration::days(1), 10 * 60, tz);
        statements
            .push(
                &txn,
                vec![
                    id.into(),
                    format!("JS{}{:02}-{supplier:05}", period.year(), period.month()).into(),
                    (*supplier).into(),
                    period.to_string().into(),
                    period.first_day(CUTOFF_DAY).into(),
                    last_day.into(),
                    TAX_RATE.into(),
                    scaled(t.gross).into(),
                    scaled(t.net).into(),
                    scaled(t.tax).into(),
                    "paid".into(),
                    closed_at.into(),
                    Some(closed_at).into(),
                    Some(closed_at + Duration::days(2)).into(),
                    format!("FP{id:08}").into(),
                    Some(last_day + Duration::days(10)).into(),
                    Some(last_day + Duration::days(30)).into(),
                    format!("PAY{id:08}").into(),
                    closed_at.into(),
                ],
            )
            .await?;
        if !periods.contains(period) {
            periods.push(*period);
        }
    }
    counts.statements = statements.finish(&txn).await?;
    for period in periods {
        let (from, to) = period.bounds(CUTOFF_DAY, tz);
        let sql = "INSERT INTO statement_lines (statement_id, kind, movement_id, listing_id, \
                   site_id, at, material, spec, unit, quantity, unit_price, amount, note) \
                   SELECT s.id, 'issue', m.id, m.listing_id, m.site_id, m.at, mt.name_zh, \
                   mt.spec, mt.unit_code, -m.quantity, m.unit_price, -m.amount, '' \
                   FROM movements m \
                   JOIN statements s ON s.supplier_id = m.supplier_id AND s.period = ? \
                   JOIN listings l ON l.id = m.listing_id \
                   JOIN materials mt ON mt.id = l.material_id \
                   WHERE m.kind = 'issue' AND m.at >= ? AND m.at < ?";
        let r = txn
            .execute_raw(Statement::from_sql_and_values(
                backend,
                crate::raw::placeholders(backend, sql),
                [period.to_string().into(), from.into(), to.into()],
            ))
            .await?;
        counts.settled_lines += r.rows_affected();
    }
    txn.commit().await?;
    progress("settled history");

    if backend == DbBackend::Postgres {
        for t in [
            "sites",
            "warehouses",
            "categories",
            "users",
            "suppliers",
            "files",
            "supplier_documents",
            "consignment_agreements",
            "materials",
            "listings",
            "lots",
            "movements",
            "statements",
        ] {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{t}', 'id'), \
                 (SELECT COALESCE(MAX(id), 0) + 1 FROM {t}), false)"
            ))
            .await?;
        }
        // What autovacuum does shortly after a bulk load (since PostgreSQL 13 it also vacuums
        // after inserts, which marks the pages all-visible so that covering indexes are read
        // without the table); SQLite gets no statistics, as the portal never runs ANALYZE there.
        db.execute_unprepared("VACUUM ANALYZE").await?;
    }
    drawable.sort_by_key(|d| d.listing_id);
    drawable.dedup_by_key(|d| d.listing_id);
    Ok(Dataset {
        site_users,
        keeper,
        drawable,
        categories,
        counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_half_away_from_zero_like_the_portal() {
        // 3 units at 12.3450 yuan = 37.035 → 37.04; the issue is the negative of it.
        assert_eq!(amount_cents(3, 123_450), 3704);
        assert_eq!(amount_cents(-3, 123_450), -3704);
        assert_eq!(
            amount_cents(7, 38_500_000),
            i64::try_from(
                portal::money::line_amount(Decimal::from(7), Decimal::new(38_500_000, 4))
                    .unwrap_or_default()
                    .mantissa()
            )
            .unwrap_or_default()
        );
    }
}
