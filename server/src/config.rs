//! Settings from `GATEHOUSE_*` environment variables and `DATABASE_URL`, optionally read from a
//! file named by `GATEHOUSE_CONFIG_FILE` (lines `NAME=value`; the environment wins). Every error
//! names the variable so an operator knows what to fix.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use app::backend::secret::Secret;
use app::backend::settings::{
    ChecksumMode, InstitutionSettings, LogFormat, MailTransportSettings, Mode, S3Settings,
    Settings, StorageSettings,
};
use app::domain::money::RatePpm;
use base64::Engine;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{var} is required{why}")]
    Missing {
        var: &'static str,
        why: &'static str,
    },
    #[error("{var} is malformed: {reason}")]
    Malformed { var: String, reason: String },
    #[error("{var}: {reason} (not allowed in production mode)")]
    NotInProduction {
        var: &'static str,
        reason: &'static str,
    },
    #[error("GATEHOUSE_CONFIG_FILE {path}: {reason}")]
    File { path: String, reason: String },
}

/// Where values come from: the environment over an optional file.
pub struct Source {
    values: HashMap<String, String>,
}

impl Source {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_map(std::env::vars().collect())
    }

    /// `vars` plays the role of the environment; a `GATEHOUSE_CONFIG_FILE` in it is read too.
    pub fn from_map(vars: HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut values = HashMap::new();
        if let Some(path) = vars.get("GATEHOUSE_CONFIG_FILE").filter(|p| !p.is_empty()) {
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let Some((k, v)) = line.split_once('=') else {
                    return Err(ConfigError::File {
                        path: path.clone(),
                        reason: format!("line {}: expected NAME=value", n + 1),
                    });
                };
                let v = v.trim().trim_matches('"').to_string();
                values.insert(k.trim().to_string(), v);
            }
        }
        values.extend(vars);
        Ok(Self { values })
    }

    fn get(&self, var: &str) -> Option<&str> {
        self.values
            .get(var)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    fn required(&self, var: &'static str, why: &'static str) -> Result<&str, ConfigError> {
        self.get(var).ok_or(ConfigError::Missing { var, why })
    }

    fn parse<T: std::str::FromStr>(&self, var: &str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(var) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|e: T::Err| malformed(var, e.to_string())),
        }
    }

    fn flag(&self, var: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(var).map(|v| v.to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
            Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
            Some(v) => Err(malformed(var, format!("expected true or false, got {v:?}"))),
        }
    }
}

fn malformed(var: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Malformed {
        var: var.to_string(),
        reason: reason.into(),
    }
}

/// A development key, used only in dev mode when none is configured. Signed URLs made with it
/// are worthless outside this machine, which is the point of dev mode.
const DEV_SECRET_KEY: &[u8] = b"gatehouse-dev-mode-secret-key-not-for-production!";

pub fn load(src: &Source) -> Result<Settings, ConfigError> {
    let mode = match src.get("GATEHOUSE_MODE").map(|m| m.to_ascii_lowercase()) {
        None => Mode::Dev,
        Some(m) if m == "dev" || m == "development" => Mode::Dev,
        Some(m) if m == "production" || m == "prod" => Mode::Production,
        Some(m) => {
            return Err(malformed(
                "GATEHOUSE_MODE",
                format!("expected dev or production, got {m:?}"),
            ))
        }
    };
    let production = mode == Mode::Production;

    let bind: SocketAddr = src.parse("GATEHOUSE_BIND", SocketAddr::from(([127, 0, 0, 1], 3000)))?;

    let base_url = match src.get("GATEHOUSE_BASE_URL") {
        Some(u) => parse_base_url(u)?,
        None if production => {
            return Err(ConfigError::Missing {
                var: "GATEHOUSE_BASE_URL",
                why: " in production mode (the public https URL)",
            })
        }
        None => format!("http://{bind}"),
    };
    if production && !base_url.starts_with("https://") {
        return Err(ConfigError::NotInProduction {
            var: "GATEHOUSE_BASE_URL",
            reason: "must be https so session cookies are Secure",
        });
    }

    let database_url = src.required(
        "DATABASE_URL",
        " (postgres://user:password@host:port/database)",
    )?;
    if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
        return Err(malformed("DATABASE_URL", "expected a postgres:// URL"));
    }
    let database_max_connections = src.parse("GATEHOUSE_DATABASE_MAX_CONNECTIONS", 20u32)?;
    if database_max_connections == 0 {
        return Err(malformed(
            "GATEHOUSE_DATABASE_MAX_CONNECTIONS",
            "must be at least 1",
        ));
    }

    let storage = load_storage(src)?;
    let mail = match src.get("GATEHOUSE_SMTP_URL") {
        Some(url) => {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(malformed(
                    "GATEHOUSE_SMTP_URL",
                    "expected smtp://… (STARTTLS with ?tls=required) or smtps://…",
                ));
            }
            MailTransportSettings::Smtp {
                url: Secret::new(url.to_string()),
            }
        }
        None if production => {
            return Err(ConfigError::NotInProduction {
                var: "GATEHOUSE_SMTP_URL",
                reason: "unset means the dev mailbox",
            })
        }
        None => MailTransportSettings::DevMailbox,
    };
    let mail_from = src
        .get("GATEHOUSE_MAIL_FROM")
        .unwrap_or("Gatehouse <no-reply@gatehouse.localhost>")
        .to_string();
    if !mail_from.contains('@') {
        return Err(malformed(
            "GATEHOUSE_MAIL_FROM",
            "expected an address such as Gatehouse <no-reply@example.com>",
        ));
    }

    let secret_key = match src.get("GATEHOUSE_SECRET_KEY") {
        Some(k) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(k)
                .map_err(|e| malformed("GATEHOUSE_SECRET_KEY", format!("expected base64: {e}")))?;
            if bytes.len() < 32 {
                return Err(malformed(
                    "GATEHOUSE_SECRET_KEY",
                    format!("must decode to at least 32 bytes, got {}", bytes.len()),
                ));
            }
            bytes
        }
        None if production => {
            return Err(ConfigError::Missing {
                var: "GATEHOUSE_SECRET_KEY",
                why: " in production mode (base64 of 32+ random bytes: openssl rand -base64 32)",
            })
        }
        None => DEV_SECRET_KEY.to_vec(),
    };

    let upload_limit_bytes = src.parse("GATEHOUSE_UPLOAD_LIMIT_BYTES", 10 * 1024 * 1024u64)?;
    if upload_limit_bytes == 0 {
        return Err(malformed(
            "GATEHOUSE_UPLOAD_LIMIT_BYTES",
            "must be at least 1",
        ));
    }

    let seed_demo = src.flag("GATEHOUSE_SEED_DEMO", false)?;
    if production && seed_demo {
        return Err(ConfigError::NotInProduction {
            var: "GATEHOUSE_SEED_DEMO",
            reason: "demo accounts have published passwords",
        });
    }

    let log_format = match src.get("GATEHOUSE_LOG_FORMAT") {
        None if production => LogFormat::Json,
        None => LogFormat::Pretty,
        Some("json") => LogFormat::Json,
        Some("pretty") => LogFormat::Pretty,
        Some(v) => {
            return Err(malformed(
                "GATEHOUSE_LOG_FORMAT",
                format!("expected json or pretty, got {v:?}"),
            ))
        }
    };

    let outbox_max_attempts = src.parse("GATEHOUSE_OUTBOX_MAX_ATTEMPTS", 8i32)?;
    if outbox_max_attempts < 1 {
        return Err(malformed(
            "GATEHOUSE_OUTBOX_MAX_ATTEMPTS",
            "must be at least 1",
        ));
    }

    let institution = InstitutionSettings {
        name: src
            .get("GATEHOUSE_INSTITUTION_NAME")
            .unwrap_or("杭州门房支付有限公司 Gatehouse Payments Co., Ltd.")
            .to_string(),
        address: src
            .get("GATEHOUSE_INSTITUTION_ADDRESS")
            .unwrap_or("浙江省杭州市西湖区文三路 1 号")
            .to_string(),
        licence_no: src
            .get("GATEHOUSE_INSTITUTION_LICENCE")
            .unwrap_or("Z2000000000000")
            .to_string(),
    };

    let trust_forwarded = src.flag("GATEHOUSE_TRUST_FORWARDED", false)?;
    let metrics_token = src
        .get("GATEHOUSE_METRICS_TOKEN")
        .map(|t| Secret::new(t.to_string()));
    let review_sla_business_days = src.parse("GATEHOUSE_REVIEW_SLA_DAYS", 2i64)?;
    if review_sla_business_days < 1 {
        return Err(malformed("GATEHOUSE_REVIEW_SLA_DAYS", "must be at least 1"));
    }

    let fee_rate_ceiling = load_fee_rate_ceiling(src)?;
    let contract_font = load_contract_font(src, production)?;

    Ok(Settings {
        mode,
        base_url,
        bind,
        database_url: Secret::new(database_url.to_string()),
        database_max_connections,
        storage,
        mail,
        mail_from,
        secret_key: Secret::new(secret_key),
        upload_limit_bytes,
        seed_demo,
        log_format,
        outbox_max_attempts,
        institution,
        trust_forwarded,
        metrics_token,
        review_sla_business_days,
        fee_rate_ceiling,
        contract_font,
    })
}

/// The highest rate a fee schedule may hold: a percentage in (0, 100], default 5.
fn load_fee_rate_ceiling(src: &Source) -> Result<RatePpm, ConfigError> {
    let var = "GATEHOUSE_FEE_RATE_CEILING";
    let Some(v) = src.get(var) else {
        return Ok(RatePpm(50_000));
    };
    match RatePpm::parse_percent(v) {
        Ok(r) if r.0 > 0 && r.0 <= 1_000_000 => Ok(r),
        _ => Err(malformed(
            var,
            format!("expected a percentage above 0 and at most 100, got {v:?}"),
        )),
    }
}

/// Fonts Debian's fonts-noto-cjk and fonts-wqy packages install, in order of preference.
const CONTRACT_FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
];

/// `GATEHOUSE_CONTRACT_FONT` must name a usable CJK font; unset, a packaged one is looked for.
/// Production refuses to start without one (contract PDFs are part of onboarding).
fn load_contract_font(src: &Source, production: bool) -> Result<Option<PathBuf>, ConfigError> {
    let var = "GATEHOUSE_CONTRACT_FONT";
    if let Some(p) = src.get(var) {
        let path = PathBuf::from(p);
        app::backend::pdf::check_font(&path).map_err(|e| malformed(var, e))?;
        return Ok(Some(path));
    }
    let found = CONTRACT_FONTS
        .iter()
        .map(PathBuf::from)
        .find(|p| app::backend::pdf::check_font(p).is_ok());
    match found {
        None if production => Err(ConfigError::Missing {
            var: "GATEHOUSE_CONTRACT_FONT",
            why: " in production mode when no CJK font is installed (apt install fonts-noto-cjk)",
        }),
        f => Ok(f),
    }
}

fn parse_base_url(u: &str) -> Result<String, ConfigError> {
    let var = "GATEHOUSE_BASE_URL";
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .ok_or_else(|| malformed(var, "expected http://… or https://…"))?;
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() || rest.contains(['?', '#', ' ']) {
        return Err(malformed(
            var,
            "expected scheme://host[:port][/path] without query or fragment",
        ));
    }
    Ok(u.trim_end_matches('/').to_string())
}

fn load_storage(src: &Source) -> Result<StorageSettings, ConfigError> {
    match src.get("GATEHOUSE_STORAGE").unwrap_or("local") {
        "local" => Ok(StorageSettings::Local {
            root: PathBuf::from(src.get("GATEHOUSE_STORAGE_PATH").unwrap_or("./data/files")),
        }),
        "s3" => {
            let need = |var: &'static str| {
                src.required(var, " when GATEHOUSE_STORAGE=s3")
                    .map(str::to_string)
            };
            let checksum = match src.get("GATEHOUSE_S3_CHECKSUM").unwrap_or("when_required") {
                "when_required" => ChecksumMode::WhenRequired,
                "when_supported" => ChecksumMode::WhenSupported,
                v => {
                    return Err(malformed(
                        "GATEHOUSE_S3_CHECKSUM",
                        format!("expected when_required or when_supported, got {v:?}"),
                    ))
                }
            };
            let endpoint = src.get("GATEHOUSE_S3_ENDPOINT").map(str::to_string);
            if let Some(e) = &endpoint {
                if !(e.starts_with("http://") || e.starts_with("https://")) {
                    return Err(malformed(
                        "GATEHOUSE_S3_ENDPOINT",
                        "expected http://… or https://…",
                    ));
                }
            }
            Ok(StorageSettings::S3(S3Settings {
                endpoint,
                region: src
                    .get("GATEHOUSE_S3_REGION")
                    .unwrap_or("us-east-1")
                    .to_string(),
                bucket: need("GATEHOUSE_S3_BUCKET")?,
                access_key: need("GATEHOUSE_S3_ACCESS_KEY")?,
                secret_key: Secret::new(need("GATEHOUSE_S3_SECRET_KEY")?),
                path_style: src.flag("GATEHOUSE_S3_PATH_STYLE", true)?,
                checksum,
            }))
        }
        other => Err(malformed(
            "GATEHOUSE_STORAGE",
            format!("expected local or s3, got {other:?}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_from(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        load(&Source::from_map(vars)?)
    }

    const DB: (&str, &str) = ("DATABASE_URL", "postgres://u:p@127.0.0.1:5432/db");

    fn err_names(result: Result<Settings, ConfigError>, var: &str) {
        let err = result.expect_err("expected a configuration error");
        assert!(err.to_string().contains(var), "{err} should name {var}");
    }

    #[test]
    fn dev_defaults_need_only_the_database() {
        let s = load_from(&[DB]).unwrap();
        assert_eq!(s.mode, Mode::Dev);
        assert_eq!(s.base_url, "http://127.0.0.1:3000");
        assert!(matches!(s.mail, MailTransportSettings::DevMailbox));
        assert!(matches!(s.storage, StorageSettings::Local { .. }));
        assert_eq!(s.upload_limit_bytes, 10 * 1024 * 1024);
        assert!(s.secure_cookies(), "loopback counts as a secure context");
    }

    #[test]
    fn missing_database_url_is_named() {
        err_names(load_from(&[]), "DATABASE_URL");
    }

    #[test]
    fn malformed_values_are_named() {
        err_names(
            load_from(&[DB, ("GATEHOUSE_BIND", "localhost")]),
            "GATEHOUSE_BIND",
        );
        err_names(
            load_from(&[DB, ("GATEHOUSE_UPLOAD_LIMIT_BYTES", "ten")]),
            "GATEHOUSE_UPLOAD_LIMIT_BYTES",
        );
        err_names(
            load_from(&[DB, ("GATEHOUSE_MODE", "staging")]),
            "GATEHOUSE_MODE",
        );
        err_names(
            load_from(&[DB, ("GATEHOUSE_BASE_URL", "example.com")]),
            "GATEHOUSE_BASE_URL",
        );
        err_names(
            load_from(&[DB, ("GATEHOUSE_SMTP_URL", "mail.example.com")]),
            "GATEHOUSE_SMTP_URL",
        );
        err_names(
            load_from(&[DB, ("GATEHOUSE_SEED_DEMO", "maybe")]),
            "GATEHOUSE_SEED_DEMO",
        );
        err_names(
            load_from(&[DB, ("GATEHOUSE_SECRET_KEY", "c2hvcnQ=")]),
            "GATEHOUSE_SECRET_KEY",
        );
        err_names(load_from(&[("DATABASE_URL", "mysql://x")]), "DATABASE_URL");
    }

    #[test]
    fn fee_ceiling_and_contract_font_are_checked() {
        for bad in ["abc", "0", "101", "-1"] {
            err_names(
                load_from(&[DB, ("GATEHOUSE_FEE_RATE_CEILING", bad)]),
                "GATEHOUSE_FEE_RATE_CEILING",
            );
        }
        let s = load_from(&[DB, ("GATEHOUSE_FEE_RATE_CEILING", "2.5")]).unwrap();
        assert_eq!(s.fee_rate_ceiling, RatePpm(25_000));
        err_names(
            load_from(&[DB, ("GATEHOUSE_CONTRACT_FONT", "/nonexistent/font.ttc")]),
            "GATEHOUSE_CONTRACT_FONT",
        );
        // A file that is not a font is refused too.
        err_names(
            load_from(&[DB, ("GATEHOUSE_CONTRACT_FONT", "/etc/hostname")]),
            "GATEHOUSE_CONTRACT_FONT",
        );
    }

    #[test]
    fn s3_needs_its_settings_and_names_them() {
        err_names(
            load_from(&[DB, ("GATEHOUSE_STORAGE", "s3")]),
            "GATEHOUSE_S3_BUCKET",
        );
        err_names(
            load_from(&[
                DB,
                ("GATEHOUSE_STORAGE", "s3"),
                ("GATEHOUSE_S3_BUCKET", "b"),
            ]),
            "GATEHOUSE_S3_ACCESS_KEY",
        );
        err_names(
            load_from(&[
                DB,
                ("GATEHOUSE_STORAGE", "s3"),
                ("GATEHOUSE_S3_BUCKET", "b"),
                ("GATEHOUSE_S3_ACCESS_KEY", "k"),
                ("GATEHOUSE_S3_SECRET_KEY", "s"),
                ("GATEHOUSE_S3_CHECKSUM", "always"),
            ]),
            "GATEHOUSE_S3_CHECKSUM",
        );
        err_names(
            load_from(&[DB, ("GATEHOUSE_STORAGE", "ftp")]),
            "GATEHOUSE_STORAGE",
        );
    }

    #[test]
    fn production_refuses_dev_only_things() {
        let prod = [
            DB,
            ("GATEHOUSE_MODE", "production"),
            ("GATEHOUSE_BASE_URL", "https://gatehouse.example.com"),
            (
                "GATEHOUSE_SMTP_URL",
                "smtp://mail.example.com:587?tls=required",
            ),
            (
                "GATEHOUSE_SECRET_KEY",
                "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=",
            ),
        ];
        let ok = load_from(&prod).unwrap();
        assert!(ok.is_production());
        assert_eq!(ok.log_format, LogFormat::Json);

        let without = |var: &str| {
            prod.iter()
                .copied()
                .filter(|(k, _)| *k != var)
                .collect::<Vec<_>>()
        };
        err_names(
            load_from(&without("GATEHOUSE_SMTP_URL")),
            "GATEHOUSE_SMTP_URL",
        );
        err_names(
            load_from(&without("GATEHOUSE_SECRET_KEY")),
            "GATEHOUSE_SECRET_KEY",
        );
        err_names(
            load_from(&without("GATEHOUSE_BASE_URL")),
            "GATEHOUSE_BASE_URL",
        );

        let mut insecure = without("GATEHOUSE_BASE_URL");
        insecure.push(("GATEHOUSE_BASE_URL", "http://gatehouse.example.com"));
        err_names(load_from(&insecure), "GATEHOUSE_BASE_URL");

        let mut demo = prod.to_vec();
        demo.push(("GATEHOUSE_SEED_DEMO", "true"));
        err_names(load_from(&demo), "GATEHOUSE_SEED_DEMO");
    }

    #[test]
    fn file_values_are_read_and_environment_wins() {
        let dir = std::env::temp_dir().join(format!("gh-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("gatehouse.env");
        std::fs::write(
            &file,
            "# comment\nDATABASE_URL=postgres://file/db\nGATEHOUSE_UPLOAD_LIMIT_BYTES=1234\nGATEHOUSE_BIND=127.0.0.1:4000\n",
        )
        .unwrap();
        let s = load_from(&[
            ("GATEHOUSE_CONFIG_FILE", file.to_str().unwrap()),
            ("GATEHOUSE_BIND", "127.0.0.1:5000"),
        ])
        .unwrap();
        assert_eq!(s.upload_limit_bytes, 1234);
        assert_eq!(s.bind.port(), 5000);
        assert_eq!(s.database_url.expose(), "postgres://file/db");

        std::fs::write(&file, "not a pair\n").unwrap();
        let err = load_from(&[("GATEHOUSE_CONFIG_FILE", file.to_str().unwrap())]).unwrap_err();
        assert!(
            err.to_string().contains("GATEHOUSE_CONFIG_FILE") && err.to_string().contains("line 1")
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn settings_debug_hides_secrets() {
        let s = load_from(&[("DATABASE_URL", "postgres://u:topsecretpw@h/db")]).unwrap();
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("topsecretpw"));
    }
}
