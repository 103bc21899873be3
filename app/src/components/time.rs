//! Times are shown in China Standard Time (UTC+8, no daylight saving), the same on the server
//! and in the browser so hydration never disagrees.

use chrono::{DateTime, FixedOffset, Utc};
use leptos::prelude::*;

pub fn cst(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("valid offset"))
}

pub fn format_cst(at: DateTime<Utc>) -> String {
    cst(at).format("%Y-%m-%d %H:%M").to_string()
}

/// Today's date in China as `YYYY-MM-DD` (a form's default date).
pub fn today_string() -> String {
    cst(Utc::now()).format("%Y-%m-%d").to_string()
}

#[component]
pub fn When(at: DateTime<Utc>) -> impl IntoView {
    view! { <time datetime=at.to_rfc3339()>{format_cst(at)}</time> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_china_standard_time() {
        let t = DateTime::parse_from_rfc3339("2026-11-26T16:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_cst(t), "2026-11-27 00:30");
    }
}
