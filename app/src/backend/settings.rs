//! Run-time settings. Parsed once at start-up by `server::config` from the environment
//! (and an optional file); every value here is already valid.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use super::secret::Secret;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Dev,
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChecksumMode {
    /// Only when the operation requires it (Garage needs this).
    WhenRequired,
    /// The SDK's default: streaming checksums on every upload.
    WhenSupported,
}

#[derive(Clone, Debug)]
pub struct S3Settings {
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: Secret<String>,
    pub path_style: bool,
    pub checksum: ChecksumMode,
}

#[derive(Clone, Debug)]
pub enum StorageSettings {
    Local { root: PathBuf },
    S3(S3Settings),
}

#[derive(Clone, Debug)]
pub enum MailTransportSettings {
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtps://…` (implicit TLS).
    Smtp { url: Secret<String> },
    /// Dev only: messages are stored in the database and shown at /admin/mailbox.
    DevMailbox,
}

/// Details of the payment institution printed on contracts and emails.
#[derive(Clone, Debug)]
pub struct InstitutionSettings {
    pub name: String,
    pub address: String,
    pub licence_no: String,
}

#[derive(Clone)]
pub struct Settings {
    pub mode: Mode,
    /// Public base URL without a trailing slash, e.g. `https://gatehouse.example.com`.
    pub base_url: String,
    pub bind: SocketAddr,
    pub database_url: Secret<String>,
    pub database_max_connections: u32,
    pub storage: StorageSettings,
    pub mail: MailTransportSettings,
    pub mail_from: String,
    /// Key material for signed URLs and encryption of stored secrets (≥ 32 bytes).
    pub secret_key: Secret<Vec<u8>>,
    pub upload_limit_bytes: u64,
    pub seed_demo: bool,
    pub log_format: LogFormat,
    pub outbox_max_attempts: i32,
    pub institution: InstitutionSettings,
    /// Behind a load balancer: take the client address from `X-Forwarded-For` (its last hop)
    /// and the scheme from `X-Forwarded-Proto`. Only enable when the proxy sets them.
    pub trust_forwarded: bool,
    /// When set, `/metrics` requires `Authorization: Bearer <token>`.
    pub metrics_token: Option<Secret<String>>,
    /// Business days an application may wait in the review queue before it shows as overdue.
    pub review_sla_business_days: i64,
    /// The highest fee rate anyone may enter (`GATEHOUSE_FEE_RATE_CEILING`, percent).
    pub fee_rate_ceiling: crate::domain::money::RatePpm,
    /// Font embedded in contract PDFs (a CJK TrueType/OpenType file or collection).
    pub contract_font: Option<PathBuf>,
}

impl Settings {
    pub fn is_production(&self) -> bool {
        self.mode == Mode::Production
    }

    /// Cookies carry `Secure` (and so may use the `__Host-` prefix) when the site is served over
    /// https, or on loopback where browsers treat http as a secure context.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://") || self.is_loopback_base()
    }

    fn is_loopback_base(&self) -> bool {
        let rest = self
            .base_url
            .strip_prefix("http://")
            .unwrap_or(&self.base_url);
        let host = rest.split(['/', ':']).next().unwrap_or("");
        host == "localhost" || host == "127.0.0.1" || rest.starts_with("[::1]")
    }

    pub fn serves_https(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    /// The scheme://host[:port] part of the base URL, compared with `Origin` headers.
    pub fn origin(&self) -> &str {
        let after_scheme = self.base_url.find("://").map(|i| i + 3).unwrap_or(0);
        match self.base_url[after_scheme..].find('/') {
            Some(i) => &self.base_url[..after_scheme + i],
            None => &self.base_url,
        }
    }

    /// Absolute URL for a path on this site.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("mode", &self.mode)
            .field("base_url", &self.base_url)
            .field("bind", &self.bind)
            .field("database_url", &self.database_url)
            .field("storage", &self.storage)
            .field("mail", &self.mail)
            .field("mail_from", &self.mail_from)
            .field("secret_key", &self.secret_key)
            .field("upload_limit_bytes", &self.upload_limit_bytes)
            .field("seed_demo", &self.seed_demo)
            .finish_non_exhaustive()
    }
}
