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
    UsccLength,
    UsccCharacters,
    UsccCheckDigit,
    ResidentIdFormat,
    ResidentIdCheckDigit,
    ResidentIdBirthDate,
    Under18,
    IdNumberFormat,
    CnapsFormat,
    AccountNumberFormat,
    Negative,
    NotANumber,
    TooManyDecimals { max: u32 },
    TooLarge,
    ShareOutOfRange,
    DateInvalid,
    DateOrder,
    ChoiceInvalid,
    UrlInvalid,
    PhoneInvalid,
    MinAboveMax,
    RateAboveCeiling { ceiling_ppm: i64 },
    FloorAboveRate,
    TiersNotIncreasing,
    NoLines,
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
            Problem::UsccLength => td_string!(l, problems.uscc_length).to_string(),
            Problem::UsccCharacters => td_string!(l, problems.uscc_characters).to_string(),
            Problem::UsccCheckDigit => td_string!(l, problems.uscc_check_digit).to_string(),
            Problem::ResidentIdFormat => td_string!(l, problems.resident_id_format).to_string(),
            Problem::ResidentIdCheckDigit => {
                td_string!(l, problems.resident_id_check_digit).to_string()
            }
            Problem::ResidentIdBirthDate => {
                td_string!(l, problems.resident_id_birth_date).to_string()
            }
            Problem::Under18 => td_string!(l, problems.under_18).to_string(),
            Problem::IdNumberFormat => td_string!(l, problems.id_number_format).to_string(),
            Problem::CnapsFormat => td_string!(l, problems.cnaps_format).to_string(),
            Problem::AccountNumberFormat => {
                td_string!(l, problems.account_number_format).to_string()
            }
            Problem::Negative => td_string!(l, problems.negative).to_string(),
            Problem::NotANumber => td_string!(l, problems.not_a_number).to_string(),
            Problem::TooManyDecimals { max } => {
                td_string!(l, problems.too_many_decimals, max = max)
            }
            Problem::TooLarge => td_string!(l, problems.too_large).to_string(),
            Problem::ShareOutOfRange => td_string!(l, problems.share_out_of_range).to_string(),
            Problem::DateInvalid => td_string!(l, problems.date_invalid).to_string(),
            Problem::DateOrder => td_string!(l, problems.date_order).to_string(),
            Problem::ChoiceInvalid => td_string!(l, problems.choice_invalid).to_string(),
            Problem::UrlInvalid => td_string!(l, problems.url_invalid).to_string(),
            Problem::PhoneInvalid => td_string!(l, problems.phone_invalid).to_string(),
            Problem::MinAboveMax => td_string!(l, problems.min_above_max).to_string(),
            Problem::RateAboveCeiling { ceiling_ppm } => td_string!(
                l,
                problems.rate_above_ceiling,
                ceiling = super::money::RatePpm(ceiling_ppm).percent_string()
            ),
            Problem::FloorAboveRate => td_string!(l, problems.floor_above_rate).to_string(),
            Problem::TiersNotIncreasing => td_string!(l, problems.tiers_not_increasing).to_string(),
            Problem::NoLines => td_string!(l, problems.no_lines).to_string(),
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
