//! Builds the application: state, router, layers (request id, tracing, metrics, security
//! headers, CSRF/origin check, request context, page access) and the Leptos routes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use app::backend::auth;
use app::backend::mail::Mailer;
use app::backend::request::{negotiate_lang, RequestCtx};
use app::backend::settings::Settings;
use app::backend::state::AppState;
use app::backend::storage::Storage;
use app::domain::access::{page_access, PageAccess};
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::extract::{ConnectInfo, FromRef, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::Router;
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::postgres::PgPoolOptions;
use tokio_util::sync::CancellationToken;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use crate::routes;
use crate::routes::metrics::Metrics;

/// What axum handlers share. Server functions get `AppState` through Leptos context.
#[derive(Clone, FromRef)]
pub struct ServerState {
    pub leptos_options: LeptosOptions,
    pub app: AppState,
    pub metrics: Metrics,
}

/// Connects to the database (applying migrations), storage and mail.
pub async fn build_state(settings: Settings) -> anyhow::Result<AppState> {
    let db = PgPoolOptions::new()
        .max_connections(settings.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(settings.database_url.expose())
        .await
        .context("connecting to PostgreSQL (DATABASE_URL)")?;
    migrate(&db).await?;
    let storage = Storage::from_settings(&settings.storage, settings.secret_key.clone())
        .await
        .context("opening storage (GATEHOUSE_STORAGE)")?;
    let mailer =
        Mailer::from_settings(&settings, &db).context("configuring mail (GATEHOUSE_SMTP_URL)")?;
    Ok(AppState {
        db,
        storage,
        mailer,
        settings: Arc::new(settings),
    })
}

pub async fn migrate(db: &sqlx::PgPool) -> anyhow::Result<()> {
    sqlx::migrate!("../migrations")
        .run(db)
        .await
        .context("applying database migrations")?;
    Ok(())
}

pub fn leptos_options(settings: &Settings) -> LeptosOptions {
    let site_root = std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
    let env = match std::env::var("LEPTOS_ENV").as_deref() {
        Ok("PROD") | Ok("prod") | Ok("production") => Env::PROD,
        _ if settings.is_production() => Env::PROD,
        _ => Env::DEV,
    };
    LeptosOptions::builder()
        .output_name("gatehouse")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .site_addr(settings.bind)
        .env(env)
        .build()
}

pub fn router(state: AppState, metrics: Metrics) -> Router {
    let leptos_options = leptos_options(&state.settings);
    let server_state = ServerState {
        leptos_options: leptos_options.clone(),
        app: state.clone(),
        metrics,
    };
    let routes = generate_route_list(app::App);
    let ctx_state = state.clone();
    let additional_context = move || {
        provide_context(ctx_state.clone());
        // The CSP nonce chosen by the security-headers middleware for this response.
        if let Some(n) = use_context::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<CspNonce>().cloned())
        {
            provide_context(leptos::nonce::Nonce::from_value(n.0));
        }
    };
    let site_root = leptos_options.site_root.to_string();

    let router = Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/metrics", get(routes::metrics::handler))
        .route("/lang/{code}", get(routes::lang::switch))
        .route("/files/{*key}", get(routes::files::signed_download))
        .route("/documents/{id}", get(routes::documents::view))
        .route("/admin/audit.csv", get(routes::audit::export))
        .route(
            "/fees/contracts/{id}/pdf",
            get(routes::contracts::staff_pdf),
        )
        .route(
            "/portal/contract/{id}/pdf",
            get(routes::contracts::merchant_pdf),
        )
        .route(
            "/portal/documents/upload",
            post(routes::documents::upload)
                // The stream is limited exactly while it is stored; this only bounds the form around it.
                .layer(DefaultBodyLimit::max(
                    state.settings.upload_limit_bytes as usize + 1024 * 1024,
                )),
        );
    routes::assets::mount(router, &site_root)
        .leptos_routes_with_context(&server_state, routes, additional_context, {
            let o = leptos_options.clone();
            move || app::shell(o.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<ServerState, _>(
            {
                let s = state.clone();
                move || provide_context(s.clone())
            },
            app::shell,
        ))
        .layer(middleware::from_fn_with_state(server_state.clone(), guard_pages))
        .layer(middleware::from_fn_with_state(server_state.clone(), request_context))
        .layer(middleware::from_fn_with_state(server_state.clone(), check_origin))
        .layer(middleware::from_fn_with_state(server_state.clone(), security_headers))
        .layer(middleware::from_fn_with_state(server_state.clone(), routes::metrics::track))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req.extensions().get::<RequestId>().and_then(|r| r.header_value().to_str().ok()).unwrap_or("");
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(server_state)
}

/// A running app: its address and a way to stop it (tests start many).
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: CancellationToken,
    handle: tokio::task::JoinHandle<()>,
}

impl Running {
    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.handle.await;
    }
}

/// Serves on `listener` with the outbox worker alongside, until stopped.
pub async fn spawn(state: AppState, listener: tokio::net::TcpListener) -> anyhow::Result<Running> {
    let addr = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let app = router(state.clone(), Metrics::default());
    let worker = tokio::spawn(crate::worker::run(state.clone(), shutdown.clone()));
    let stop = shutdown.clone();
    let handle = tokio::spawn(async move {
        // Without TCP_NODELAY a response written in two segments waits for a delayed ACK (40 ms).
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let server = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { stop.cancelled().await });
        if let Err(e) = server.await {
            tracing::error!(error = %e, "server stopped with an error");
        }
        let _ = worker.await;
    });
    Ok(Running {
        addr,
        state,
        shutdown,
        handle,
    })
}

// --- middleware ------------------------------------------------------------------------------

#[derive(Clone)]
pub struct CspNonce(pub String);

/// CSP with a per-response nonce for Leptos' hydration script, no framing, no sniffing, a
/// strict referrer policy, HSTS over https. A handler that sets its own CSP (document
/// previews) keeps it.
async fn security_headers(
    State(state): State<ServerState>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = app::backend::crypto::random_token(16);
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        let dev_reload = if state.leptos_options.env == Env::DEV {
            " ws://127.0.0.1:3001"
        } else {
            ""
        };
        let csp = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data: blob:; font-src 'self'; connect-src 'self'{dev_reload}; object-src 'none'; \
             base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        );
        if let Ok(v) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !h.contains_key(header::X_FRAME_OPTIONS) {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if state.app.settings.serves_https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    resp
}

/// CSRF: a state-changing request whose `Origin` or `Sec-Fetch-Site` shows another site is
/// refused. Requests without either (API clients, old browsers) pass: they carry no
/// ambient browser credentials of another site's making.
async fn check_origin(State(state): State<ServerState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let cross_by_fetch = matches!(fetch_site, Some(s) if s != "same-origin" && s != "none");
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let cross_by_origin = match origin {
        None => false,
        Some(o) => o != state.app.settings.origin() && Some(o) != request_origin(&req).as_deref(),
    };
    if cross_by_fetch || cross_by_origin {
        tracing::warn!(origin = ?origin, sec_fetch_site = ?fetch_site, path = %req.uri().path(), "cross-site request refused");
        let lang = negotiate_lang(
            headers.get(header::COOKIE).and_then(|v| v.to_str().ok()),
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        let msg = app::backend::request::csrf_message(lang);
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            msg,
        )
            .into_response();
    }
    next.run(req).await
}

/// `http://host` from the Host header, for deployments reached under more than one name.
fn request_origin(req: &Request) -> Option<String> {
    let host = req.headers().get(header::HOST)?.to_str().ok()?;
    let https = req.uri().scheme_str() == Some("https");
    Some(format!("{}://{host}", if https { "https" } else { "http" }))
}

fn client_ip(state: &ServerState, req: &Request) -> Option<String> {
    if state.app.settings.trust_forwarded {
        if let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
        {
            return Some(ip);
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// Puts the request's context (session cookie, client, language) into its extensions.
async fn request_context(
    State(state): State<ServerState>,
    mut req: Request,
    next: Next,
) -> Response {
    let headers = req.headers();
    let cookies = headers.get(header::COOKIE).and_then(|v| v.to_str().ok());
    let cookie_name = auth::session_cookie_name(state.app.settings.secure_cookies());
    let token = cookies
        .and_then(|c| app::backend::request::cookie_value(c, cookie_name))
        .filter(|t| !t.is_empty() && t.len() <= 128)
        .map(str::to_string);
    let lang = negotiate_lang(
        cookies,
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(300).collect::<String>());
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .and_then(|r| r.header_value().to_str().ok())
        .unwrap_or_default()
        .to_string();
    let https = state.app.settings.serves_https()
        || (state.app.settings.trust_forwarded
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                == Some("https"));
    let ip = client_ip(&state, &req);
    req.extensions_mut().insert(RequestCtx::new(
        token, ip, user_agent, lang, request_id, https,
    ));
    next.run(req).await
}

fn is_page_request(req: &Request) -> bool {
    let p = req.uri().path();
    *req.method() == Method::GET
        && !["/api/", "/pkg/", "/files/", "/lang/", "/sandbox/"]
            .iter()
            .any(|pre| p.starts_with(pre))
        && ![
            "/healthz",
            "/readyz",
            "/metrics",
            "/favicon.svg",
            "/favicon.ico",
            "/robots.txt",
        ]
        .contains(&p)
}

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response() // 303 See Other
}

fn login_redirect(req: &Request) -> Response {
    let here = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    see_other(&format!(
        "/login?next={}",
        app::components::layout::urlencode(here)
    ))
}

/// Page access before rendering: anonymous visitors go to the login page (303, with `next`),
/// half-finished logins to their next step, unverified merchants to the verification page;
/// a role without the permission gets the page with status 403 (its data calls fail too).
/// The page renders its own "not allowed" message; the status says so too.
async fn forbidden_page(next: Next, req: Request) -> Response {
    let mut resp = next.run(req).await;
    *resp.status_mut() = StatusCode::FORBIDDEN;
    resp
}

async fn guard_pages(State(state): State<ServerState>, req: Request, next: Next) -> Response {
    if !is_page_request(&req) {
        return next.run(req).await;
    }
    let access = page_access(req.uri().path());
    if access == PageAccess::Public {
        return next.run(req).await;
    }
    let Some(ctx) = req.extensions().get::<RequestCtx>().cloned() else {
        return next.run(req).await;
    };
    let user = match auth::current_user(&state.app, &ctx).await {
        Ok(u) => u,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    match (access, user) {
        (PageAccess::Verification, _) => next.run(req).await,
        (PageAccess::MfaStep, Some(u)) if !u.mfa_passed && u.totp_enabled => next.run(req).await,
        (PageAccess::MfaStep, _) => see_other("/login"),
        (PageAccess::MfaEnrolment, Some(u)) if u.mfa_passed || !u.totp_enabled => {
            next.run(req).await
        }
        (_, None) => login_redirect(&req),
        (_, Some(u)) if !u.mfa_passed => {
            if u.totp_enabled {
                see_other("/login/mfa")
            } else {
                see_other("/account/mfa")
            }
        }
        // Until verified, a user sees only "verify your email".
        (_, Some(u)) if !u.email_verified => see_other("/verify-email"),
        (PageAccess::Requires(p), Some(u)) if !u.role.can(p) => forbidden_page(next, req).await,
        (PageAccess::RequiresAny(ps), Some(u)) if !ps.iter().any(|p| u.role.can(*p)) => {
            forbidden_page(next, req).await
        }
        _ => next.run(req).await,
    }
}

/// A plain 404 for handlers outside Leptos.
pub fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Body::from("not found")).into_response()
}
