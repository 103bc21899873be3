//! The command line: `gatehouse serve | migrate | user create | audit verify`.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{bail, Context};
use app::backend::audit::{self, Actor, Event, Verification};
use app::backend::settings::Settings;
use app::backend::state::AppState;
use app::backend::{crypto, db};
use app::domain::contact::Email;
use app::domain::roles::Role;
use clap::{Parser, Subcommand};
use serde_json::json;

use crate::{config, startup, telemetry};

#[derive(Parser)]
#[command(
    name = "gatehouse",
    about = "Merchant onboarding and compliance back-office",
    version
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Apply migrations, start the worker and serve HTTP (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// User administration.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Audit log tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Dev mode only: bulk applications in the review queue, for `make bench`.
    BenchSeed {
        #[arg(long, default_value_t = 100_000)]
        applications: i64,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a staff user (the first admin on an empty database, for instance). Without
    /// --password-stdin, prints a one-time set-password link.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long, default_value = "")]
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; name the first broken row (exit code 1) or report it intact.
    Verify,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).filter(|r| r.is_staff()).ok_or_else(|| {
        "expected one of reviewer, compliance_lead, account_manager, admin".to_string()
    })
}

fn settings() -> anyhow::Result<Settings> {
    let src = config::Source::from_env()?;
    Ok(config::load(&src)?)
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = settings()?;
    telemetry::init(settings.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            let state = startup::build_state(settings).await?;
            println!("migrations applied");
            state.db.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    role,
                    name,
                    password_stdin,
                },
        } => {
            let state = startup::build_state(settings).await?;
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("reading the password from stdin")?;
                Some(line.trim_end_matches(['\r', '\n']).to_string())
            } else {
                None
            };
            create_user(&state, &email, role, &name, password).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchSeed { applications } => {
            if settings.is_production() {
                bail!("bench-seed refuses to run in production mode");
            }
            let state = startup::build_state(settings).await?;
            let n = app::backend::db::bench::seed_applications(&state.db, applications).await?;
            println!("added {n} applications to the review queue");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let state = startup::build_state(settings).await?;
            match audit::verify(&state.db).await? {
                Verification::Intact { rows } => {
                    println!("audit chain intact: {rows} rows");
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken { seq, reason } => {
                    println!("audit chain broken at row {seq}: {reason}");
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<ExitCode> {
    let bind = settings.bind;
    let seed = settings.seed_demo;
    let base_url = settings.base_url.clone();
    let state = startup::build_state(settings).await?;
    if seed {
        let logins = app::backend::services::demo::seed(&state)
            .await
            .map_err(|e| anyhow::anyhow!("seeding demo data: {e}"))?;
        println!(
            "\nDemo accounts (dev mode only), password {:?}:",
            app::backend::services::demo::DEMO_PASSWORD
        );
        for l in logins {
            println!("  {:<16} {}", l.role.as_str(), l.email);
        }
        println!();
    }
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("binding {bind} (GATEHOUSE_BIND)"))?;
    let running = startup::spawn(state, listener).await?;
    tracing::info!(addr = %running.addr, "Gatehouse is serving on {base_url}");
    println!("Gatehouse is ready on {base_url}");
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.stop().await;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Creates a staff user, verified. With a password, it is checked against the policy;
/// without one, a one-time set-password link (72 h) is printed.
pub async fn create_user(
    state: &AppState,
    email: &str,
    role: Role,
    name: &str,
    password: Option<String>,
) -> anyhow::Result<()> {
    let email =
        Email::parse(email).map_err(|_| anyhow::anyhow!("--email: not a valid email address"))?;
    let hash = match &password {
        Some(p) => {
            if let Err(problem) =
                app::backend::services::accounts::check_password(p, &[email.as_str()])
            {
                bail!(
                    "password refused: {}",
                    problem.message(app::domain::lang::Lang::En)
                );
            }
            Some(
                crypto::hash_password_blocking(p.clone())
                    .await
                    .map_err(|e| anyhow::anyhow!(e))?,
            )
        }
        None => None,
    };
    let name = if name.trim().is_empty() {
        email.as_str().split('@').next().unwrap_or("").to_string()
    } else {
        name.trim().to_string()
    };
    let mut tx = state.db.begin().await?;
    let new = db::users::NewUser {
        organisation_id: None,
        email: email.as_str(),
        name: &name,
        mobile: None,
        role: role.as_str(),
        password_hash: hash.as_deref(),
        lang: "zh-CN",
        verified: true,
    };
    let Some(id) = db::users::insert(&mut tx, &new).await? else {
        bail!("a user with email {email} already exists");
    };
    audit::append(
        &mut tx,
        &Actor::system("cli"),
        Event {
            action: "user.created",
            object_type: "user",
            object_id: id.to_string(),
            details: json!({"email": email.as_str(), "role": role.as_str()}),
        },
    )
    .await?;
    let link = if password.is_none() {
        let token = crypto::random_token(32);
        db::users::insert_token(
            &mut tx,
            &crypto::sha256(token.as_bytes()),
            id,
            "set_password",
            chrono::Utc::now() + chrono::Duration::hours(72),
        )
        .await?;
        Some(state.settings.url(&format!("/set-password?token={token}")))
    } else {
        None
    };
    tx.commit().await?;
    println!("created {} user {email}", role.as_str());
    if let Some(link) = link {
        println!("set the password within 72 hours (one use): {link}");
    }
    Ok(())
}
