//! What the server knows about the request in hand: the session cookie, client address,
//! language and (loaded at most once) the signed-in user. Put into the request's extensions
//! by `server::startup`'s middleware; read by handlers, server functions and SSR.

use std::sync::Arc;

use tokio::sync::OnceCell;

use super::auth::CurrentUser;
use super::secret::Secret;
use crate::domain::lang::Lang;

/// Name of the language cookie (shared with leptos_i18n, which reads it on the client too).
pub const LANG_COOKIE: &str = "i18n_pref_locale";

#[derive(Clone)]
pub struct RequestCtx {
    pub session_token: Option<Secret<String>>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub lang: Lang,
    pub request_id: String,
    /// Whether the request came over https (directly or per the trusted proxy).
    pub https: bool,
    pub(crate) user: Arc<OnceCell<Option<CurrentUser>>>,
}

impl RequestCtx {
    pub fn new(
        session_token: Option<String>,
        ip: Option<String>,
        user_agent: Option<String>,
        lang: Lang,
        request_id: String,
        https: bool,
    ) -> Self {
        Self {
            session_token: session_token.map(Secret::new),
            ip,
            user_agent,
            lang,
            request_id,
            https,
            user: Arc::new(OnceCell::new()),
        }
    }

    /// A context for work outside any HTTP request (CLI, worker, tests).
    pub fn background() -> Self {
        Self::new(
            None,
            None,
            None,
            Lang::default(),
            "background".into(),
            false,
        )
    }
}

/// Reads a cookie's value from a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v.trim_matches('"'))
    })
}

/// The language: the user's explicit choice (cookie), else `Accept-Language`, else Chinese.
pub fn negotiate_lang(cookie_header: Option<&str>, accept_language: Option<&str>) -> Lang {
    cookie_header
        .and_then(|c| cookie_value(c, LANG_COOKIE))
        .and_then(Lang::parse)
        .or_else(|| accept_language.map(Lang::from_accept_language))
        .unwrap_or_default()
}

/// The request context of the server function or page being rendered, if any.
pub fn current() -> Option<RequestCtx> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<RequestCtx>().cloned())
}

/// The language of the current request (Chinese outside of one).
pub fn current_lang() -> Lang {
    current().map(|c| c.lang).unwrap_or_default()
}

/// The refusal text for a cross-site request, in the user's language.
pub fn csrf_message(lang: Lang) -> &'static str {
    use crate::i18n::*;
    td_string!(lang.locale(), errors.csrf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_parsing() {
        let h = "a=1; __Host-gh_session=abc; i18n_pref_locale=en";
        assert_eq!(cookie_value(h, "__Host-gh_session"), Some("abc"));
        assert_eq!(cookie_value(h, "i18n_pref_locale"), Some("en"));
        assert_eq!(cookie_value(h, "missing"), None);
    }

    #[test]
    fn cookie_choice_beats_accept_language() {
        assert_eq!(
            negotiate_lang(Some("i18n_pref_locale=en"), Some("zh-CN")),
            Lang::En
        );
        assert_eq!(negotiate_lang(None, Some("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(
            negotiate_lang(Some("i18n_pref_locale=xx"), Some("en")),
            Lang::En
        );
        assert_eq!(negotiate_lang(None, None), Lang::Zh);
    }
}
