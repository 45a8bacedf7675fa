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
