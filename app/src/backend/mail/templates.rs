//! Mail templates are files: `templates/<name>.<lang>.txt`, a `Subject:` line, a blank line,
//! then the plain-text body. `{{name}}` is replaced by a variable; an unknown one is an error.

use crate::domain::lang::Lang;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Template {
    name: &'static str,
    zh: &'static str,
    en: &'static str,
}

macro_rules! template {
    ($const:ident, $name:literal) => {
        pub const $const: Template = Template {
            name: $name,
            zh: include_str!(concat!("templates/", $name, ".zh-CN.txt")),
            en: include_str!(concat!("templates/", $name, ".en.txt")),
        };
    };
}

impl Template {
    template!(SMTP_TEST, "smtp_test");
    template!(VERIFY_EMAIL, "verify_email");
    template!(ALREADY_REGISTERED, "already_registered");
    template!(RESET_PASSWORD, "reset_password");
    template!(INVITATION, "invitation");
    template!(APPLICATION_RECEIVED, "application_received");
    template!(APPLICATION_RESUBMITTED, "application_resubmitted");
    template!(INFO_REQUESTED, "info_requested");
    template!(APPLICATION_APPROVED, "application_approved");
    template!(APPLICATION_REJECTED, "application_rejected");
    template!(CONTRACT_SENT, "contract_sent");
    template!(CONTRACT_ACCEPTED, "contract_accepted");

    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// Every template, so tests can render each in both languages.
pub const ALL_TEMPLATES: &[Template] = &[
    Template::SMTP_TEST,
    Template::VERIFY_EMAIL,
    Template::ALREADY_REGISTERED,
    Template::RESET_PASSWORD,
    Template::INVITATION,
    Template::APPLICATION_RECEIVED,
    Template::APPLICATION_RESUBMITTED,
    Template::INFO_REQUESTED,
    Template::APPLICATION_APPROVED,
    Template::APPLICATION_REJECTED,
    Template::CONTRACT_SENT,
    Template::CONTRACT_ACCEPTED,
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RenderError {
    #[error("template {template}.{lang}: no Subject line")]
    NoSubject {
        template: &'static str,
        lang: &'static str,
    },
    #[error("template {template}.{lang}: no value for {{{{{var}}}}}")]
    MissingVar {
        template: &'static str,
        lang: &'static str,
        var: String,
    },
    #[error("template {template}.{lang}: unclosed {{{{")]
    Unclosed {
        template: &'static str,
        lang: &'static str,
    },
}

impl Template {
    pub fn render(&self, lang: Lang, vars: &[(&str, String)]) -> Result<Rendered, RenderError> {
        let source = match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        };
        let (t, l) = (self.name, lang.code());
        let (head, body) = source.split_once("\n\n").ok_or(RenderError::NoSubject {
            template: t,
            lang: l,
        })?;
        let subject = head
            .strip_prefix("Subject:")
            .ok_or(RenderError::NoSubject {
                template: t,
                lang: l,
            })?
            .trim();
        // A subject is one header line: user-supplied values must not break out of it.
        let subject = fill(subject, vars, t, l)?.replace(['\r', '\n'], " ");
        let body = fill(body, vars, t, l)?;
        Ok(Rendered { subject, body })
    }
}

fn fill(
    text: &str,
    vars: &[(&str, String)],
    t: &'static str,
    l: &'static str,
) -> Result<String, RenderError> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or(RenderError::Unclosed {
            template: t,
            lang: l,
        })?;
        let name = after[..end].trim();
        let value = vars
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| RenderError::MissingVar {
                template: t,
                lang: l,
                var: name.to_string(),
            })?;
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every placeholder any template uses, with a sample value.
    fn all_vars() -> Vec<(&'static str, String)> {
        [
            "actor", "base_url", "link", "org", "name", "items", "reason", "message", "number",
            "hash", "state", "email", "role", "expires", "alert", "code",
        ]
        .iter()
        .map(|k| (*k, format!("<{k}>")))
        .collect()
    }

    #[test]
    fn every_template_renders_in_both_languages() {
        for t in ALL_TEMPLATES {
            for lang in Lang::ALL {
                let r = t
                    .render(lang, &all_vars())
                    .unwrap_or_else(|e| panic!("{e}"));
                assert!(!r.subject.is_empty(), "{} {lang:?}", t.name);
                assert!(!r.body.contains("{{"), "{} {lang:?}", t.name);
            }
        }
    }

    #[test]
    fn missing_variable_is_an_error_naming_it() {
        let err = Template::SMTP_TEST.render(Lang::En, &[]).unwrap_err();
        assert!(
            err.to_string().contains("{{actor}}") || err.to_string().contains("base_url"),
            "{err}"
        );
    }

    #[test]
    fn subject_cannot_be_split_by_a_value() {
        let t = Template {
            name: "t",
            zh: "Subject: hi {{x}}\n\nbody",
            en: "Subject: hi {{x}}\n\nbody",
        };
        let r = t
            .render(Lang::En, &[("x", "a\r\nBcc: evil@example.com".into())])
            .unwrap();
        assert!(!r.subject.contains('\n') && !r.subject.contains('\r'));
    }
}
