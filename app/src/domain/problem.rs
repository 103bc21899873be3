//! Every way an input can be wrong, as data. The client shows the message next to the field
//! at once; the server returns the same message in the caller's language.

use serde::{Deserialize, Serialize};

use super::lang::Lang;
use crate::i18n::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    Required,
    TooLong { max: usize },
    EmailInvalid,
    MobileInvalid,
    PasswordTooShort,
    PasswordTooLong,
    PasswordTooCommon,
    PasswordsDiffer,
    RoleInvalid,
}

impl Problem {
    pub fn message(self, lang: Lang) -> String {
        let l = lang.locale();
        match self {
            Problem::Required => td_string!(l, problems.required).to_string(),
            Problem::TooLong { max } => td_string!(l, problems.too_long, max = max),
            Problem::EmailInvalid => td_string!(l, problems.email_invalid).to_string(),
            Problem::MobileInvalid => td_string!(l, problems.mobile_invalid).to_string(),
            Problem::PasswordTooShort => td_string!(
                l,
                problems.password_too_short,
                min = super::password::MIN_CHARS
            ),
            Problem::PasswordTooLong => td_string!(
                l,
                problems.password_too_long,
                max = super::password::MAX_CHARS
            ),
            Problem::PasswordTooCommon => td_string!(l, problems.password_too_common).to_string(),
            Problem::PasswordsDiffer => td_string!(l, problems.passwords_differ).to_string(),
            Problem::RoleInvalid => td_string!(l, problems.role_invalid).to_string(),
        }
    }
}

/// A non-empty trimmed text of at most `max` characters.
pub fn required_text(value: &str, max: usize) -> Result<String, Problem> {
    let v = value.trim();
    if v.is_empty() {
        Err(Problem::Required)
    } else if v.chars().count() > max {
        Err(Problem::TooLong { max })
    } else {
        Ok(v.to_string())
    }
}
