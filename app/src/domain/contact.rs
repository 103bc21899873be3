//! Email addresses and mainland mobile numbers.

use serde::{Deserialize, Serialize};

use super::problem::Problem;

/// A syntactically plausible address, trimmed and lower-cased (our unique key for users).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, Problem> {
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return Err(Problem::Required);
        }
        if s.len() > 254 {
            return Err(Problem::EmailInvalid);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(Problem::EmailInvalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"@,;:<>()[]\\\"".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| {
                tld.chars().count() >= 2 && !tld.chars().all(|c| c.is_ascii_digit())
            });
        if local_ok && domain_ok {
            Ok(Email(s))
        } else {
            Err(Problem::EmailInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mainland China mobile number: `1[3-9]` and nine more digits. Spaces, hyphens and a
/// leading +86 typed by a person are accepted and removed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mobile(String);

impl Mobile {
    pub fn parse(input: &str) -> Result<Mobile, Problem> {
        let mut s: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if s.is_empty() {
            return Err(Problem::Required);
        }
        for prefix in ["+86", "0086"] {
            if let Some(rest) = s.strip_prefix(prefix) {
                s = rest.to_string();
            }
        }
        let b = s.as_bytes();
        let ok = b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit);
        if ok {
            Ok(Mobile(s))
        } else {
            Err(Problem::MobileInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("  Li.Lei@Example.COM ").unwrap().as_str(),
            "li.lei@example.com"
        );
        assert!(Email::parse("张三@例子.中国").is_ok());
        for bad in [
            "",
            "plain",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            ".a@b.com",
            "a..b@c.com",
            "a@-b.com",
            "a@b.123",
            "a@b..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Email::parse("   "), Err(Problem::Required));
    }

    #[test]
    fn mobiles() {
        assert_eq!(
            Mobile::parse("138 0013 8000").unwrap().as_str(),
            "13800138000"
        );
        assert_eq!(
            Mobile::parse("+86 139-0000-0000").unwrap().as_str(),
            "13900000000"
        );
        for bad in [
            "12800138000",
            "1380013800",
            "238001380001",
            "1380013800a",
            "+1 13800138000",
        ] {
            assert_eq!(Mobile::parse(bad), Err(Problem::MobileInvalid), "{bad:?}");
        }
        assert_eq!(Mobile::parse(""), Err(Problem::Required));
    }

    proptest! {
        #[test]
        fn every_valid_mobile_parses(second in 3u8..=9, rest in "[0-9]{9}") {
            let m = format!("1{second}{rest}");
            let parsed = Mobile::parse(&m).unwrap();
            prop_assert_eq!(parsed.as_str(), m.as_str());
        }

        #[test]
        fn parsed_email_is_stable(local in "[a-z0-9._%+-]{1,20}", domain in "[a-z0-9]{1,10}\\.[a-z]{2,6}") {
            if let Ok(e) = Email::parse(&format!("{local}@{domain}")) {
                prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e);
            }
        }
    }
}
