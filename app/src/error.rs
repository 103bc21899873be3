//! The one error type of server functions. Messages are already in the caller's language;
//! `Internal` is opaque to users (the cause chain goes to the log under a reference id).

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// One problem with one field of a form, for display next to that field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Field errors plus the submitted non-secret values, so a form posted without JavaScript
/// comes back filled in rather than empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors {
    pub errors: Vec<FieldError>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<(String, String)>,
}

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, message);
        e
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn value(&self, field: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.as_str())
    }

    pub fn with_value(mut self, field: &str, value: impl Into<String>) -> Self {
        self.values.push((field.to_string(), value.into()));
        self
    }

    /// `Ok(())` when empty, else the validation error.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{}", .0.errors.first().map(|e| e.message.as_str()).unwrap_or("invalid input"))]
    Validation(FieldErrors),
    /// Not signed in, or the session ended. The message is localised.
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// Someone else changed the thing first; the message says who or what.
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    /// Something broke on our side; `reference` finds the cause in the log.
    #[error("{message} ({reference})")]
    Internal { message: String, reference: String },
    /// The request never reached our code properly (network, encoding).
    #[error("{0}")]
    Transport(String),
}

impl AppError {
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Validation(f) => Some(f),
            _ => None,
        }
    }

    /// HTTP status for API callers (browsers posting forms get a redirect instead).
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Validation(_) => 422,
            AppError::Unauthenticated(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) => 409,
            AppError::TooManyRequests { .. } => 429,
            AppError::Internal { .. } => 500,
            AppError::Transport(_) => 400,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // Arguments that do not parse are the caller's mistake (400), not ours (500).
        #[cfg(feature = "ssr")]
        if matches!(
            value,
            ServerFnErrorErr::Args(_)
                | ServerFnErrorErr::Deserialization(_)
                | ServerFnErrorErr::MissingArg(_)
        ) {
            if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                opts.set_status(http::StatusCode::BAD_REQUEST);
            }
        }
        AppError::Transport(value.to_string())
    }
}

impl From<ServerFnErrorErr> for AppError {
    fn from(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
mod server {
    use super::AppError;

    impl AppError {
        /// Logs the whole cause chain under a fresh reference and returns the opaque error.
        pub fn internal<E: std::fmt::Display>(err: E) -> Self {
            let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
            tracing::error!(reference = %reference, error = %err, "internal error");
            let lang = crate::backend::request::current_lang();
            AppError::Internal {
                message: crate::i18n::td_string!(lang.locale(), errors.internal).to_string(),
                reference,
            }
        }
    }

    impl From<sqlx::Error> for AppError {
        fn from(e: sqlx::Error) -> Self {
            AppError::internal(format!("database: {e}"))
        }
    }
}
