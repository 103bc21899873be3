//! Form pieces with inline, per-field errors from the server (or from instant client checks).
//! They render plain HTML that posts without JavaScript.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::error::{AppError, FieldErrors};
use crate::i18n::*;

/// The field errors of the latest result of a server action, if it failed validation.
pub fn field_errors<O: Clone + Send + Sync + 'static>(
    value: impl Fn() -> Option<Result<O, AppError>> + Send + Sync + 'static,
) -> Signal<Option<FieldErrors>> {
    Signal::derive(move || {
        value()
            .and_then(|r| r.err())
            .and_then(|e| e.field_errors().cloned())
    })
}

/// Errors of a server action: its field errors (for [`Field`]) and anything else (for
/// [`FormAlert`]).
pub fn action_errors<S>(
    action: ServerAction<S>,
) -> (Signal<Option<FieldErrors>>, Signal<Option<AppError>>)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let value = action.value();
    let fields = field_errors(move || value.get());
    let other = Signal::derive(move || {
        value.get().and_then(|r| r.err()).and_then(|e| match &e {
            AppError::Validation(f) => f.get("form").map(|m| AppError::Transport(m.to_string())),
            _ => Some(e),
        })
    });
    (fields, other)
}

#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] value: Option<String>,
    #[prop(into)] errors: Signal<Option<FieldErrors>>,
    #[prop(optional)] inputmode: Option<&'static str>,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-err");
    let hint_id = format!("{id}-hint");
    let error = move || errors.get().and_then(|e| e.get(name).map(str::to_string));
    // Secrets are never echoed back into the form.
    let echo = kind != "password";
    let current = move || {
        errors
            .get()
            .and_then(|e| e.value(name).map(str::to_string))
            .filter(|_| echo)
            .or_else(|| value.clone())
            .unwrap_or_default()
    };
    view! {
        <div class="field" class:has-error=move || error().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                required=required
                // The attribute only: a property binding would be set again at hydration and
                // wipe what someone typed before the page became interactive.
                value=current
                aria-invalid=move || if error().is_some() { "true" } else { "false" }
                aria-describedby=format!("{hint_id} {err_id}")
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <p class="error" id=err_id role="alert">{error}</p>
        </div>
    }
}

/// A form-level error (wrong credentials, throttling, conflicts, server trouble).
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }
        })
    }
}

/// A success notice.
#[component]
pub fn Notice(children: Children) -> impl IntoView {
    view! { <div class="alert alert-ok" role="status">{children()}</div> }
}

/// A submit button that says it is working while the action is pending.
#[component]
pub fn Submit(
    label: &'static str,
    #[prop(into)] pending: Signal<bool>,
    #[prop(optional)] class: Option<&'static str>,
) -> impl IntoView {
    let i18n = use_i18n();
    let working = t_string!(i18n, common.working);
    view! {
        <button type="submit" class=class.unwrap_or("btn btn-primary") disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
            {move || if pending.get() { working } else { label }}
        </button>
    }
}

/// A failed load: the message, and a way in when the session ended.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    let login = matches!(error, AppError::Unauthenticated(_));
    view! {
        <div class="alert alert-error" role="alert">
            <p>{error.to_string()}</p>
            {login.then(|| view! { <p><a href="/login" rel="external">{t!(i18n, nav.login)}</a></p> })}
        </div>
    }
}
