//! The server's 256-bit secret key (encrypts TOTP secrets): `OAP_SECRET_KEY`, or a key generated on
//! first start into `<data dir>/secret.key` (mode 0600). Every instance of one deployment must use
//! the same key.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The key from `env_value` (base64url, 32 bytes), else from `<data_dir>/secret.key`, created if absent.
/// A key is generated only when `may_create`: with TOTP secrets already sealed under a key, a new
/// one would silently lock every enrolled user out, so a missing key is an error then.
pub fn load_or_create(
    env_value: Option<&str>,
    data_dir: &Path,
    may_create: bool,
) -> anyhow::Result<[u8; 32]> {
    if let Some(value) = env_value {
        return decode(value)
            .context("OAP_SECRET_KEY must be 32 bytes in base64url (43 characters)");
    }
    let path = data_dir.join("secret.key");
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        return decode(text.trim())
            .with_context(|| format!("{} is not a valid key", path.display()));
    }
    anyhow::ensure!(
        may_create,
        "{} is missing, but users have two-factor secrets sealed under a key: restore the file or set OAP_SECRET_KEY",
        path.display()
    );
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let key: [u8; 32] = rand::random();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    writeln!(file, "{}", URL_SAFE_NO_PAD.encode(key))?;
    tracing::info!(path = %path.display(), "generated the server secret key; keep it with the data");
    Ok(key)
}

fn decode(value: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = URL_SAFE_NO_PAD.decode(value.trim())?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("wrong length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_is_kept_private_and_reused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(None, dir.path(), true).unwrap();
        let mode = std::fs::metadata(dir.path().join("secret.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(load_or_create(None, dir.path(), true).unwrap(), first);
    }

    #[test]
    fn a_missing_key_is_not_replaced_once_secrets_depend_on_it() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load_or_create(None, dir.path(), false).is_err());
        assert!(!dir.path().join("secret.key").exists());
    }

    #[test]
    fn the_environment_key_wins_and_bad_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let key = URL_SAFE_NO_PAD.encode([9u8; 32]);
        assert_eq!(
            load_or_create(Some(&key), dir.path(), true).unwrap(),
            [9u8; 32]
        );
        assert!(load_or_create(Some("short"), dir.path(), true).is_err());
    }
}
