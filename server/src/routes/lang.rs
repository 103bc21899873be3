//! `/lang/{code}?next=…`: remembers the chosen language (cookie, and the user's preference
//! for emails when signed in) and goes back. A plain link, so it works without JavaScript.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;

use app::backend::request::{RequestCtx, LANG_COOKIE};
use app::domain::lang::Lang;

use crate::startup::ServerState;

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

pub async fn switch(
    State(state): State<ServerState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(code): Path<String>,
    Query(q): Query<Next>,
) -> Response {
    // Public: anyone may choose a language.
    let Some(lang) = Lang::parse(&code) else {
        return crate::startup::not_found();
    };
    if let Ok(Some(user)) = app::backend::auth::current_user(&state.app, &ctx).await {
        if let Err(e) = app::backend::db::users::set_lang(&state.app.db, user.id, lang.code()).await
        {
            tracing::warn!(error = %e, "could not store the language preference");
        }
    }
    let next = q
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\"))
        .unwrap_or_else(|| "/".into());
    let secure = if state.app.settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{secure}",
        lang.code()
    );
    let mut resp = Redirect::to(&next).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}
