//! Two-factor authentication: TOTP secrets encrypted at rest, code checks with replay protection,
//! and one-time recovery codes.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

/// Seconds per TOTP time step.
pub const STEP_SECONDS: u64 = 30;
/// Steps of clock drift tolerated either side of now.
const SKEW_STEPS: u64 = 1;
/// Recovery codes issued at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// The issuer shown in authenticator apps.
const ISSUER: &str = "One Aftersales";

/// Encrypts and decrypts secrets with the server's 256-bit key (XChaCha20-Poly1305, random nonce).
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// A box under `key`.
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(Key::from_slice(key)),
        }
    }

    /// `nonce || ciphertext` of `plaintext`.
    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let nonce_bytes: [u8; 24] = rand::random();
        let nonce = XNonce::from_slice(&nonce_bytes);
        let ciphertext = self
            .cipher
            .encrypt(nonce, plaintext)
            .expect("XChaCha20-Poly1305 encryption of a short buffer cannot fail");
        let mut sealed = nonce_bytes.to_vec();
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// The plaintext of a [`Self::seal`] output, or `None` if it was not sealed under this key.
    pub fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() <= 24 + 16 {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(24);
        self.cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .ok()
    }
}

/// A fresh random 160-bit TOTP secret.
pub fn new_secret() -> Vec<u8> {
    rand::random::<[u8; 20]>().to_vec()
}

fn totp(secret: &[u8], account: &str) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        6,
        0,
        STEP_SECONDS,
        secret.to_vec(),
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
}

/// The `otpauth://` URL, base32 secret and QR code (SVG) of `secret` for `account`.
pub fn enrolment(secret: &[u8], account: &str) -> crate::auth::model::MfaEnrolment {
    let totp = totp(secret, account);
    let otpauth_url = totp.get_url();
    let qr_svg = qrcode::QrCode::new(otpauth_url.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .build()
        })
        .unwrap_or_default();
    // Inlined in HTML: drop the XML prolog.
    let qr_svg = match qr_svg.find("<svg") {
        Some(start) => qr_svg[start..].to_owned(),
        None => qr_svg,
    };
    crate::auth::model::MfaEnrolment {
        qr_svg,
        secret_base32: totp.get_secret_base32(),
        otpauth_url,
    }
}

/// The time step at which `code` is valid for `secret` around `unix_time`, if any. Callers accept
/// a code only when its step is later than the last accepted one, so no code works twice.
pub fn matching_step(secret: &[u8], code: &str, unix_time: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret, "");
    let now_step = unix_time / STEP_SECONDS;
    (now_step.saturating_sub(SKEW_STEPS)..=now_step + SKEW_STEPS).find(|step| {
        let expected = totp.generate(step * STEP_SECONDS);
        bool::from(expected.as_bytes().ct_eq(code.as_bytes()))
    })
}

/// The code an authenticator shows at `unix_time` (tests and diagnostics).
pub fn code_at(secret: &[u8], unix_time: u64) -> String {
    totp(secret, "").generate(unix_time)
}

/// Fresh recovery codes, formatted `xxxxx-xxxxx` (60 bits each, base32 without look-alikes).
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..10)
                .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// The stored form of a recovery code: SHA-256 of its normalised text (lowercase, no separators).
pub fn hash_recovery_code(code: &str) -> String {
    let normalised: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(normalised.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_under_the_same_key() {
        let a = SecretBox::new(&[7; 32]);
        let sealed = a.seal(b"totp secret");
        assert_ne!(&sealed[24..], b"totp secret");
        assert_eq!(a.open(&sealed).as_deref(), Some(&b"totp secret"[..]));
        assert_eq!(SecretBox::new(&[8; 32]).open(&sealed), None);
        assert_eq!(a.open(&sealed[..10]), None);
    }

    #[test]
    fn codes_match_within_one_step_of_drift_and_not_beyond() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let step = now / STEP_SECONDS;
        let code = code_at(&secret, now);
        assert_eq!(matching_step(&secret, &code, now), Some(step));
        assert_eq!(
            matching_step(&secret, &code, now + STEP_SECONDS),
            Some(step)
        );
        assert_eq!(
            matching_step(&secret, &code, now - STEP_SECONDS),
            Some(step)
        );
        assert_eq!(matching_step(&secret, &code, now + 3 * STEP_SECONDS), None);
        assert_eq!(matching_step(&secret, "12345", now), None);
        assert_eq!(matching_step(&secret, "abcdef", now), None);
    }

    #[test]
    fn the_rfc_6238_test_vector_holds() {
        // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits); the last 6 are 287082.
        assert_eq!(code_at(b"12345678901234567890", 59), "287082");
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_ignoring_case_and_dashes() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODES);
        assert_eq!(
            hash_recovery_code(&codes[0]),
            hash_recovery_code(&codes[0].replace('-', "").to_uppercase())
        );
    }

    #[test]
    fn enrolment_offers_an_svg_qr_code_and_the_otpauth_url() {
        let e = enrolment(&new_secret(), "ada@example.com");
        assert!(e.qr_svg.starts_with("<svg"));
        assert!(
            e.otpauth_url
                .starts_with("otpauth://totp/One%20Aftersales:ada%40example.com?")
        );
        assert_eq!(e.secret_base32.len(), 32);
    }
}
