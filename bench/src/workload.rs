//! What the simulated clients do: the mixed catalogue searches (through the page, the API and
//! the raw SQL), the draw cycle (submit → approve → issue), and the raw reserve transaction.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::BenchError;
use crate::dataset::{Dataset, Drawable};
use crate::load::{Client, Conn, expect_ok, get, post_json};
use crate::raw::{Raw, Search};

/// The mixed searches: Chinese words common and rare, specification fragments, brands and
/// supplier names, category filters, in-stock, price order, later pages.
pub fn searches(categories: &BTreeMap<String, i64>) -> Vec<Search> {
    let cat = |name: &str| categories.get(name).copied();
    let s = |q: &str| Search {
        q: q.into(),
        page: 1,
        ..Search::default()
    };
    vec![
        s("水泥"),
        s("钢筋"),
        s("钢"),
        s("Φ12"),
        s("DN25"),
        s("42.5"),
        s("水泥 42.5"),
        s("电缆 YJV"),
        Search {
            sort: Some("price"),
            ..s("防水")
        },
        Search {
            sort: Some("price"),
            ..s("普通 水泥")
        },
        Search {
            page: 2,
            ..s("钢管")
        },
        Search {
            category_id: cat("钢材"),
            ..s("")
        },
        Search {
            category_id: cat("阀门"),
            ..s("DN100")
        },
        s("建材贸易"),
        Search {
            in_stock: true,
            ..s("砂")
        },
        Search {
            sort: Some("-price"),
            ..s("DN100")
        },
        s("Q235B"),
        Search {
            page: 3,
            ..s("镀锌")
        },
        s("海螺 水泥"),
        s("PPR"),
        s("HRB400E Φ16"),
        Search {
            category_id: cat("电线电缆"),
            sort: Some("price"),
            ..s("")
        },
        s("安全帽"),
        s("焊丝 Φ1.2"),
        Search {
            in_stock: true,
            sort: Some("price"),
            ..s("螺纹钢")
        },
        s("宝钢 角钢"),
        s("C30"),
        s("M12"),
        Search { page: 5, ..s("") },
        s("杭州恒达"),
    ]
}

/// Signs in through the API and answers the bearer token.
pub async fn login(addr: SocketAddr, email: &str, password: &str) -> Result<String, BenchError> {
    let mut c = Conn::new(addr);
    let req = hyper::Request::post("/api/auth/login")
        .header("host", "127.0.0.1")
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(
            json!({"email": email, "password": password}).to_string(),
        )))
        .map_err(|e| BenchError::new(e.to_string()))?;
    let (status, body) = c.send(req).await?;
    expect_ok("/api/auth/login", status, &body)?;
    let v: Value = serde_json::from_slice(&body)?;
    v["token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| BenchError::new(format!("no token for {email}")))
}

/// Which door a catalogue client comes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Door {
    /// `GET /api/catalogue?…` with a bearer token, as an API client (no compression asked).
    Api,
    /// `GET /catalogue?…` with the sign-in and CSRF cookies and `Accept-Encoding: gzip`,
    /// as a browser.
    Page,
}

/// A signed-in site user searching the catalogue, one search after another.
pub struct CatalogueClient {
    conn: Conn,
    paths: Arc<Vec<String>>,
    offset: usize,
    headers: Vec<(&'static str, String)>,
}

impl CatalogueClient {
    pub fn new(
        addr: SocketAddr,
        door: Door,
        token: &str,
        csrf: &str,
        searches: &[Search],
        client: usize,
    ) -> Self {
        let prefix = match door {
            Door::Api => "/api/catalogue?",
            Door::Page => "/catalogue?",
        };
        let paths = searches
            .iter()
            .map(|s| format!("{prefix}{}", s.query_string()))
            .collect();
        let headers = match door {
            Door::Api => vec![("authorization", format!("Bearer {token}"))],
            Door::Page => vec![
                (
                    "cookie",
                    format!(
                        "{}={token}; {}={csrf}",
                        portal::auth::TOKEN_COOKIE,
                        portal::web::page::CSRF_COOKIE
                    ),
                ),
                ("accept-encoding", "gzip".into()),
                ("accept-language", "zh-CN,zh;q=0.9".into()),
            ],
        };
        Self {
            conn: Conn::new(addr),
            paths: Arc::new(paths),
            offset: client,
            headers,
        }
    }
}

impl Client for CatalogueClient {
    async fn op(&mut self, n: u64) -> Result<(), BenchError> {
        let i = (self.offset + n as usize) % self.paths.len();
        let path = &self.paths[i];
        let headers: Vec<(&str, &str)> =
            self.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = self.conn.send(get(path, &headers)?).await?;
        expect_ok(path, status, &body)
    }
}

/// The CSRF cookie a browser would hold after its first page.
pub async fn csrf_cookie(addr: SocketAddr, token: &str) -> Result<String, BenchError> {
    let mut c = Conn::new(addr);
    let cookie = format!("{}={token}", portal::auth::TOKEN_COOKIE);
    let req = get("/catalogue", &[("cookie", &cookie)])?;
    let (status, cookies, body) = c.send_full(req).await?;
    expect_ok("/catalogue", status, &body)?;
    let name = format!("{}=", portal::web::page::CSRF_COOKIE);
    cookies
        .iter()
        .find_map(|v| {
            v.strip_prefix(&name)
                .map(|rest| rest.split(';').next().unwrap_or_default().to_string())
        })
        .ok_or_else(|| BenchError::new("the catalogue page set no CSRF cookie"))
}

/// A single reserve transaction on a random listing with stock.
pub struct RawReserveClient {
    pub raw: Arc<Raw>,
    pub listings: Arc<Vec<Drawable>>,
    pub rng: StdRng,
    pub today: NaiveDate,
}

impl Client for RawReserveClient {
    async fn op(&mut self, _n: u64) -> Result<(), BenchError> {
        let d = self.listings[self.rng.gen_range(0..self.listings.len())];
        let ok = self
            .raw
            .reserve(
                d.listing_id,
                d.lot_id,
                d.supplier_id,
                d.price,
                1000,
                Utc::now(),
                self.today,
            )
            .await?;
        if ok {
            Ok(())
        } else {
            Err(BenchError::new("reserve: not enough stock"))
        }
    }
}

/// Tokens of the people in a draw: the site user, the site's manager, the keeper.
#[derive(Clone, Debug)]
pub struct DrawTokens {
    pub site_user: String,
    pub manager: String,
    pub keeper: String,
}

/// One site's requisitions: submit one line of 1 unit, the manager approves (reserving it),
/// the keeper issues it (oldest lots first). One cycle is one operation.
pub struct DrawClient {
    conn: Conn,
    tokens: DrawTokens,
    listings: Arc<Vec<Drawable>>,
    rng: StdRng,
    need_by: String,
}

impl DrawClient {
    pub fn new(
        addr: SocketAddr,
        tokens: DrawTokens,
        listings: Arc<Vec<Drawable>>,
        client: usize,
        today: NaiveDate,
    ) -> Self {
        Self {
            conn: Conn::new(addr),
            tokens,
            listings,
            rng: StdRng::seed_from_u64(client as u64 + 1000),
            need_by: (today + chrono::Duration::days(3)).to_string(),
        }
    }
}

impl Client for DrawClient {
    async fn op(&mut self, _n: u64) -> Result<(), BenchError> {
        let d = self.listings[self.rng.gen_range(0..self.listings.len())];
        let body = json!({
            "purpose": "3# 楼二层梁板",
            "need_by": self.need_by,
            "lines": [{"listing_id": d.listing_id, "quantity": "1"}],
        });
        let path = "/api/requisitions";
        let (status, b) = self
            .conn
            .send(post_json(path, &self.tokens.site_user, &body)?)
            .await?;
        expect_ok(path, status, &b)?;
        let r: Value = serde_json::from_slice(&b)?;
        let id = r["id"]
            .as_i64()
            .ok_or_else(|| BenchError::new("requisition without id"))?;
        let line = r["lines"][0]["id"].clone();
        let path = format!("/api/requisitions/{id}/approval");
        let (status, b) = self
            .conn
            .send(post_json(&path, &self.tokens.manager, &json!({}))?)
            .await?;
        expect_ok(&path, status, &b)?;
        let path = format!("/api/requisitions/{id}/issue");
        let (status, b) = self
            .conn
            .send(post_json(
                &path,
                &self.tokens.keeper,
                &json!({"lines": [{"line_id": line, "quantity": "1"}]}),
            )?)
            .await?;
        expect_ok(&path, status, &b)
    }
}

/// Signs in everyone the draw path needs: per site its user and manager, and the keeper.
pub async fn draw_tokens(addr: SocketAddr, data: &Dataset) -> Result<Vec<DrawTokens>, BenchError> {
    let keeper = login(addr, &data.keeper, crate::dataset::PASSWORD).await?;
    let mut out = Vec::new();
    for (user, manager) in &data.site_users {
        out.push(DrawTokens {
            site_user: login(addr, user, crate::dataset::PASSWORD).await?,
            manager: login(addr, manager, crate::dataset::PASSWORD).await?,
            keeper: keeper.clone(),
        });
    }
    Ok(out)
}

/// How long the page `path` takes, signed in with `token` (the sign-in cookie, as a browser),
/// over `n` requests one after another: (median, slowest) in milliseconds.
pub async fn page_times(
    addr: SocketAddr,
    token: &str,
    path: &str,
    n: usize,
) -> Result<(f64, f64), BenchError> {
    let cookie = format!("{}={token}", portal::auth::TOKEN_COOKIE);
    let mut c = Conn::new(addr);
    let mut times = Vec::with_capacity(n);
    for _ in 0..n.max(1) {
        let req = get(path, &[("cookie", &cookie)])?;
        let t = std::time::Instant::now();
        let (status, body) = c.send(req).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        expect_ok(path, status, &body)?;
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], times[times.len() - 1]))
}
