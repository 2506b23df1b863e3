//! The administrators' dashboard (server only), from the seed's `v_active_users` and
//! `v_module_statistics`.

use tracing::instrument;

use crate::admin::model::{ActiveUser, Dashboard, ModuleStat};
use crate::auth::authorize::roles_out_of_reach;
use crate::auth::roles::{Role, UserType};
use crate::auth::server::Ctx;
use crate::dealers::DealerStatus;
use crate::error::AppError;
use crate::modules::Module;

/// The dashboard's figures.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn dashboard(ctx: &Ctx) -> Result<Dashboard, AppError> {
    let mut tx = ctx.begin().await?;
    let counts = sqlx::query!(
        r#"SELECT count(*) AS "active!",
                  count(*) FILTER (WHERE user_type = $1) AS "dealer!",
                  count(*) FILTER (WHERE last_login IS NULL) AS "never!"
             FROM v_active_users"#,
        UserType::Dealer as UserType
    )
    .fetch_one(&mut *tx)
    .await?;
    // Nobody's details beyond the caller's reach (a manufacturer admin sees no super admin).
    let hidden = roles_out_of_reach(ctx.actor.role);
    let recent = sqlx::query_as!(
        ActiveUser,
        r#"SELECT id AS "id!", email AS "email!", name AS "name!", role AS "role!: Role", dealer_code,
                  last_login, accessible_modules AS "accessible_modules!"
             FROM v_active_users WHERE last_login IS NOT NULL AND NOT (role = ANY($1::varchar[]))
            ORDER BY last_login DESC LIMIT 10"#,
        &hidden.iter().map(|r| r.key().to_owned()).collect::<Vec<_>>()
    )
    .fetch_all(&mut *tx)
    .await?;
    let stats = sqlx::query!(
        r#"SELECT module AS "module!: Module", total_users AS "total!", can_create AS "create!",
                  can_edit AS "edit!", can_approve AS "approve!"
             FROM v_module_statistics"#
    )
    .fetch_all(&mut *tx)
    .await?;
    let modules = Module::ALL
        .into_iter()
        .map(|m| {
            let s = stats.iter().find(|s| s.module == m);
            ModuleStat {
                module: m,
                total_users: s.map_or(0, |s| s.total),
                can_create: s.map_or(0, |s| s.create),
                can_edit: s.map_or(0, |s| s.edit),
                can_approve: s.map_or(0, |s| s.approve),
            }
        })
        .collect();
    let dealers_by_status = sqlx::query!(
        r#"SELECT COALESCE(status, 'active') AS "status!: DealerStatus", count(*) AS "n!"
             FROM dealers GROUP BY 1 ORDER BY 1"#
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| (r.status, r.n))
    .collect();
    tx.commit().await?;
    Ok(Dashboard {
        active_users: counts.active,
        active_dealer_users: counts.dealer,
        never_signed_in: counts.never,
        recent,
        modules,
        dealers_by_status,
    })
}
