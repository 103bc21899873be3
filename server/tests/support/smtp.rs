//! A real SMTP server (aiosmtpd) whose received messages tests read from its maildir.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use super::{free_port, spawn_quiet, ChildGuard};

pub struct SmtpServer {
    pub port: u16,
    pub maildir: PathBuf,
    child: Option<ChildGuard>,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub body: String,
}

impl SmtpServer {
    /// Starts aiosmtpd on a free port with a fresh maildir.
    pub async fn start() -> Self {
        let maildir =
            std::env::temp_dir().join(format!("gh-mail-{}", uuid::Uuid::new_v4().simple()));
        let mut s = SmtpServer {
            port: free_port(),
            maildir,
            child: None,
        };
        s.resume().await;
        s
    }

    /// (Re)starts the server on the same port and maildir.
    pub async fn resume(&mut self) {
        let child = spawn_quiet(
            Command::new("python3")
                .args(["-m", "aiosmtpd", "-n", "-l"])
                .arg(format!("127.0.0.1:{}", self.port))
                .args(["-c", "aiosmtpd.handlers.Mailbox"])
                .arg(&self.maildir),
        );
        self.child = Some(child);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not start on port {}", self.port);
    }

    pub fn stop(&mut self) {
        self.child = None;
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<Received> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) else {
                continue;
            };
            for e in entries.flatten() {
                let raw = std::fs::read(e.path()).unwrap();
                let msg = mail_parser::MessageParser::default()
                    .parse(&raw)
                    .expect("a MIME message");
                out.push(Received {
                    to: msg
                        .to()
                        .and_then(|a| a.first())
                        .and_then(|a| a.address())
                        .unwrap_or_default()
                        .to_string(),
                    subject: msg.subject().unwrap_or_default().to_string(),
                    message_id: msg.message_id().unwrap_or_default().to_string(),
                    body: msg.body_text(0).map(|b| b.to_string()).unwrap_or_default(),
                });
            }
        }
        out
    }

    /// The first message to `to` that satisfies `pred`, waiting up to `secs` for it.
    pub async fn wait_for_matching(
        &self,
        to: &str,
        secs: u64,
        pred: impl Fn(&Received) -> bool,
    ) -> Received {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(m) = self.messages().into_iter().find(|m| m.to == to && pred(m)) {
                return m;
            }
            if std::time::Instant::now() > deadline {
                panic!(
                    "no matching mail to {to}; got {:?}",
                    self.messages()
                        .iter()
                        .filter(|m| m.to == to)
                        .map(|m| &m.subject)
                        .collect::<Vec<_>>()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Messages to `to`, waiting up to `secs` for at least one.
    pub async fn wait_for(&self, to: &str, secs: u64) -> Vec<Received> {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let got: Vec<_> = self.messages().into_iter().filter(|m| m.to == to).collect();
            if !got.is_empty() || std::time::Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.child = None;
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}
