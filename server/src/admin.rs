//! Administrators created outside the app: the super admin of the first start, and `create-admin`.

use app::auth::password::{generate_password, hash_password};
use app::auth::roles::Role;
use app::modules::Module;
use sqlx::PgPool;
use uuid::Uuid;

/// The super admin of the seed schema.
pub const SUPER_ADMIN_EMAIL: &str = "superadmin@oneaftersales.com";
const SUPER_ADMIN_NAME: &str = "Super Administrator";
/// Shortest password accepted from the environment or standard input.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Serialises bootstraps of several instances starting at once against one database.
const BOOTSTRAP_LOCK: i64 = 0x0A5_B007;

/// Where a new administrator's password came from.
#[derive(Debug, PartialEq, Eq)]
pub enum InitialPassword {
    /// Supplied by the operator.
    Supplied,
    /// Generated; shown once, then only its hash exists.
    Generated(String),
}

/// Creates the seed's super admin on first start, when the database has no super admin yet, with
/// every module and every flag (the seed's grant). Returns `None` when there was nothing to do.
pub async fn ensure_super_admin(
    pool: &PgPool,
    password: Option<String>,
) -> anyhow::Result<Option<InitialPassword>> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", BOOTSTRAP_LOCK)
        .execute(&mut *tx)
        .await?;
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM users WHERE role = 'super_admin') AS "exists!""#
    )
    .fetch_one(&mut *tx)
    .await?;
    if exists {
        return Ok(None);
    }
    let (password, initial) = choose_password(password)?;
    let hash = hash_off_thread(password).await?;
    insert_admin(
        &mut tx,
        SUPER_ADMIN_EMAIL,
        SUPER_ADMIN_NAME,
        Role::SuperAdmin,
        &hash,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(initial))
}

/// Creates an administrator (`super_admin` or `manufacturer_admin`) with every module and flag.
pub async fn create_admin(
    pool: &PgPool,
    email: &str,
    name: &str,
    role: &str,
    password: Option<String>,
) -> anyhow::Result<InitialPassword> {
    let role = match Role::from_key(role) {
        Some(r @ (Role::SuperAdmin | Role::ManufacturerAdmin)) => r,
        _ => anyhow::bail!(
            "--role must be super_admin or manufacturer_admin (dealer users are created in the app, with their dealer)"
        ),
    };
    let email = email.trim().to_lowercase();
    if !looks_like_email(&email) {
        anyhow::bail!("--email must be an email address such as name@example.com");
    }
    let name = name.trim();
    if name.is_empty() {
        anyhow::bail!("--name must not be empty");
    }
    let (password, initial) = choose_password(password)?;
    let hash = hash_off_thread(password).await?;
    let mut tx = pool.begin().await?;
    let taken = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = $1) AS "taken!""#,
        email
    )
    .fetch_one(&mut *tx)
    .await?;
    if taken {
        anyhow::bail!("a user with email {email} already exists");
    }
    insert_admin(&mut tx, &email, name, role, &hash).await?;
    tx.commit().await?;
    Ok(initial)
}

fn choose_password(supplied: Option<String>) -> anyhow::Result<(String, InitialPassword)> {
    match supplied {
        Some(p) if p.chars().count() < MIN_PASSWORD_CHARS => {
            anyhow::bail!("the password must have at least {MIN_PASSWORD_CHARS} characters")
        }
        Some(p) => Ok((p, InitialPassword::Supplied)),
        None => {
            let p = generate_password();
            Ok((p.clone(), InitialPassword::Generated(p)))
        }
    }
}

async fn hash_off_thread(password: String) -> anyhow::Result<String> {
    let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await??;
    Ok(hash)
}

fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
}

async fn insert_admin(
    tx: &mut sqlx::PgConnection,
    email: &str,
    name: &str,
    role: Role,
    password_hash: &str,
) -> anyhow::Result<Uuid> {
    let id = sqlx::query_scalar!(
        r#"INSERT INTO users (email, password_hash, name, role, user_type, is_active)
           VALUES ($1, $2, $3, $4, 'manufacturer', true)
           RETURNING id"#,
        email,
        password_hash,
        name,
        role.key()
    )
    .fetch_one(&mut *tx)
    .await?;
    let modules: Vec<String> = Module::ALL.iter().map(|m| m.key().to_owned()).collect();
    sqlx::query!(
        r#"INSERT INTO module_access (user_id, module, can_view, can_create, can_edit, can_delete, can_approve)
           SELECT $1, unnest($2::varchar[]), true, true, true, true, true"#,
        id,
        &modules
    )
    .execute(&mut *tx)
    .await?;
    let new_values =
        serde_json::json!({ "email": email, "name": name, "role": role.key(), "modules": modules });
    sqlx::query!(
        r#"INSERT INTO audit_logs (user_id, action, entity_type, entity_id, new_values, user_agent)
           VALUES (NULL, 'user.create_admin', 'user', $1, $2, 'server command line')"#,
        id,
        new_values
    )
    .execute(&mut *tx)
    .await?;
    tracing::info!(%id, email, role = role.key(), "administrator created");
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_supplied_passwords_are_refused() {
        assert!(choose_password(Some("short".into())).is_err());
        assert!(matches!(
            choose_password(Some("a long enough password".into()))
                .unwrap()
                .1,
            InitialPassword::Supplied
        ));
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(looks_like_email("a@b.co"));
        assert!(!looks_like_email("a@b"));
        assert!(!looks_like_email("@b.co"));
        assert!(!looks_like_email("a b@c.co"));
    }
}
