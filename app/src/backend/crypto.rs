//! Small cryptographic building blocks: random tokens, hashing of tokens, password hashing
//! (argon2id), TOTP (RFC 6238) and encryption of stored secrets.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::secret::Secret;

/// A random URL-safe token with `bytes` bytes of entropy.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

pub fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

/// A key for one purpose, derived from the master secret so purposes never share a key.
pub fn derive_key(master: &Secret<Vec<u8>>, purpose: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master.expose()).expect("any key length");
    mac.update(b"gatehouse key derivation\0");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

// --- passwords -------------------------------------------------------------------------------

/// argon2id, m = 19456 KiB, t = 2, p = 1 (the crate's default, OWASP's recommendation).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Hashing takes tens of milliseconds of CPU: keep it off the async workers.
pub async fn hash_password_blocking(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| e.to_string())?
}

/// Verifies against `phc`, or against a fixed dummy hash when there is none, so that the
/// time taken does not tell whether an account exists.
pub async fn verify_password_blocking(password: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match phc {
        Some(h) => verify_password(&password, &h),
        None => {
            let _ = verify_password(&password, dummy_hash());
            false
        }
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("dummy password for timing").expect("hashing works"))
}

// --- TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) ---------------------------------

pub const TOTP_STEP_SECS: i64 = 30;

pub fn totp_code(secret: &[u8], step: i64) -> String {
    let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(secret).expect("any key length");
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = (h[19] & 0x0f) as usize;
    let bin = ((h[offset] as u32 & 0x7f) << 24)
        | ((h[offset + 1] as u32) << 16)
        | ((h[offset + 2] as u32) << 8)
        | (h[offset + 3] as u32);
    format!("{:06}", bin % 1_000_000)
}

/// The time step `code` is valid for, allowing one step of clock drift either way.
pub fn totp_match(secret: &[u8], code: &str, unix_time: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = unix_time / TOTP_STEP_SECS;
    [now, now - 1, now + 1].into_iter().find(|&step| {
        let expected = totp_code(secret, step);
        // Constant time over the six digits.
        expected
            .bytes()
            .zip(code.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    })
}

pub fn new_totp_secret() -> Vec<u8> {
    let mut s = vec![0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut s);
    s
}

/// RFC 4648 base32 without padding, as authenticator apps expect.
pub fn base32(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for &b in data {
        buffer = (buffer << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
        urlencoding::encode(issuer),
        urlencoding::encode(account),
        base32(secret),
        urlencoding::encode(issuer)
    )
}

pub fn qr_svg(data: &str) -> Result<String, String> {
    let code = qrcode::QrCode::new(data.as_bytes()).map_err(|e| e.to_string())?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// Recovery codes: ten groups of 4-4 lower-case base32 characters (easy to read out).
pub fn new_recovery_codes(n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let mut b = [0u8; 5];
            rand::rngs::OsRng.fill_bytes(&mut b);
            let s = base32(&b).to_ascii_lowercase();
            format!("{}-{}", &s[..4], &s[4..8])
        })
        .collect()
}

pub fn normalise_recovery_code(code: &str) -> String {
    let c: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if c.len() == 8 {
        format!("{}-{}", &c[..4], &c[4..])
    } else {
        c
    }
}

// --- encryption of stored secrets (XChaCha20-Poly1305) ---------------------------------------

pub fn encrypt(key: &[u8; 32], plaintext: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(XNonce::from_slice(&nonce), plaintext)
        .expect("encryption of a small buffer cannot fail");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    out
}

pub fn decrypt(key: &[u8; 32], data: &[u8]) -> Option<Vec<u8>> {
    if data.len() < 24 {
        return None;
    }
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(XNonce::from_slice(&data[..24]), &data[24..])
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_is_argon2id_with_owasp_parameters() {
        let h = hash_password("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery staple", &h));
        assert!(!verify_password("correct horse battery stapl", &h));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn totp_matches_rfc6238_vectors() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", 8 digits there; the low 6 here.
        let secret = b"12345678901234567890";
        for (t, code8) in [
            (59i64, "94287082"),
            (1111111109, "07081804"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
        ] {
            assert_eq!(totp_code(secret, t / 30), code8[2..], "t={t}");
        }
    }

    #[test]
    fn totp_allows_one_step_of_drift_only() {
        let secret = b"12345678901234567890";
        let t = 1_234_567_890;
        let code = totp_code(secret, t / 30);
        assert_eq!(totp_match(secret, &code, t), Some(t / 30));
        assert_eq!(totp_match(secret, &code, t + 30), Some(t / 30));
        assert_eq!(totp_match(secret, &code, t + 95), None);
        assert_eq!(totp_match(secret, "12345", t), None);
        assert_eq!(totp_match(secret, &format!("{} ", &code[..3]), t), None);
    }

    #[test]
    fn base32_matches_rfc4648() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
    }

    #[test]
    fn encryption_round_trips_and_detects_tampering() {
        let key = [7u8; 32];
        let ct = encrypt(&key, b"secret");
        assert_eq!(decrypt(&key, &ct).unwrap(), b"secret");
        let mut bad = ct.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(decrypt(&key, &bad).is_none());
        assert!(decrypt(&[8u8; 32], &ct).is_none());
    }

    #[test]
    fn recovery_codes_normalise() {
        let codes = new_recovery_codes(10);
        assert_eq!(codes.len(), 10);
        for c in &codes {
            assert_eq!(
                normalise_recovery_code(&c.to_uppercase().replace('-', " ")),
                *c
            );
        }
    }
}
