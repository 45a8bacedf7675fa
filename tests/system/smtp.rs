//! An SMTP server in the test process (mailin-embedded) that keeps every message it accepts,
//! with the recipients of its envelope.

use mailin_embedded::{Handler, Response, Server, response};
use std::sync::{Arc, Mutex};

/// One accepted message.
#[derive(Clone, Debug)]
pub struct Received {
    /// Envelope recipients, without angle brackets.
    pub to: Vec<String>,
    pub text: String,
}

/// The messages accepted so far. Cloned per connection by the server: the message being
/// received belongs to the clone, the list is shared.
#[derive(Clone, Default)]
pub struct Inbox {
    received: Arc<Mutex<Vec<Received>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Inbox {
    pub fn all(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Handler for Inbox {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to
            .iter()
            .map(|t| {
                t.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
            .collect();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = Received {
            to: std::mem::take(&mut self.to),
            text: String::from_utf8_lossy(&std::mem::take(&mut self.data)).into_owned(),
        };
        if let Ok(mut all) = self.received.lock() {
            all.push(message);
        }
        response::OK
    }
}

/// Starts a server on `127.0.0.1:port` (0: any free port); answers its inbox and port. The
/// server runs until the test process ends.
pub fn start(port: u16) -> (Inbox, u16) {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .unwrap_or_else(|e| panic!("SMTP server on port {port}: {e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap();
    let inbox = Inbox::default();
    let mut server = Server::new(inbox.clone());
    server
        .with_name("system.test")
        .with_num_threads(4)
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (inbox, port)
}

/// The part of a MIME `message` whose `Content-Type` is `content_type`, decoded from its
/// transfer encoding (quoted-printable, base64 or none).
pub fn part(message: &str, content_type: &str) -> Option<String> {
    let message = message.replace("\r\n", "\n");
    let start = message.find(&format!("Content-Type: {content_type}"))?;
    let rest = &message[start..];
    let (headers, body) = rest.split_once("\n\n")?;
    let body = body.split("\n--").next().unwrap_or_default();
    if headers.contains("Content-Transfer-Encoding: base64") {
        use base64::Engine;
        let joined: String = body.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(joined)
            .ok()?;
        return String::from_utf8(bytes).ok();
    }
    if headers.contains("Content-Transfer-Encoding: quoted-printable") {
        let soft = body.replace("=\n", "");
        let mut out = Vec::new();
        let bytes = soft.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'='
                && let Some(hex) = soft.get(i + 1..i + 3)
                && let Ok(b) = u8::from_str_radix(hex, 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        return String::from_utf8(out).ok();
    }
    Some(body.to_string())
}

/// Issue 13: large providers refuse mail without a `Message-ID`; every message carries one of
/// the portal's host, `MIME-Version`, `Date`, and an HTML alternative with clickable links.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_over_real_smtp_carries_its_headers_and_an_html_alternative() {
    use crate::api;
    use crate::process::{Setup, wait_until};
    use serde_json::json;
    use std::time::Duration;

    let dir = tempfile::tempdir().expect("a temporary folder");
    let (inbox, port) = start(0);
    let setup = Setup {
        smtp_url: format!("smtp://127.0.0.1:{port}"),
        ..Setup::new(dir.path(), "")
    };
    setup.must_run(&["demo"]).await;
    let portal = setup.serve("headers").await;
    let admin = api::token(&portal.url, "admin").await;
    for email in ["first@example.test", "second@example.test"] {
        let (status, v) = api::post(
            &portal.url,
            "/api/users",
            &admin,
            &json!({"email": email, "display_name": "Li <b>&</b>", "password": "long-enough-pw", "role": "auditor", "locale": "en"}),
        )
        .await;
        assert_eq!(status, reqwest::StatusCode::CREATED, "{v}");
    }
    let to = |who: &str| {
        inbox
            .all()
            .into_iter()
            .find(|m| m.to.iter().any(|t| t == who))
    };
    let arrived = wait_until(Duration::from_secs(30), || async {
        to("first@example.test").is_some() && to("second@example.test").is_some()
    })
    .await;
    assert!(arrived, "no mail arrived\n{}", portal.log_tail());
    let first = to("first@example.test").unwrap().text;
    let second = to("second@example.test").unwrap().text;

    let message_id = |m: &str| {
        m.lines()
            .find_map(|l| l.strip_prefix("Message-ID: ").map(str::to_string))
            .unwrap_or_else(|| panic!("no Message-ID:\n{m}"))
    };
    let (a, b) = (message_id(&first), message_id(&second));
    assert!(a.starts_with('<') && a.ends_with("@127.0.0.1>"), "{a}");
    assert_ne!(a, b, "each message its own id");
    for header in [
        "MIME-Version: 1.0",
        "Date: ",
        "Content-Type: multipart/alternative",
    ] {
        assert!(first.contains(header), "{header} missing:\n{first}");
    }
    let plain = part(&first, "text/plain").unwrap_or_else(|| panic!("no text part:\n{first}"));
    let html = part(&first, "text/html").unwrap_or_else(|| panic!("no HTML part:\n{first}"));
    assert!(plain.contains("Li <b>&</b>"), "{plain}");
    assert!(
        html.contains("Li &#60;b&#62;&#38;&#60;/b&#62;")
            || html.contains("Li &lt;b&gt;&amp;&lt;/b&gt;"),
        "the name escaped: {html}"
    );
    assert!(
        html.contains("<a href=\"http://127.0.0.1:") && html.contains("/login\">"),
        "the sign-in address is a link: {html}"
    );
    assert!(portal.internal_errors().is_empty(), "{}", portal.log_tail());
}
