//! Typed reads of the `settings` table (server only), through the catalogue: a missing, unparsable
//! or out-of-bounds value reads as the setting's default, so a bad edit never disables a safeguard.

use sqlx::PgConnection;

use super::Setting;
use crate::auth::roles::Role;
use crate::error::AppError;

/// The values of the integer settings `wanted`, in the same order, read in one query (see
/// [`Setting::int_or_default`]).
pub async fn ints<const N: usize>(
    conn: &mut PgConnection,
    wanted: [Setting; N],
) -> Result<[i64; N], AppError> {
    let stored = stored(conn, &wanted).await?;
    Ok(std::array::from_fn(|i| {
        wanted[i].int_or_default(stored[i].as_deref())
    }))
}

/// The roles a roles setting names.
pub async fn roles(conn: &mut PgConnection, setting: Setting) -> Result<Vec<Role>, AppError> {
    let value = stored(conn, &[setting]).await?.into_iter().next().flatten();
    Ok(setting.roles_or_default(value.as_deref()))
}

/// Whether a switch setting is on.
pub async fn switch(conn: &mut PgConnection, setting: Setting) -> Result<bool, AppError> {
    let value = stored(conn, &[setting]).await?.into_iter().next().flatten();
    Ok(setting.switch_or_default(value.as_deref()))
}

/// The stored text of each of `wanted`, in order (`None` when unset).
async fn stored(
    conn: &mut PgConnection,
    wanted: &[Setting],
) -> Result<Vec<Option<String>>, AppError> {
    let categories: Vec<String> = wanted.iter().map(|s| s.category.to_owned()).collect();
    let keys: Vec<String> = wanted.iter().map(|s| s.key.to_owned()).collect();
    let rows = sqlx::query!(
        r#"SELECT category, key, value FROM settings
            WHERE (category, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))"#,
        &categories,
        &keys
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(wanted
        .iter()
        .map(|s| {
            rows.iter()
                .find(|r| r.category == s.category && r.key == s.key)
                .and_then(|r| r.value.clone())
        })
        .collect())
}
