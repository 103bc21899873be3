//! Password rules (NIST SP 800-63B): length only, any Unicode, no composition rules. Whether a
//! password is too common is decided on the server (it needs the dictionaries).

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    TooCommon,
}

/// The length rule, counted in Unicode scalar values (what a person would call characters).
pub fn check_length(password: &str) -> Result<(), PasswordProblem> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        Err(PasswordProblem::TooShort)
    } else if n > MAX_CHARS {
        Err(PasswordProblem::TooLong)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(
            check_length("短密码短密码短密码短密"),
            Err(PasswordProblem::TooShort)
        ); // 11 chars, 33 bytes
        assert_eq!(check_length("短密码短密码短密码短密码"), Ok(()));
        assert_eq!(check_length(&"a".repeat(128)), Ok(()));
        assert_eq!(
            check_length(&"a".repeat(257)),
            Err(PasswordProblem::TooLong)
        );
    }
}
