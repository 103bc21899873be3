//! Prometheus metrics: request counts and latency histograms by route, the outbox backlog.
//! Hand-rolled on atomics: a handful of series, no registry crate needed.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::startup::ServerState;

/// Upper bounds in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum_secs: f64,
    buckets: [u64; BUCKETS.len()],
}

/// (route, method, status)
type Key = (String, String, u16);

#[derive(Default, Clone)]
pub struct Metrics {
    inner: Arc<Mutex<HashMap<Key, Series>>>,
}

impl Metrics {
    fn observe(&self, route: String, method: String, status: u16, secs: f64) {
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let s = map.entry((route, method, status)).or_default();
        s.count += 1;
        s.sum_secs += secs;
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                s.buckets[i] += 1;
            }
        }
    }

    fn render(&self, out: &mut String) {
        let map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut keys: Vec<_> = map.keys().collect();
        keys.sort();
        out.push_str(
            "# HELP gatehouse_http_requests_total HTTP requests by route, method and status.\n",
        );
        out.push_str("# TYPE gatehouse_http_requests_total counter\n");
        for k in &keys {
            let s = &map[*k];
            let _ = writeln!(
                out,
                "gatehouse_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}",
                k.0, k.1, k.2, s.count
            );
        }
        out.push_str(
            "# HELP gatehouse_http_request_duration_seconds HTTP request latency by route.\n",
        );
        out.push_str("# TYPE gatehouse_http_request_duration_seconds histogram\n");
        for k in &keys {
            let s = &map[*k];
            let labels = format!("route=\"{}\",method=\"{}\",status=\"{}\"", k.0, k.1, k.2);
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "gatehouse_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "gatehouse_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "gatehouse_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_secs
            );
            let _ = writeln!(
                out,
                "gatehouse_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
    }
}

/// Route label: the matched route pattern, never the raw path (unbounded cardinality).
fn route_label(req: &Request) -> String {
    if let Some(p) = req.extensions().get::<MatchedPath>() {
        return p.as_str().to_string();
    }
    let path = req.uri().path();
    if path.starts_with("/api/") {
        // Server functions have stable endpoint names.
        path.to_string()
    } else if path.starts_with("/pkg/") {
        "/pkg/*".to_string()
    } else {
        "other".to_string()
    }
}

pub async fn track(State(state): State<ServerState>, req: Request, next: Next) -> Response {
    let route = route_label(&req);
    let method = req.method().to_string();
    let start = Instant::now();
    let resp = next.run(req).await;
    state.metrics.observe(
        route,
        method,
        resp.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    resp
}

pub async fn handler(State(state): State<ServerState>, headers: axum::http::HeaderMap) -> Response {
    // Operators only, when a token is configured (otherwise keep /metrics on a private network).
    if let Some(token) = &state.app.settings.metrics_token {
        let expected = format!("Bearer {}", token.expose());
        if headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            != Some(expected.as_str())
        {
            return axum::http::StatusCode::UNAUTHORIZED.into_response();
        }
    }
    let mut out = String::with_capacity(8 * 1024);
    state.metrics.render(&mut out);
    match app::backend::db::outbox::backlog(&state.app.db).await {
        Ok((pending, failed)) => {
            out.push_str("# HELP gatehouse_outbox_pending Mail messages waiting for delivery.\n# TYPE gatehouse_outbox_pending gauge\n");
            let _ = writeln!(out, "gatehouse_outbox_pending {pending}");
            out.push_str("# HELP gatehouse_outbox_failed Mail messages given up after the maximum attempts.\n# TYPE gatehouse_outbox_failed gauge\n");
            let _ = writeln!(out, "gatehouse_outbox_failed {failed}");
        }
        Err(e) => tracing::warn!(error = %e, "metrics: outbox backlog query failed"),
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        out,
    )
        .into_response()
}
