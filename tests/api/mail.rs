//! Mail goes through the outbox: over real SMTP (a server started here on loopback) or into
//! `.eml` files, retried until delivered, never lost.

use crate::helpers::{Options, spawn_with};
use mailin_embedded::{Handler, Response, Server, response};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Inbox {
    messages: Arc<Mutex<Vec<String>>>,
    current: Arc<Mutex<Vec<u8>>>,
}

impl Handler for Inbox {
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Ok(mut c) = self.current.lock() {
            c.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let (Ok(mut c), Ok(mut all)) = (self.current.lock(), self.messages.lock()) {
            all.push(String::from_utf8_lossy(&c).to_string());
            c.clear();
        }
        response::OK
    }
}

fn start_smtp() -> (Inbox, u16) {
    let inbox = Inbox::default();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let mut server = Server::new(inbox.clone());
    server
        .with_name("test.smtp")
        // Several, as any mail server: the portal's SMTP client keeps a pool of connections
        // and may open a second while the first is still on its way back to the pool.
        .with_num_threads(4)
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (inbox, port)
}

async fn wait_for<F: Fn() -> bool>(what: &str, f: F) {
    for _ in 0..100 {
        if f() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn a_queued_email_is_delivered_over_smtp_in_the_recipients_language() {
    let (inbox, port) = start_smtp();
    let app = spawn_with(Options {
        smtp_url: format!("smtp://127.0.0.1:{port}"),
        ..Default::default()
    })
    .await;
    let admin = app.token_for("admin").await;
    let (status, _) = app
        .post_json("/api/users", &admin, &json!({"email": "li.na@example.test", "display_name": "李娜", "password": "long-enough-pw", "role": "finance", "locale": "zh-CN"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // (The demo's own mails, such as its tender invitation, go out too.)
    let to_her = || {
        inbox
            .messages
            .lock()
            .ok()
            .and_then(|m| m.iter().find(|x| x.contains("li.na@example.test")).cloned())
    };
    wait_for("the SMTP server to receive the mail", || to_her().is_some()).await;
    let msg = to_her().unwrap_or_default();
    assert!(msg.contains("li.na@example.test"), "{msg}");
    // The subject is encoded; the body is Chinese text.
    let (_, mails) = app.get_json("/api/outbox", &admin).await;
    let row = mails
        .as_array()
        .and_then(|a| a.iter().find(|m| m["to"] == "li.na@example.test"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        row["subject"],
        portal::i18n::Locale::ZhCn.t("mail-welcome-subject")
    );
    for _ in 0..50 {
        let (_, mails) = app.get_json("/api/outbox", &admin).await;
        let row = mails
            .as_array()
            .and_then(|a| a.iter().find(|m| m["to"] == "li.na@example.test"))
            .cloned()
            .unwrap_or_default();
        if row["status"] == "sent" {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the outbox row was never marked sent");
}

#[tokio::test]
async fn without_smtp_mail_is_written_as_eml_files() {
    let app = spawn_with(Options::default()).await;
    let admin = app.token_for("admin").await;
    let (status, _) = app
        .post_json("/api/users", &admin, &json!({"email": "file.mail@example.test", "display_name": "File", "password": "long-enough-pw", "role": "auditor", "locale": "en"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let dir = app.data_dir.path().join("outbox");
    wait_for("an .eml file", || {
        std::fs::read_dir(&dir)
            .map(|d| {
                d.flatten().any(|e| {
                    std::fs::read_to_string(e.path())
                        .map(|s| s.contains("file.mail@example.test"))
                        .unwrap_or(false)
                })
            })
            .unwrap_or(false)
    })
    .await;
}

#[tokio::test]
async fn when_the_smtp_server_is_down_mail_waits_and_is_retried_later() {
    // A port with nothing listening: every attempt fails.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().map(|a| a.port()).unwrap_or_default()
    };
    let app = spawn_with(Options {
        smtp_url: format!("smtp://127.0.0.1:{port}"),
        ..Default::default()
    })
    .await;
    let admin = app.token_for("admin").await;
    app.post_json("/api/users", &admin, &json!({"email": "retry@example.test", "display_name": "R", "password": "long-enough-pw", "role": "auditor"})).await;
    let mut row = serde_json::Value::Null;
    for _ in 0..50 {
        let (_, mails) = app.get_json("/api/outbox", &admin).await;
        row = mails
            .as_array()
            .and_then(|a| a.iter().find(|m| m["to"] == "retry@example.test"))
            .cloned()
            .unwrap_or_default();
        if row["attempts"].as_i64().unwrap_or_default() >= 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(row["status"], "pending", "{row}");
    assert_eq!(
        row["attempts"], 1,
        "backed off: no second attempt before the clock moves"
    );
    assert!(row["last_error"].as_str().is_some_and(|e| !e.is_empty()));
}
