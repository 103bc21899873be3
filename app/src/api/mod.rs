//! Server functions, one module per area, each at a stable endpoint under `/api/`. Every
//! function authorises first (in the service it calls), validates, calls a service and maps
//! errors. Types here cross the wire, so they are plain serde structs.

pub mod account;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod dashboard;
pub mod fees;
pub mod portal;
pub mod review;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use leptos::prelude::*;

    use crate::backend::request::{self, RequestCtx};
    use crate::backend::state::AppState;
    use crate::error::AppError;

    /// The app state and this request's context. Missing only if the server is miswired.
    pub fn request() -> Result<(AppState, RequestCtx), AppError> {
        let state = use_context::<AppState>()
            .ok_or_else(|| AppError::internal("AppState missing from context"))?;
        let ctx = request::current()
            .ok_or_else(|| AppError::internal("RequestCtx missing from request"))?;
        Ok((state, ctx))
    }

    fn accepts_html() -> bool {
        use_context::<http::request::Parts>()
            .and_then(|p| {
                p.headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(|a| a.contains("text/html"))
            })
            .unwrap_or(false)
    }

    /// Gives API clients (fetch from the hydrated app, scripts, tests) the right HTTP status for
    /// an error. Browsers posting a form without JavaScript keep leptos' redirect back to the
    /// form, which then shows the error.
    pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(e) = &result {
            if !accepts_html() {
                if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
                    opts.set_status(
                        http::StatusCode::from_u16(e.status_code())
                            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
                    );
                    if let AppError::TooManyRequests {
                        retry_after_secs, ..
                    } = e
                    {
                        if let Ok(v) = http::HeaderValue::from_str(&retry_after_secs.to_string()) {
                            opts.insert_header(http::header::RETRY_AFTER, v);
                        }
                    }
                }
            }
        }
        result
    }

    /// Sends a navigation to `target` to form posts made without JavaScript; JavaScript callers
    /// get the target in the result and navigate themselves.
    pub fn redirect_no_js(target: &str) {
        if accepts_html() {
            leptos_axum::redirect(target);
        }
    }

    pub fn set_cookie(value: &str) {
        if let (Some(opts), Ok(v)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(value),
        ) {
            opts.append_header(http::header::SET_COOKIE, v);
        }
    }

    /// Only local paths are followed after login, so `next` cannot send anyone off-site.
    pub fn safe_next(next: Option<&str>, fallback: &str) -> String {
        match next {
            Some(n)
                if n.starts_with('/')
                    && !n.starts_with("//")
                    && !n.starts_with("/\\")
                    && !n.contains(['\r', '\n']) =>
            {
                n.to_string()
            }
            _ => fallback.to_string(),
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::ssr::safe_next;

    #[test]
    fn next_must_be_local() {
        assert_eq!(safe_next(Some("/portal?x=1"), "/"), "/portal?x=1");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "/a\r\nSet-Cookie: x",
        ] {
            assert_eq!(safe_next(Some(bad), "/home"), "/home", "{bad}");
        }
        assert_eq!(safe_next(None, "/home"), "/home");
    }
}
