//! The load generator: keep-alive HTTP/1.1 connections on loopback (hyper's client, one
//! connection per simulated client, each sending its next request when the answer has come),
//! latencies kept exactly, and the trivial actix-web server that gives the HTTP ceiling.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::BenchError;

/// One client's connection to the server.
pub struct Conn {
    addr: SocketAddr,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub fn new(addr: SocketAddr) -> Self {
        Self { addr, sender: None }
    }

    async fn connect(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, BenchError> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = tokio::net::TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| BenchError::new(format!("handshake: {e}")))?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.sender = Some(sender);
        }
        self.sender
            .as_mut()
            .ok_or_else(|| BenchError::new("no connection"))
    }

    /// Sends `req` and reads the whole answer.
    pub async fn send(
        &mut self,
        req: Request<Full<Bytes>>,
    ) -> Result<(StatusCode, Bytes), BenchError> {
        let (status, _, body) = self.send_full(req).await?;
        Ok((status, body))
    }

    /// Sends `req` and answers the status, the `Set-Cookie` headers and the body.
    pub async fn send_full(
        &mut self,
        req: Request<Full<Bytes>>,
    ) -> Result<(StatusCode, Vec<String>, Bytes), BenchError> {
        let sender = self.connect().await?;
        sender
            .ready()
            .await
            .map_err(|e| BenchError::new(format!("connection: {e}")))?;
        let res = match sender.send_request(req).await {
            Ok(r) => r,
            Err(e) => {
                self.sender = None;
                return Err(BenchError::new(format!("request: {e}")));
            }
        };
        let status = res.status();
        let cookies = res
            .headers()
            .get_all(hyper::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        let body = res
            .into_body()
            .collect()
            .await
            .map_err(|e| BenchError::new(format!("body: {e}")))?
            .to_bytes();
        Ok((status, cookies, body))
    }
}

/// A GET request with the given headers.
pub fn get(path: &str, headers: &[(&str, &str)]) -> Result<Request<Full<Bytes>>, BenchError> {
    let mut b = Request::get(path).header("host", "127.0.0.1");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Full::new(Bytes::new()))
        .map_err(|e| BenchError::new(format!("request {path}: {e}")))
}

/// A POST request with a JSON body and a bearer token.
pub fn post_json(
    path: &str,
    token: &str,
    body: &serde_json::Value,
) -> Result<Request<Full<Bytes>>, BenchError> {
    Request::post(path)
        .header("host", "127.0.0.1")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::from(body.to_string())))
        .map_err(|e| BenchError::new(format!("request {path}: {e}")))
}

/// What one measured run gave: operations done, failures, and every latency.
#[derive(Clone, Debug, Default)]
pub struct Sample {
    pub ok: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub latencies_us: Vec<u32>,
    pub elapsed: Duration,
}

impl Sample {
    pub fn rate(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { self.ok as f64 / s } else { 0.0 }
    }

    /// The `p`-th percentile latency in milliseconds (nearest rank).
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let mut v = self.latencies_us.clone();
        v.sort_unstable();
        let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
        let i = rank.clamp(1, v.len()) - 1;
        f64::from(v[i]) / 1000.0
    }

    fn merge(&mut self, other: Sample) {
        self.ok += other.ok;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.latencies_us.extend(other.latencies_us);
    }
}

/// One simulated client: `op` does one operation (one request, or one whole draw cycle).
pub trait Client: Send + 'static {
    fn op(&mut self, n: u64) -> impl Future<Output = Result<(), BenchError>> + Send;
}

/// Runs every client concurrently, each repeating its operation until `duration` has passed,
/// after `warmup` whose operations are not counted.
pub async fn run<C: Client>(clients: Vec<C>, warmup: Duration, duration: Duration) -> Sample {
    let start = Instant::now();
    let measure_from = start + warmup;
    let until = measure_from + duration;
    let mut tasks = Vec::with_capacity(clients.len());
    for mut client in clients {
        tasks.push(tokio::spawn(async move {
            let mut s = Sample::default();
            let mut n = 0u64;
            loop {
                let t0 = Instant::now();
                if t0 >= until {
                    break;
                }
                let r = client.op(n).await;
                n += 1;
                let t1 = Instant::now();
                if t0 < measure_from || t1 > until {
                    continue;
                }
                match r {
                    Ok(()) => {
                        s.ok += 1;
                        let us = (t1 - t0).as_micros();
                        s.latencies_us.push(u32::try_from(us).unwrap_or(u32::MAX));
                    }
                    Err(e) => {
                        s.errors += 1;
                        if s.first_error.is_none() {
                            s.first_error = Some(e.to_string());
                        }
                        // A failing server should not be hammered in a tight loop.
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            }
            s
        }));
    }
    let mut total = Sample::default();
    for t in tasks {
        if let Ok(s) = t.await {
            total.merge(s);
        }
    }
    total.elapsed = duration;
    total
}

/// A client of the trivial server: `GET /`, nothing else.
pub struct Trivial(pub Conn);

impl Client for Trivial {
    async fn op(&mut self, _n: u64) -> Result<(), BenchError> {
        let (status, body) = self.0.send(get("/", &[])?).await?;
        expect_ok("/", status, &body)
    }
}

/// Checks that an answer was a success.
pub fn expect_ok(path: &str, status: StatusCode, body: &Bytes) -> Result<(), BenchError> {
    if status.is_success() {
        Ok(())
    } else {
        Err(BenchError::new(format!(
            "{path}: {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        )))
    }
}

/// The ceiling of HTTP on this machine: an actix-web server whose one handler answers "ok",
/// with actix's default worker count (as the portal), in this process on actix's own threads.
pub struct TrivialServer {
    pub addr: SocketAddr,
    handle: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TrivialServer {
    pub fn start() -> Result<Self, BenchError> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let server = actix_web::HttpServer::new(|| {
            actix_web::App::new().route(
                "/",
                actix_web::web::get().to(|| async { actix_web::HttpResponse::Ok().body("ok") }),
            )
        })
        .disable_signals()
        .listen(listener)?
        .run();
        let handle = server.handle();
        let task = tokio::spawn(server);
        Ok(Self { addr, handle, task })
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
        let _ = self.task.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let s = Sample {
            latencies_us: (1..=100).map(|i| i * 1000).collect(),
            ..Sample::default()
        };
        assert_eq!(s.percentile_ms(50.0), 50.0);
        assert_eq!(s.percentile_ms(99.0), 99.0);
        assert_eq!(s.percentile_ms(100.0), 100.0);
    }
}
