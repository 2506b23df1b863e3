//! Administrators created outside the app: the super admin of the first start, and the
//! `create-admin` command. They follow the app's own rules: one e-mail check, one password policy,
//! and an audit row through the audit writer.

use app::audit::{self, AuditAction, AuditEntity, AuditEntry};
use app::auth::policy::check_length;
use app::auth::roles::{Role, UserType};
use app::auth::server::RequestMeta;
use app::auth::server::password::{generate_password, hash_password};
use app::email::{EMAIL_HINT, Email};
use app::modules::Module;
use sqlx::PgPool;
use uuid::Uuid;

/// The super admin of the seed schema.
pub const SUPER_ADMIN_EMAIL: &str = "superadmin@oneaftersales.com";
const SUPER_ADMIN_NAME: &str = "Super Administrator";
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
        r#"SELECT EXISTS (SELECT 1 FROM users WHERE role = $1) AS "exists!""#,
        Role::SuperAdmin as Role
    )
    .fetch_one(&mut *tx)
    .await?;
    if exists {
        return Ok(None);
    }
    let (password, initial) = choose_password(password)?;
    let hash = hash_off_thread(password).await?;
    let email = Email::parse(SUPER_ADMIN_EMAIL)
        .ok_or_else(|| anyhow::anyhow!("{SUPER_ADMIN_EMAIL} is not an address"))?;
    insert_admin(&mut tx, &email, SUPER_ADMIN_NAME, Role::SuperAdmin, &hash).await?;
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
    let Some(email) = Email::parse(email) else {
        anyhow::bail!("--email: {EMAIL_HINT}");
    };
    let name = name.trim();
    if name.is_empty() {
        anyhow::bail!("--name must not be empty");
    }
    let (password, initial) = choose_password(password)?;
    let hash = hash_off_thread(password).await?;
    let mut tx = pool.begin().await?;
    let taken = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = $1) AS "taken!""#,
        email.as_str()
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
        Some(p) => match check_length(&p) {
            Ok(()) => Ok((p, InitialPassword::Supplied)),
            Err(why) => anyhow::bail!("the password is refused: {why}"),
        },
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

async fn insert_admin(
    tx: &mut sqlx::PgConnection,
    email: &Email,
    name: &str,
    role: Role,
    password_hash: &str,
) -> anyhow::Result<Uuid> {
    let id = sqlx::query_scalar!(
        r#"INSERT INTO users (email, password_hash, name, role, user_type, is_active)
           VALUES ($1, $2, $3, $4, $5, true)
           RETURNING id"#,
        email.as_str(),
        password_hash,
        name,
        role as Role,
        UserType::Manufacturer as UserType
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
    let meta = RequestMeta {
        ip: None,
        user_agent: Some("server command line".into()),
        device: None,
    };
    audit::record(
        tx,
        &meta,
        AuditEntry::new(None, AuditAction::AdminCreated, AuditEntity::User, Some(id)).with_new(
            serde_json::json!({ "email": email, "name": name, "role": role, "modules": modules }),
        ),
    )
    .await?;
    tracing::info!(%id, %email, role = role.key(), "administrator created");
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
}
