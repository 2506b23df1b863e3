//! Password hashing and checking (server only): Argon2id with the parameters of DESIGN.md section 4,
//! legacy bcrypt hashes accepted and upgraded, hashing kept off the async workers and bounded.

use std::sync::{Arc, LazyLock};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::AppError;

const M_COST: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

/// Argon2id, m = 19456 KiB, t = 2, p = 1 (OWASP's recommended minimum).
pub fn argon2() -> Argon2<'static> {
    let params =
        Params::new(M_COST, T_COST, P_COST, None).expect("constant Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` into a PHC string. CPU-bound for tens of milliseconds: call it through
/// [`PasswordWorkers`] (or `spawn_blocking`), never on an async worker.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt_bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt_bytes)?;
    Ok(argon2()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// The result of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// Wrong password (or an unreadable hash).
    No,
    /// Right password; `rehash` when the stored hash is bcrypt or weaker Argon2 parameters.
    Yes {
        /// Whether the stored hash should be replaced with a current Argon2id hash.
        rehash: bool,
    },
}

/// Checks `password` against `stored`: Argon2 (PHC) or legacy bcrypt (`$2a$`, `$2b$`, `$2y$`).
pub fn verify(password: &str, stored: &str) -> Verified {
    if stored.starts_with("$2") {
        return match bcrypt::verify(password, stored) {
            Ok(true) => Verified::Yes { rehash: true },
            _ => Verified::No,
        };
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verified::No;
    };
    if argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Verified::No;
    }
    let current = parsed.algorithm.as_str() == "argon2id"
        && Params::try_from(&parsed)
            .is_ok_and(|p| p.m_cost() >= M_COST && p.t_cost() >= T_COST && p.p_cost() >= P_COST);
    Verified::Yes { rehash: !current }
}

/// Whether `password` matches `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    matches!(verify(password, hash), Verified::Yes { .. })
}

/// A hash of a password nobody knows, verified against when the email is unknown, so that an
/// unknown email costs the same time as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_password(&generate_password()).expect("hashing a generated password cannot fail")
});

/// Runs password hashing on the blocking pool, at most as many at once as there are permits, so
/// a burst of sign-ins queues instead of starving the CPU and the async workers.
#[derive(Debug, Clone)]
pub struct PasswordWorkers {
    permits: Arc<Semaphore>,
}

impl PasswordWorkers {
    /// Workers allowing `concurrency` hashes at once.
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| AppError::internal(format_args!("password workers closed: {e}")))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| AppError::internal(format_args!("password hashing task failed: {e}")))
    }

    /// [`hash_password`] off the async workers.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || hash_password(&password))
            .await?
            .map_err(|e| AppError::internal(format_args!("hashing a password: {e}")))
    }

    /// [`verify`] off the async workers; with no stored hash, verifies against a dummy hash and
    /// answers [`Verified::No`] in about the same time.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<Verified, AppError> {
        self.run(move || match stored {
            Some(hash) => verify(&password, &hash),
            None => {
                let _ = verify(&password, &DUMMY_HASH);
                Verified::No
            }
        })
        .await
    }
}

/// Checks a new password: the length rule, then a strength estimate (zxcvbn) that knows the
/// user's own details. The message says why a password is refused.
pub fn check_strength(password: &str, user_inputs: &[&str]) -> Result<(), String> {
    crate::auth::policy::check_length(password)?;
    let estimate = zxcvbn::zxcvbn(password, user_inputs);
    if estimate.score() >= zxcvbn::Score::Three {
        return Ok(());
    }
    let mut message = String::from("This password is too easy to guess.");
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            message.push(' ');
            message.push_str(&warning.to_string());
        }
        for tip in feedback.suggestions() {
            message.push(' ');
            message.push_str(&tip.to_string());
        }
    }
    Err(message)
}

/// A random password for a first sign-in: 20 characters from an alphabet without look-alikes
/// (no 0/O, 1/l/I), about 117 bits of entropy.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..20)
        .map(|_| char::from(ALPHABET[rand::random_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_the_design_parameters_and_verify() {
        let hash = hash_password("correct horse battery staple").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert_eq!(
            verify("correct horse battery staple", &hash),
            Verified::Yes { rehash: false }
        );
        assert_eq!(verify("wrong", &hash), Verified::No);
        assert_eq!(verify("anything", "not a hash"), Verified::No);
    }

    #[test]
    fn legacy_bcrypt_hashes_verify_and_ask_for_a_rehash() {
        let legacy = bcrypt::hash("legacy password 1", 4)
            .unwrap()
            .replacen("$2b$", "$2a$", 1);
        assert_eq!(
            verify("legacy password 1", &legacy),
            Verified::Yes { rehash: true }
        );
        assert_eq!(verify("wrong", &legacy), Verified::No);
    }

    #[test]
    fn weaker_argon2_parameters_ask_for_a_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8, 1, 1, None).unwrap(),
        );
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let hash = weak
            .hash_password(b"some password", &salt)
            .unwrap()
            .to_string();
        assert_eq!(
            verify("some password", &hash),
            Verified::Yes { rehash: true }
        );
    }

    #[test]
    fn common_and_personal_passwords_are_refused_with_a_reason() {
        assert!(
            check_strength("password1234", &[])
                .unwrap_err()
                .contains("too easy")
        );
        assert!(check_strength("ada.lovelace@example.com", &["ada.lovelace@example.com"]).is_err());
        assert!(
            check_strength("short", &[])
                .unwrap_err()
                .contains("at least 12")
        );
        assert!(check_strength("velvet tractor monsoon quietly", &[]).is_ok());
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let a = generate_password();
        assert_eq!(a.len(), 20);
        assert_ne!(a, generate_password());
        assert!(check_strength(&a, &[]).is_ok());
    }
}
