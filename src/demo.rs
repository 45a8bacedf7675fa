//! Demo data: the company, three construction sites, one warehouse, suppliers in every
//! state, the materials master (76 real construction materials), consigned stock, a drawn
//! and settled period, price surveys, a tender open for bids (with its committee of three),
//! and one user per role, `<role>@demo.test` with the password `demo-password`, with a group
//! auditor and a second procurement officer.

use crate::audit::{self, Actor, Change};
use crate::auth::Role;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::suppliers::rules::{CreditCode, SupplierStatus};
use chrono::NaiveDate;
use entity::{
    ListingId, LotId, SupplierId, category, consignment_agreement, material, setting, site,
    supplier, supplier_category, supplier_document, unit, user, warehouse,
};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::collections::BTreeMap;
use std::str::FromStr;

/// The second auditor of the demo, the group's: the two sign-off levels of a large contract
/// need two people.
pub const GROUP_AUDITOR: &str = "group_auditor@demo.test";
/// A second procurement officer: with the officer and the head, the demo tender's committee
/// of three (rule 14).
pub const SECOND_OFFICER: &str = "procurement_officer2@demo.test";

pub const PASSWORD: &str = "demo-password";
const MATERIALS_CSV: &str = include_str!("../demo/materials.csv");

const SITES: [(&str, &str, &str, &str); 3] = [
    (
        "CD-01",
        "城东安置房项目部",
        "Chengdong Resettlement Housing Project",
        "城东区兴业路88号",
    ),
    (
        "BJ-02",
        "滨江综合体项目部",
        "Binjiang Mixed-use Complex Project",
        "滨江大道1200号",
    ),
    (
        "M5-03",
        "地铁5号线土建三标项目部",
        "Metro Line 5 Civil Works Lot 3",
        "科技园站至会展中心站区间",
    ),
];

/// Suppliers, one in each state; the first (admitted) is the demo supplier user's company. The
/// last two are admitted steel suppliers, so that the demo tender has three to invite.
const SUPPLIERS: [(&str, &str, SupplierStatus, &str, &str); 9] = [
    (
        "恒达钢材贸易有限公司",
        "91330100MA2H1X0A1B",
        SupplierStatus::Admitted,
        "陈立新",
        "13905710001",
    ),
    (
        "华建水泥制品有限公司",
        "91320500MA1N2B3C4L",
        SupplierStatus::Admitted,
        "刘芳",
        "13812340002",
    ),
    (
        "联塑管业供应链有限公司",
        "91310115MA1K4D5E6D",
        SupplierStatus::Recommended,
        "王海",
        "13761230003",
    ),
    (
        "北方电缆销售有限公司",
        "91110108MA0F6G7H85",
        SupplierStatus::Submitted,
        "赵敏",
        "13501230004",
    ),
    (
        "粤安防护用品有限公司",
        "91440101MA5C8J9K0A",
        SupplierStatus::Suspended,
        "黄俊",
        "13922220005",
    ),
    (
        "江城五金建材有限公司",
        "91420100MA4K2L3M5Y",
        SupplierStatus::Removed,
        "周强",
        "13871230006",
    ),
    (
        "蜀通防水材料有限公司",
        "91510100MA6D7N8P9E",
        SupplierStatus::Draft,
        "李娜",
        "13981230007",
    ),
    (
        "甬鑫钢铁物资有限公司",
        "91330200MA2J7R4T6B",
        SupplierStatus::Admitted,
        "徐建国",
        "13857410008",
    ),
    (
        "锡中冶金建材有限公司",
        "91320200MA1P8Q2W3U",
        SupplierStatus::Admitted,
        "钱志华",
        "13961730009",
    ),
];

/// The categories each supplier of [`SUPPLIERS`] supplies, in the same order.
const SUPPLIER_CATEGORIES: [&[&str]; 9] = [
    &["钢材", "焊材"],
    &["水泥", "混凝土"],
    &["管材", "管件"],
    &["电线电缆", "电气"],
    &["安全防护", "周转材料"],
    &["五金", "阀门"],
    &["防水材料", "保温材料"],
    &["钢材"],
    &["钢材", "焊材"],
];

/// The suppliers of [`SUPPLIERS`] invited to the demo tender (all admitted for steel).
const TENDER_INVITEES: [usize; 3] = [0, 7, 8];

pub(crate) struct MaterialRow {
    category_zh: String,
    category_en: String,
    pub(crate) name_zh: String,
    pub(crate) name_en: String,
    pub(crate) spec: String,
    unit_zh: String,
    unit_en: String,
    price: Decimal,
}

/// The demo's materials (`demo/materials.csv`, built in), also the engine's timing test's.
pub(crate) fn materials() -> AppResult<Vec<MaterialRow>> {
    let mut rdr = csv::Reader::from_reader(MATERIALS_CSV.as_bytes());
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let r = rec.map_err(|e| AppError::Internal(format!("materials.csv: {e}")))?;
        let f = |i: usize| r.get(i).unwrap_or_default().trim().to_string();
        rows.push(MaterialRow {
            category_zh: f(0),
            category_en: f(1),
            name_zh: f(2),
            name_en: f(3),
            spec: f(4),
            unit_zh: f(5),
            unit_en: f(6),
            price: Decimal::from_str(&f(7))
                .map_err(|e| AppError::Internal(format!("price: {e}")))?,
        });
    }
    Ok(rows)
}

/// How many decimal places a unit's quantities take.
fn unit_decimals(unit_en: &str) -> i32 {
    match unit_en {
        "t" => 3,
        "m³" | "m²" | "m" | "kg" | "L" => 2,
        _ => 0,
    }
}

/// A unit's code: its English abbreviation, made unique by the Chinese name when one
/// abbreviation stands for several Chinese units (个/根/条 are all "pc").
fn unit_codes(rows: &[MaterialRow]) -> BTreeMap<(String, String), String> {
    let mut by_en: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        let zhs = by_en.entry(r.unit_en.clone()).or_default();
        if !zhs.contains(&r.unit_zh) {
            zhs.push(r.unit_zh.clone());
        }
    }
    let mut out = BTreeMap::new();
    for (en, zhs) in by_en {
        for zh in &zhs {
            let code = if zhs.len() > 1 {
                format!("{en}/{zh}")
            } else {
                en.clone()
            };
            out.insert((zh.clone(), en.clone()), code);
        }
    }
    out
}

/// Suppliers that were admitted at some point and so have an agreement.
fn traded(status: SupplierStatus) -> bool {
    matches!(
        status,
        SupplierStatus::Admitted | SupplierStatus::Suspended | SupplierStatus::Removed
    )
}

/// A business licence on file (a small generated PDF), valid for two more years.
async fn demo_licence(
    txn: &sea_orm::DatabaseTransaction,
    state: &AppState,
    supplier_id: SupplierId,
    name: &str,
    today: chrono::NaiveDate,
) -> AppResult<()> {
    let pdf = format!(
        "%PDF-1.4\n% demo business licence of supplier {supplier_id}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    );
    let upload = crate::files::Upload {
        file_name: "营业执照.pdf".into(),
        bytes: pdf.into_bytes(),
    };
    let f = crate::files::store(
        txn,
        state,
        "file",
        &upload,
        Some(supplier_id),
        "document",
        None,
    )
    .await?;
    supplier_document::Entity::insert(supplier_document::ActiveModel {
        supplier_id: Set(supplier_id),
        kind: Set("business_licence".into()),
        title: Set(format!("{name} 营业执照")),
        issued_on: Set(today - chrono::Days::new(400)),
        expires_on: Set(today + chrono::Days::new(730)),
        file_id: Set(f.id),
        expiry_warned_at: Set(None),
        active: Set(true),
        created_at: Set(state.now()),
        accepted_at: Set(Some(state.now())),
        accepted_by: Set(None),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    Ok(())
}

/// Consigned stock of the two admitted suppliers, of varied age (one lot past two months),
/// and an open requisition of the demo site.
/// Nine in the morning of `day` in the company's time zone: when demo goods moved.
fn at_nine(day: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    crate::time::start_of_day(day, chrono_tz::Asia::Shanghai) + chrono::Duration::hours(9)
}

/// Market price surveys (rule 13) for some demo listings: one current at the listed price, one
/// 20 days old (due again) that puts the listing more than 10 % above the market, so the price
/// watch has a candidate to show; the rest unsurveyed.
async fn demo_survey(
    txn: &sea_orm::DatabaseTransaction,
    supplier_index: usize,
    k: usize,
    m: &material::Model,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
    user_ids: &BTreeMap<Role, i64>,
) -> AppResult<()> {
    let (days, kind, source, factor) = match (supplier_index, k) {
        (0, 0) => (3, "price_service", "西本新干线", Decimal::ONE),
        (0, 1) => (
            20,
            "price_service",
            "我的钢铁网 Mysteel",
            Decimal::new(85, 2),
        ),
        (1, 0) => (
            5,
            "vendor_quote",
            "华新水泥经销部 王经理 电话询价",
            Decimal::ONE,
        ),
        _ => return Ok(()),
    };
    let price = entity::Fixed::<4>::new((m.indicative_price.value() * factor).round_dp(2))
        .unwrap_or_default();
    entity::price_survey::Entity::insert(entity::price_survey::ActiveModel {
        material_id: Set(m.id),
        surveyed_on: Set(today - chrono::Days::new(days)),
        source_kind: Set(kind.into()),
        source: Set(source.into()),
        unit_price: Set(price),
        note: Set(String::new()),
        corrects_id: Set(None),
        recorded_by: Set(user_ids
            .get(&Role::ProcurementOfficer)
            .copied()
            .unwrap_or_default()),
        recorded_at: Set(now),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    Ok(())
}

/// Plan prices (计划价) for the demo materials, for this year and the year of the last
/// settlement period (so the demo's issue there carries one): 3 % below the indicative price,
/// every seventh material left without one (the price-difference table lists such issues
/// apart). The first material's price was set twice, so it has a history.
async fn demo_plan_prices(
    txn: &sea_orm::DatabaseTransaction,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
    user_ids: &BTreeMap<Role, i64>,
) -> AppResult<()> {
    use chrono::Datelike;
    use sea_orm::QueryOrder;
    let cutoff = crate::settings::DEFAULT_CUTOFF_DAY;
    let last = crate::settlement::rules::Period::last_closed_by(today, cutoff);
    let mut years = vec![today.year(), last.last_day(cutoff).year()];
    years.dedup();
    let officer = user_ids
        .get(&Role::ProcurementOfficer)
        .copied()
        .unwrap_or_default();
    let materials = material::Entity::find()
        .order_by_asc(material::Column::Id)
        .all(txn)
        .await?;
    for year in years {
        for (i, m) in materials.iter().enumerate() {
            if i % 7 == 6 {
                continue;
            }
            let plan = |factor: i64| {
                entity::Fixed::<4>::new(
                    (m.indicative_price.value() * Decimal::new(factor, 2)).round_dp(2),
                )
                .unwrap_or_default()
            };
            let mut settings = vec![(plan(97), now)];
            if i == 0 {
                settings.insert(0, (plan(95), now - chrono::Duration::days(30)));
            }
            for (price, at) in settings {
                entity::plan_price::Entity::insert(entity::plan_price::ActiveModel {
                    material_id: Set(m.id),
                    year: Set(year),
                    unit_price: Set(price),
                    note: Set(String::new()),
                    set_by: Set(officer),
                    set_at: Set(at),
                    ..Default::default()
                })
                .exec(txn)
                .await?;
            }
        }
    }
    Ok(())
}

/// The demo lot a site drew from in the last settlement period.
struct Drawn {
    listing_id: ListingId,
    lot_id: LotId,
    supplier_id: SupplierId,
    price: entity::Fixed<4>,
    received: NaiveDate,
}

/// A requisition of the demo site issued in the last settlement period (so that the period
/// can be closed into a statement): 4 units from the steel lot, at the approved price.
async fn demo_issue(
    txn: &sea_orm::DatabaseTransaction,
    state: &AppState,
    d: &Drawn,
    site_id: i64,
    warehouse_id: i64,
    user_ids: &BTreeMap<Role, i64>,
) -> AppResult<()> {
    use crate::settlement::rules::Period;
    use entity::{listing, lot, movement, requisition, requisition_line};
    let today = state.today();
    let cutoff = crate::settings::DEFAULT_CUTOFF_DAY;
    let last = Period::last_closed_by(today, cutoff);
    let on = Ord::min(
        Ord::max(
            last.first_day(cutoff) + chrono::Days::new(10),
            d.received + chrono::Days::new(1),
        ),
        last.last_day(cutoff),
    );
    let at = at_nine(on);
    let four = Decimal::from(4);
    let qty = entity::Fixed::<3>::new(four).unwrap_or_default();
    let r = requisition::Entity::insert(requisition::ActiveModel {
        site_id: Set(site_id),
        requested_by: Set(user_ids.get(&Role::SiteUser).copied().unwrap_or_default()),
        purpose: Set("2# 楼基础钢筋".into()),
        need_by: Set(on),
        status: Set("issued".into()),
        approved_by: Set(user_ids.get(&Role::SiteManager).copied()),
        approved_at: Set(Some(at)),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    })
    .exec(txn)
    .await?
    .last_insert_id;
    let line = requisition_line::Entity::insert(requisition_line::ActiveModel {
        requisition_id: Set(r),
        listing_id: Set(d.listing_id),
        quantity: Set(qty),
        unit_price: Set(d.price),
        reserved: Set(entity::Fixed::<3>::zero()),
        issued: Set(qty),
        ..Default::default()
    })
    .exec(txn)
    .await?
    .last_insert_id;
    let amount = crate::money::cents_for(
        "amount",
        crate::money::line_amount(-four, d.price.value()).map_err(|e| e.on("amount"))?,
    )?;
    let material_id = listing::Entity::find_by_id(d.listing_id)
        .one(txn)
        .await?
        .map_or(0, |l| l.material_id);
    movement::Entity::insert(movement::ActiveModel {
        lot_id: Set(d.lot_id),
        listing_id: Set(d.listing_id),
        supplier_id: Set(d.supplier_id),
        warehouse_id: Set(warehouse_id),
        kind: Set("issue".into()),
        quantity: Set(entity::Fixed::<3>::new(-four).unwrap_or_default()),
        unit_price: Set(d.price),
        plan_unit_price: Set(crate::plan_prices::store::in_force(txn, material_id, on).await?),
        amount: Set(amount),
        requisition_line_id: Set(Some(line)),
        site_id: Set(Some(site_id)),
        on_date: Set(on),
        at: Set(at),
        by_user: Set(user_ids.get(&Role::WarehouseKeeper).copied()),
        note: Set("demo".into()),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    let l = lot::Entity::find_by_id(d.lot_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let left = entity::Fixed::<3>::new(l.quantity.value() - four).unwrap_or_default();
    let mut lm: lot::ActiveModel = l.into();
    lm.quantity = Set(left);
    lm.last_movement_on = Set(on);
    sea_orm::ActiveModelTrait::update(lm, txn).await?;
    let li = listing::Entity::find_by_id(d.listing_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let on_hand = entity::Fixed::<3>::new(li.on_hand.value() - four).unwrap_or_default();
    let mut la: listing::ActiveModel = li.into();
    la.on_hand = Set(on_hand);
    sea_orm::ActiveModelTrait::update(la, txn).await?;
    Ok(())
}

async fn demo_stock(
    txn: &sea_orm::DatabaseTransaction,
    state: &AppState,
    supplier_ids: &[SupplierId],
    category_ids: &BTreeMap<String, i64>,
    warehouse_id: i64,
    site_ids: &[i64],
    user_ids: &BTreeMap<Role, i64>,
) -> AppResult<()> {
    use entity::{listing, lot, movement, requisition, requisition_line};
    use sea_orm::{QueryOrder, QuerySelect};
    let today = state.today();
    let now = state.now();
    let ages = [5u64, 20, 40, 75, 12];
    let quantities = ["25.000", "18.500", "12.000", "6.250", "30.000"];
    let mut first_listing = None;
    let mut drawn = None;
    for (supplier_index, category, count) in [(0usize, "钢材", 5u64), (1, "水泥", 3)] {
        let (Some(sid), Some(cat)) = (supplier_ids.get(supplier_index), category_ids.get(category))
        else {
            continue;
        };
        let supplier_name = supplier::Entity::find_by_id(*sid)
            .one(txn)
            .await?
            .map(|s| s.legal_name)
            .unwrap_or_default();
        let materials = material::Entity::find()
            .filter(material::Column::CategoryId.eq(*cat))
            .order_by_asc(material::Column::Id)
            .limit(count)
            .all(txn)
            .await?;
        for (k, m) in materials.iter().enumerate() {
            let qty = entity::Fixed::<3>::new(
                Decimal::from_str(quantities[k % quantities.len()]).unwrap_or_default(),
            )
            .unwrap_or_default();
            let received = today - chrono::Days::new(ages[k % ages.len()]);
            let l = listing::Entity::insert(listing::ActiveModel {
                supplier_id: Set(*sid),
                material_id: Set(m.id),
                warehouse_id: Set(warehouse_id),
                price: Set(m.indicative_price),
                min_stock: Set(entity::Fixed::<3>::new(Decimal::from(5)).unwrap_or_default()),
                max_stock: Set(entity::Fixed::<3>::new(Decimal::from(100)).unwrap_or_default()),
                lead_time_days: Set(3),
                on_hand: Set(qty),
                reserved: Set(entity::Fixed::<3>::zero()),
                active: Set(true),
                search_text: Set(crate::search::listing_text(m, &supplier_name)),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .exec(txn)
            .await?
            .last_insert_id;
            first_listing.get_or_insert((l, m.indicative_price));
            let lot_id = lot::Entity::insert(lot::ActiveModel {
                listing_id: Set(l),
                supplier_id: Set(*sid),
                warehouse_id: Set(warehouse_id),
                delivery_line_id: Set(None),
                received_on: Set(received),
                quantity: Set(qty),
                last_movement_on: Set(received),
                stale_flagged_on: Set(None),
                return_request: Set(None),
                created_at: Set(now),
                ..Default::default()
            })
            .exec(txn)
            .await?
            .last_insert_id;
            let amount = crate::money::cents_for(
                "amount",
                crate::money::line_amount(qty.value(), m.indicative_price.value())
                    .map_err(|e| e.on("amount"))?,
            )?;
            movement::Entity::insert(movement::ActiveModel {
                lot_id: Set(lot_id),
                listing_id: Set(l),
                supplier_id: Set(*sid),
                warehouse_id: Set(warehouse_id),
                kind: Set("receipt".into()),
                quantity: Set(qty),
                unit_price: Set(m.indicative_price),
                amount: Set(amount),
                requisition_line_id: Set(None),
                site_id: Set(None),
                on_date: Set(received),
                at: Set(at_nine(received)),
                by_user: Set(user_ids.get(&Role::WarehouseKeeper).copied()),
                note: Set("demo".into()),
                ..Default::default()
            })
            .exec(txn)
            .await?;
            demo_survey(txn, supplier_index, k, m, today, now, user_ids).await?;
            if supplier_index == 0 && ages[k % ages.len()] == 40 {
                drawn = Some(Drawn {
                    listing_id: l,
                    lot_id,
                    supplier_id: *sid,
                    price: m.indicative_price,
                    received,
                });
            }
        }
    }
    if let (Some(d), Some(site)) = (drawn, site_ids.first()) {
        demo_issue(txn, state, &d, *site, warehouse_id, user_ids).await?;
    }
    if let (Some((listing_id, price)), Some(site), Some(by)) = (
        first_listing,
        site_ids.first(),
        user_ids.get(&Role::SiteUser),
    ) {
        let r = requisition::Entity::insert(requisition::ActiveModel {
            site_id: Set(*site),
            requested_by: Set(*by),
            purpose: Set("3# 楼二层梁板钢筋".into()),
            need_by: Set(today + chrono::Days::new(2)),
            status: Set("submitted".into()),
            approved_by: Set(None),
            approved_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(txn)
        .await?;
        requisition_line::Entity::insert(requisition_line::ActiveModel {
            requisition_id: Set(r.last_insert_id),
            listing_id: Set(listing_id),
            quantity: Set(
                entity::Fixed::<3>::new(Decimal::from_str("2.5").unwrap_or_default())
                    .unwrap_or_default(),
            ),
            unit_price: Set(price),
            reserved: Set(entity::Fixed::<3>::zero()),
            issued: Set(entity::Fixed::<3>::zero()),
            ..Default::default()
        })
        .exec(txn)
        .await?;
    }
    Ok(())
}

/// Loads the demo data into an empty database. Answers false (and changes nothing) when
/// the database already has users.
/// A demo account to add.
struct DemoUser<'a> {
    email: &'a str,
    name: &'a str,
    role: Role,
    password_hash: &'a str,
    supplier_id: Option<entity::SupplierId>,
    site_id: Option<i64>,
}

impl<'a> DemoUser<'a> {
    /// An office account: no supplier, no site.
    fn staff(email: &'a str, name: &'a str, role: Role, password_hash: &'a str) -> Self {
        Self {
            email,
            name,
            role,
            password_hash,
            supplier_id: None,
            site_id: None,
        }
    }
}

/// Adds a demo account with its audit entry; answers its id.
async fn demo_user(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    u: DemoUser<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<i64> {
    let r = user::Entity::insert(user::ActiveModel {
        email: Set(u.email.to_string()),
        password_hash: Set(u.password_hash.to_string()),
        display_name: Set(u.name.to_string()),
        role: Set(u.role.as_str().into()),
        supplier_id: Set(u.supplier_id),
        site_id: Set(u.site_id),
        locale: Set(None),
        active: Set(true),
        created_at: Set(now),
        last_login_at: Set(None),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    audit::record(
        txn,
        actor,
        now,
        Change::new("user.create", "user", r.last_insert_id)
            .after(serde_json::json!({ "email": u.email, "role": u.role.as_str() })),
    )
    .await?;
    Ok(r.last_insert_id)
}

pub async fn load(state: &AppState) -> AppResult<bool> {
    if user::Entity::find().count(&state.db.read).await? > 0 {
        return Ok(false);
    }
    let now = state.now();
    let actor = Actor::system("demo");
    let hash = crate::auth::password::hash(PASSWORD.to_string()).await?;
    let rows = materials()?;
    let codes = unit_codes(&rows);
    let txn = state.db.begin_write().await?;

    for (k, v) in [
        ("company_name_zh", "宏建集团第三工程有限公司"),
        (
            "company_name_en",
            "Hongjian Group No.3 Engineering Co., Ltd.",
        ),
    ] {
        setting::Entity::insert(setting::ActiveModel {
            key: Set(k.into()),
            value: Set(v.into()),
            updated_at: Set(now),
        })
        .exec(&txn)
        .await?;
    }

    let mut site_ids = Vec::new();
    for (code, zh, en, addr) in SITES {
        let r = site::Entity::insert(site::ActiveModel {
            code: Set(code.into()),
            name_zh: Set(zh.into()),
            name_en: Set(en.into()),
            address: Set(addr.into()),
            active: Set(true),
            created_at: Set(now),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        site_ids.push(r.last_insert_id);
    }
    let wh = warehouse::Entity::insert(warehouse::ActiveModel {
        code: Set("WH-01".into()),
        name_zh: Set("物资超市中心库".into()),
        name_en: Set("Materials Supermarket Central Store".into()),
        site_id: Set(site_ids.first().copied()),
        address: Set("城东区兴业路88号 东侧库区".into()),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?;

    let mut supplier_ids = Vec::new();
    let today = state.today();
    for (name, code, status, contact, phone) in SUPPLIERS {
        let code = CreditCode::parse(code)
            .map_err(|e| AppError::Internal(format!("demo credit code {code}: {e:?}")))?;
        let r = supplier::Entity::insert(supplier::ActiveModel {
            legal_name: Set(name.into()),
            credit_code: Set(Some(code.as_str().into())),
            status: Set(status.as_str().into()),
            contact_name: Set(contact.into()),
            contact_phone: Set(phone.into()),
            contact_email: Set(format!(
                "contact{}@supplier.demo.test",
                supplier_ids.len() + 1
            )),
            legal_representative: Set(contact.into()),
            address: Set("浙江省杭州市".into()),
            bank_name: Set("中国建设银行杭州分行".into()),
            bank_account: Set(format!("3305016187{:010}", supplier_ids.len() + 1)),
            created_at: Set(now),
            updated_at: Set(now),
            submitted_at: Set((status != SupplierStatus::Draft).then_some(now)),
            admitted_at: Set(traded(status).then_some(now)),
            next_review_on: Set(today.checked_add_months(chrono::Months::new(12))),
            suspended_until: Set(
                (status == SupplierStatus::Suspended).then(|| today + chrono::Days::new(30))
            ),
            status_reason: Set(match status {
                SupplierStatus::Suspended => "质量整改期间暂停供货".into(),
                SupplierStatus::Removed => "two_confirmed_failures".into(),
                _ => String::new(),
            }),
            confirmed_failures: Set(if status == SupplierStatus::Removed {
                2
            } else {
                0
            }),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        let id = r.last_insert_id;
        supplier_ids.push(id);
        if status != SupplierStatus::Draft {
            demo_licence(&txn, state, id, name, today).await?;
        }
        if traded(status) {
            let terms = crate::suppliers::rules::AgreementTerms::defaults(today);
            consignment_agreement::Entity::insert(consignment_agreement::ActiveModel {
                supplier_id: Set(id),
                number: Set(format!("DCDX-{}-{id:04}", today.format("%Y"))),
                starts_on: Set(terms.starts_on),
                ends_on: Set(terms.ends_on),
                categories: Set(String::new()),
                cutoff_day: Set(terms.cutoff_day),
                stale_months: Set(terms.stale_months),
                tax_rate: Set(entity::Fixed::<4>::new(terms.tax_rate).unwrap_or_default()),
                signed_on: Set(terms.signed_on),
                approved_by: Set(0),
                created_at: Set(now),
                ..Default::default()
            })
            .exec(&txn)
            .await?;
        }
    }

    for ((zh, en), code) in &codes {
        unit::Entity::insert(unit::ActiveModel {
            code: Set(code.clone()),
            name_zh: Set(zh.clone()),
            name_en: Set(en.clone()),
            decimals: Set(unit_decimals(en)),
        })
        .exec(&txn)
        .await?;
    }
    let mut category_ids: BTreeMap<String, i64> = BTreeMap::new();
    for r in &rows {
        if category_ids.contains_key(&r.category_zh) {
            continue;
        }
        let code = format!("C{:02}", category_ids.len() + 1);
        let id = category::Entity::insert(category::ActiveModel {
            code: Set(code),
            name_zh: Set(r.category_zh.clone()),
            name_en: Set(r.category_en.clone()),
            parent_id: Set(None),
            ..Default::default()
        })
        .exec(&txn)
        .await?
        .last_insert_id;
        category_ids.insert(r.category_zh.clone(), id);
    }
    for (i, sid) in supplier_ids.iter().enumerate() {
        let mine: Vec<i64> = SUPPLIER_CATEGORIES
            .get(i)
            .into_iter()
            .flat_map(|names| names.iter())
            .filter_map(|n| category_ids.get(*n).copied())
            .collect();
        for c in &mine {
            supplier_category::Entity::insert(supplier_category::ActiveModel {
                supplier_id: Set(*sid),
                category_id: Set(*c),
            })
            .exec(&txn)
            .await?;
        }
        // The agreement covers the categories the supplier supplies.
        consignment_agreement::Entity::update_many()
            .col_expr(
                consignment_agreement::Column::Categories,
                sea_orm::sea_query::Expr::value(
                    mine.iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(","),
                ),
            )
            .filter(consignment_agreement::Column::SupplierId.eq(*sid))
            .exec(&txn)
            .await?;
    }
    for (i, r) in rows.iter().enumerate() {
        let price = entity::Fixed::<4>::new(r.price)
            .ok_or_else(|| AppError::Internal("price out of range".into()))?;
        material::Entity::insert(material::ActiveModel {
            code: Set(format!("M{:04}", i + 1)),
            category_id: Set(category_ids
                .get(&r.category_zh)
                .copied()
                .unwrap_or_default()),
            name_zh: Set(r.name_zh.clone()),
            name_en: Set(r.name_en.clone()),
            spec: Set(r.spec.clone()),
            unit_code: Set(codes
                .get(&(r.unit_zh.clone(), r.unit_en.clone()))
                .cloned()
                .unwrap_or_default()),
            indicative_price: Set(price),
            active: Set(true),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
    }

    let names: BTreeMap<Role, &str> = BTreeMap::from([
        (Role::Supplier, "陈立新"),
        (Role::SiteUser, "张伟"),
        (Role::SiteManager, "李强"),
        (Role::WarehouseKeeper, "王秀英"),
        (Role::ProcurementOfficer, "刘洋"),
        (Role::ProcurementHead, "杨静"),
        (Role::Finance, "赵丽"),
        (Role::Auditor, "孙磊"),
        (Role::Admin, "周敏"),
    ]);
    let mut user_ids: BTreeMap<Role, i64> = BTreeMap::new();
    for role in Role::ALL {
        let id = demo_user(
            &txn,
            &actor,
            DemoUser {
                email: &format!("{}@demo.test", role.as_str()),
                name: names.get(&role).copied().unwrap_or("Demo"),
                role,
                password_hash: &hash,
                supplier_id: role
                    .needs_supplier()
                    .then(|| supplier_ids.first().copied())
                    .flatten(),
                site_id: role
                    .needs_site()
                    .then(|| site_ids.first().copied())
                    .flatten(),
            },
            now,
        )
        .await?;
        user_ids.insert(role, id);
    }
    // The group's auditor: a contract of the group-audit size is signed at the company level
    // and at the group level by two different people (rule 14).
    demo_user(
        &txn,
        &actor,
        DemoUser::staff(GROUP_AUDITOR, "吴刚", Role::Auditor, &hash),
        now,
    )
    .await?;
    // The second officer, for a tender committee of three with the officer and the head.
    let second_officer = demo_user(
        &txn,
        &actor,
        DemoUser::staff(SECOND_OFFICER, "黄丽", Role::ProcurementOfficer, &hash),
        now,
    )
    .await?;
    demo_plan_prices(&txn, state.today(), now, &user_ids).await?;
    demo_stock(
        &txn,
        state,
        &supplier_ids,
        &category_ids,
        wh.last_insert_id,
        &site_ids,
        &user_ids,
    )
    .await?;
    audit::record(
        &txn,
        &actor,
        now,
        Change::new("demo.load", "database", "demo").after(serde_json::json!({
            "sites": site_ids.len(), "warehouse": wh.last_insert_id, "suppliers": supplier_ids.len(), "materials": rows.len()
        })),
    )
    .await?;
    txn.commit().await?;
    // The last period's draws become a draft statement, as the daily job would make them.
    crate::settlement::store::close(state, &actor, state.today(), None).await?;
    demo_tender(
        state,
        &supplier_ids,
        &category_ids,
        &user_ids,
        second_officer,
    )
    .await?;
    demo_funds_plan(state, &supplier_ids, &user_ids).await?;
    // The demo writes its requisitions directly; they get their document numbers as the
    // migration gives them to rows written before numbers existed.
    crate::requisitions::store::number_unnumbered(state).await?;
    // The last period's monthly pack, as the job would assemble it after the cut-off (claimed
    // through the job, so the scheduler does not assemble it again).
    crate::jobs::run(state, crate::jobs::Job::MonthlyPack, state.today()).await?;
    Ok(true)
}

/// This month's funds plan, a draft started by finance as the page would start it (pre-filled
/// from the unpaid statements and contracts due, of which the demo has none yet), with a
/// planned advance to the demo supplier, so that the funds-plan page is not empty.
async fn demo_funds_plan(
    state: &AppState,
    supplier_ids: &[SupplierId],
    user_ids: &BTreeMap<Role, i64>,
) -> AppResult<()> {
    let id = user_ids.get(&Role::Finance).copied().unwrap_or_default();
    let (Some(finance), Some(supplier)) = (
        user::Entity::find_by_id(id)
            .one(&state.db.read)
            .await?
            .as_ref()
            .and_then(crate::auth::CurrentUser::from_model),
        supplier_ids.first(),
    ) else {
        return Ok(());
    };
    let month = crate::funds_plan::rules::Month::of(state.today());
    crate::funds_plan::store::start_now(state, &finance, month).await?;
    crate::funds_plan::store::set_line_now(
        state,
        &finance,
        month,
        crate::funds_plan::store::FundsLineInput {
            id: None,
            supplier_id: Some(supplier.0),
            amount: Some(Decimal::new(5_800_000, 2)),
            source: "other".into(),
            source_id: None,
            note: "钢筋预付款".into(),
        },
        crate::error::FieldErrors::new(),
    )
    .await?;
    Ok(())
}

/// An invitational tender open for bids, made through the tender store as the officer would
/// make it: rebar for the next building, the three admitted steel suppliers invited, and the
/// demo supplier's bid already in (sealed: encrypted, its prices shown to nobody until the
/// committee opens the tender after the deadline, a week from today at 17:00). Its committee
/// is the officer, the second officer and the head (rule 14: three, scoring apart).
async fn demo_tender(
    state: &AppState,
    supplier_ids: &[SupplierId],
    category_ids: &BTreeMap<String, i64>,
    user_ids: &BTreeMap<Role, i64>,
    second_officer: i64,
) -> AppResult<()> {
    use crate::tenders::rules::{TenderKind, Weights};
    use crate::tenders::store::{BidInput, BidLineInput, TenderInput, TenderItemInput};
    use sea_orm::QueryOrder;
    let as_user = |role: Role| async move {
        let id = user_ids.get(&role).copied().unwrap_or_default();
        user::Entity::find_by_id(id)
            .one(&state.db.read)
            .await?
            .as_ref()
            .and_then(crate::auth::CurrentUser::from_model)
            .ok_or_else(|| AppError::Internal(format!("demo user {}", role.as_str())))
    };
    let Some(steel) = category_ids.get("钢材").copied() else {
        return Ok(());
    };
    // HRB400E Φ12 and Φ16, the first two steel materials of the master.
    let rebar = material::Entity::find()
        .filter(material::Column::CategoryId.eq(steel))
        .order_by_asc(material::Column::Id)
        .all(&state.db.read)
        .await?;
    let [phi12, phi16, ..] = rebar.as_slice() else {
        return Ok(());
    };
    let deadline = crate::time::start_of_day(
        state.today() + chrono::Days::new(7),
        chrono_tz::Asia::Shanghai,
    ) + chrono::Duration::hours(17);
    let item = |m: &material::Model, quantity: &str| TenderItemInput {
        material_id: m.id,
        quantity: Decimal::from_str(quantity).unwrap_or_default(),
        specification: format!("{}，符合 GB/T 1499.2，附质量证明书，送货至工地", m.spec),
    };
    let officer = as_user(Role::ProcurementOfficer).await?;
    let t = crate::tenders::store::create_now(
        state,
        &officer,
        TenderInput {
            title: "3#楼主体结构钢筋采购".into(),
            kind: TenderKind::Invitational,
            category_id: steel,
            description: "城东安置房项目 3#楼主体结构用钢筋，分两批送货，首批为开标后10日内。"
                .into(),
            bid_deadline: deadline,
            weights: Weights {
                price: 60,
                quality: 30,
                delivery: 10,
            },
            items: vec![item(phi12, "120.5"), item(phi16, "80")],
            invitees: TENDER_INVITEES
                .iter()
                .filter_map(|i| supplier_ids.get(*i).copied())
                .collect(),
            committee: Some(
                [Role::ProcurementOfficer, Role::ProcurementHead]
                    .iter()
                    .filter_map(|r| user_ids.get(r).copied())
                    .chain([second_officer])
                    .collect(),
            ),
        },
    )
    .await?;
    crate::tenders::store::publish_now(state, &officer, t.id).await?;
    let items = crate::tenders::store::items(&state.db.read, t.id).await?;
    let bidder = as_user(Role::Supplier).await?;
    crate::tenders::store::submit_bid_now(
        state,
        &bidder,
        t.id,
        BidInput {
            lines: items
                .iter()
                .zip(["3790.00", "3720.00"])
                .map(|(it, price)| BidLineInput {
                    item_id: it.id,
                    unit_price: Decimal::from_str(price).unwrap_or_default(),
                    delivery_days: 7,
                })
                .collect(),
            technical_note: "沙钢/永钢产品，随货附材质书，可按施工进度分批送货。".into(),
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_materials_file_has_every_row_priced_and_units_unique() {
        let rows = materials().unwrap_or_default();
        assert!(rows.len() >= 60, "{}", rows.len());
        assert!(
            rows.iter()
                .all(|r| r.price > Decimal::ZERO && !r.spec.is_empty())
        );
        let codes = unit_codes(&rows);
        let distinct: std::collections::BTreeSet<_> = codes.values().collect();
        assert_eq!(distinct.len(), codes.len());
    }

    #[test]
    fn demo_credit_codes_are_valid() {
        for (_, code, ..) in SUPPLIERS {
            assert!(CreditCode::parse(code).is_ok(), "{code}");
        }
    }
}
