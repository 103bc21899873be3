//! Chinese identifiers with their check digits: 统一社会信用代码 (USCC, GB 32100-2015) with the
//! embedded organisation code (GB 11714), 居民身份证 (GB 11643), 联行号 (CNAPS) and bank
//! account numbers. `parse` normalises what a person types and refuses what cannot be right;
//! `warnings` lists what a reviewer should look at but must not block a merchant.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::problem::Problem;

const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

fn uscc_value(c: u8) -> Option<u32> {
    USCC_ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The USCC check character for the first 17 characters (which must be valid symbols).
pub fn uscc_check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (i, &c) in first17.iter().enumerate() {
        sum += uscc_value(c)? * USCC_WEIGHTS[i];
    }
    let check = (31 - sum % 31) % 31;
    Some(USCC_ALPHABET[check as usize])
}

/// The GB 11714 check character for an 8-character organisation code body (letters valued
/// A = 10 … Z = 35).
pub fn org_code_check_char(body8: &[u8]) -> Option<u8> {
    if body8.len() != 8 {
        return None;
    }
    let mut sum = 0;
    for (i, &c) in body8.iter().enumerate() {
        let v = match c {
            b'0'..=b'9' => (c - b'0') as u32,
            b'A'..=b'Z' => (c - b'A') as u32 + 10,
            _ => return None,
        };
        sum += v * ORG_WEIGHTS[i];
    }
    Some(match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        n => b'0' + n as u8,
    })
}

/// 统一社会信用代码.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Uscc(String);

impl Uscc {
    pub fn parse(input: &str) -> Result<Uscc, Problem> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        if s.is_empty() {
            return Err(Problem::Required);
        }
        if s.chars().count() != 18 {
            return Err(Problem::UsccLength);
        }
        let b = s.as_bytes();
        if !b.iter().all(|&c| uscc_value(c).is_some()) {
            return Err(Problem::UsccCharacters);
        }
        if uscc_check_char(&b[..17]) != Some(b[17]) {
            return Err(Problem::UsccCheckDigit);
        }
        Ok(Uscc(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Positions 9–17: the organisation code (GB 11714).
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }

    /// A failed organisation-code check is for the reviewer: some genuine codes carry
    /// characters outside GB 11714, so it never blocks the merchant.
    pub fn organisation_code_valid(&self) -> bool {
        let oc = self.organisation_code().as_bytes();
        org_code_check_char(&oc[..8]) == Some(oc[8])
    }
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

pub fn resident_id_check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(&c, w)| (c - b'0') as u32 * w)
        .sum();
    Some(ID_CHECK[(sum % 11) as usize])
}

/// 居民身份证号码 of an adult.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ResidentId(String);

impl ResidentId {
    /// Checks format, check digit, birth date (real, not in the future) and age ≥ 18 on `today`.
    pub fn parse(input: &str, today: NaiveDate) -> Result<ResidentId, Problem> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if s.is_empty() {
            return Err(Problem::Required);
        }
        let b = s.as_bytes();
        if b.len() != 18
            || !b[..17].iter().all(u8::is_ascii_digit)
            || !(b[17].is_ascii_digit() || b[17] == b'X')
        {
            return Err(Problem::ResidentIdFormat);
        }
        if resident_id_check_char(&b[..17]) != Some(b[17]) {
            return Err(Problem::ResidentIdCheckDigit);
        }
        let birth = NaiveDate::parse_from_str(&s[6..14], "%Y%m%d")
            .map_err(|_| Problem::ResidentIdBirthDate)?;
        if birth > today || birth.year() < 1900 {
            return Err(Problem::ResidentIdBirthDate);
        }
        if age_on(birth, today) < 18 {
            return Err(Problem::Under18);
        }
        Ok(ResidentId(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").expect("checked by parse")
    }
}

/// Whole years between `birth` and `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// 联行号: 12 digits (3 bank + 4 city + 4 branch + 1 check); only the format is checkable.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cnaps(String);

impl Cnaps {
    pub fn parse(input: &str) -> Result<Cnaps, Problem> {
        let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if s.is_empty() {
            return Err(Problem::Required);
        }
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Cnaps(s))
        } else {
            Err(Problem::CnapsFormat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A bank account number: 8–32 digits (spaces typed by a person removed).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccountNumber(String);

impl AccountNumber {
    pub fn parse(input: &str) -> Result<AccountNumber, Problem> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if s.is_empty() {
            return Err(Problem::Required);
        }
        if (8..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AccountNumber(s))
        } else {
            Err(Problem::AccountNumberFormat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Card numbers usually pass Luhn; a failure is a warning for the reviewer, not a block.
    pub fn passes_luhn(&self) -> bool {
        luhn(&self.0)
    }
}

pub fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = (c - b'0') as u32;
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// Synthetic identifiers with valid check digits, for tests and demo data. Never real ones:
/// the sequence numbers are random and region codes are taken from a fixed small list.
pub mod synthetic {
    use super::*;

    /// A USCC whose organisation code also checks out, from a seed.
    pub fn uscc(seed: u64) -> String {
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = |n: u64| {
            x ^= x >> 33;
            x = x.wrapping_mul(0xff51afd7ed558ccd);
            x ^= x >> 33;
            x % n
        };
        // 9 = 工商, 1 = 企业; then a Zhejiang-style region code.
        let mut s = b"91330106".to_vec();
        let mut body = Vec::with_capacity(8);
        for _ in 0..8 {
            let v = next(36) as u8;
            let c = if v < 10 { b'0' + v } else { b'A' + (v - 10) };
            // Organisation codes use letters the USCC alphabet also has.
            body.push(if uscc_value(c).is_some() {
                c
            } else {
                b'0' + (v % 10)
            });
        }
        let oc = org_code_check_char(&body).expect("valid body");
        s.extend_from_slice(&body);
        s.push(oc);
        let check = uscc_check_char(&s).expect("valid symbols");
        s.push(check);
        String::from_utf8(s).expect("ascii")
    }

    /// A resident ID for someone born on `birth`, from a seed.
    pub fn resident_id(birth: NaiveDate, seed: u64) -> String {
        let mut s = format!("330106{}{:03}", birth.format("%Y%m%d"), seed % 1000);
        let check = resident_id_check_char(s.as_bytes()).expect("digits");
        s.push(check as char);
        s
    }

    /// A card-like account number that passes Luhn.
    pub fn account_number(seed: u64) -> String {
        let mut s = format!("6222{:014}", seed % 100_000_000_000_000);
        for d in b'0'..=b'9' {
            let candidate = format!("{s}{}", d as char);
            if luhn(&candidate) {
                s = candidate;
                break;
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    #[test]
    fn published_uscc_sample_passes() {
        let u = Uscc::parse("91350100M000100Y43").unwrap();
        assert_eq!(u.organisation_code(), "M000100Y4");
        // Normalised, not refused: lower case and spaces.
        assert_eq!(Uscc::parse(" 91350100m000100y43 ").unwrap(), u);
        assert_eq!(Uscc::parse("9135 0100 M000 100Y 43").unwrap(), u);
    }

    #[test]
    fn uscc_failures_are_specific() {
        assert_eq!(Uscc::parse(""), Err(Problem::Required));
        assert_eq!(Uscc::parse("91350100M000100Y4"), Err(Problem::UsccLength));
        assert_eq!(
            Uscc::parse("91350100M000100Y4I"),
            Err(Problem::UsccCharacters)
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y44"),
            Err(Problem::UsccCheckDigit)
        );
        assert_eq!(
            Uscc::parse("91350100Z000100Y43"),
            Err(Problem::UsccCharacters),
            "Z is not a USCC symbol"
        );
    }

    #[test]
    fn organisation_code_check_is_separate() {
        // The published sample's organisation code M000100Y-4 passes GB 11714 (Σ = 139).
        assert!(Uscc::parse("91350100M000100Y43")
            .unwrap()
            .organisation_code_valid());
        // A code whose own check character is wrong still parses (with a valid USCC check
        // digit): the failure is only a warning for the reviewer.
        let mut odd = b"91350100M000100Y5".to_vec();
        odd.push(uscc_check_char(&odd).unwrap());
        let u = Uscc::parse(std::str::from_utf8(&odd).unwrap()).unwrap();
        assert!(!u.organisation_code_valid());
        let good = Uscc::parse(&synthetic::uscc(1)).unwrap();
        assert!(good.organisation_code_valid());
        // Worked by hand: Σ(value × weight) mod 11, then 11 − that; 10 → X, 11 → 0.
        assert_eq!(org_code_check_char(b"12345678"), Some(b'8')); // Σ = 201
        assert_eq!(org_code_check_char(b"A0000000"), Some(b'3')); // A = 10, Σ = 30
        assert_eq!(org_code_check_char(b"00000006"), Some(b'X')); // Σ = 12
        assert_eq!(org_code_check_char(b"00000000"), Some(b'0')); // Σ = 0
    }

    #[test]
    fn resident_id_rules() {
        let adult = synthetic::resident_id(NaiveDate::from_ymd_opt(1985, 6, 15).unwrap(), 123);
        assert_eq!(ResidentId::parse(&adult, today()).unwrap().as_str(), adult);
        assert_eq!(
            ResidentId::parse(&adult.to_lowercase(), today())
                .unwrap()
                .as_str(),
            adult,
            "lower-case x normalised"
        );
        let mut bad = adult.clone().into_bytes();
        bad[17] = if bad[17] == b'1' { b'2' } else { b'1' };
        assert_eq!(
            ResidentId::parse(std::str::from_utf8(&bad).unwrap(), today()),
            Err(Problem::ResidentIdCheckDigit)
        );
        assert_eq!(
            ResidentId::parse("33010619850615", today()),
            Err(Problem::ResidentIdFormat)
        );
        // Seventeen on the day before the 18th birthday; eighteen on it.
        let minor = synthetic::resident_id(NaiveDate::from_ymd_opt(2008, 11, 27).unwrap(), 5);
        assert_eq!(ResidentId::parse(&minor, today()), Err(Problem::Under18));
        let just = synthetic::resident_id(NaiveDate::from_ymd_opt(2008, 11, 26).unwrap(), 5);
        assert!(ResidentId::parse(&just, today()).is_ok());
        // Impossible and future birth dates.
        let mut feb30 = "33010619850230001".to_string();
        feb30.push(resident_id_check_char(feb30.as_bytes()).unwrap() as char);
        assert_eq!(
            ResidentId::parse(&feb30, today()),
            Err(Problem::ResidentIdBirthDate)
        );
        let future = synthetic::resident_id(NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(), 1);
        assert_eq!(
            ResidentId::parse(&future, today()),
            Err(Problem::ResidentIdBirthDate)
        );
    }

    #[test]
    fn cnaps_and_account_numbers() {
        assert!(Cnaps::parse("102331000019").is_ok());
        assert_eq!(Cnaps::parse("10233100001"), Err(Problem::CnapsFormat));
        assert_eq!(Cnaps::parse("10233100001A"), Err(Problem::CnapsFormat));
        let acct = AccountNumber::parse("6222 0212 3456 7890 128").unwrap();
        assert_eq!(acct.as_str(), "6222021234567890128");
        assert_eq!(
            AccountNumber::parse("1234567"),
            Err(Problem::AccountNumberFormat)
        );
        assert_eq!(
            AccountNumber::parse(&"1".repeat(33)),
            Err(Problem::AccountNumberFormat)
        );
        assert!(AccountNumber::parse(&synthetic::account_number(42))
            .unwrap()
            .passes_luhn());
        assert!(luhn("79927398713"));
        assert!(!luhn("79927398710"));
    }

    proptest! {
        #[test]
        fn synthetic_usccs_always_parse(seed in any::<u64>()) {
            let s = synthetic::uscc(seed);
            let u = Uscc::parse(&s).unwrap();
            prop_assert!(u.organisation_code_valid());
        }

        #[test]
        fn any_single_character_change_breaks_a_uscc(seed in any::<u64>(), pos in 0usize..18, sym in 0usize..31) {
            let s = synthetic::uscc(seed).into_bytes();
            let mut t = s.clone();
            t[pos] = USCC_ALPHABET[sym];
            prop_assume!(t != s);
            prop_assert!(Uscc::parse(std::str::from_utf8(&t).unwrap()).is_err());
        }

        #[test]
        fn adjacent_transpositions_break_a_resident_id(y in 1940i32..2000, m in 1u32..=12, d in 1u32..=28, seed in 0u64..1000, pos in 0usize..16) {
            let birth = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let id = synthetic::resident_id(birth, seed).into_bytes();
            prop_assert!(ResidentId::parse(std::str::from_utf8(&id).unwrap(), today()).is_ok());
            let mut t = id.clone();
            t.swap(pos, pos + 1);
            prop_assume!(t != id);
            // The weights differ modulo 11 for neighbours, so every such swap is caught.
            prop_assert_eq!(ResidentId::parse(std::str::from_utf8(&t).unwrap(), today()), Err(Problem::ResidentIdCheckDigit));
        }

        #[test]
        fn luhn_accounts_parse_and_pass(seed in any::<u64>()) {
            let a = AccountNumber::parse(&synthetic::account_number(seed)).unwrap();
            prop_assert!(a.passes_luhn());
        }

        #[test]
        fn cnaps_accepts_exactly_twelve_digits(s in "[0-9]{1,20}") {
            prop_assert_eq!(Cnaps::parse(&s).is_ok(), s.len() == 12);
        }
    }
}
