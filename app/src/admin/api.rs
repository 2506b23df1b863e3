//! Administration server functions. Each one's first line admits the caller for its area
//! ([`admit`](crate::auth::server::admit)); the service it calls owns the transaction and decides
//! again on the exact record under lock. No SQL here.
#![expect(
    clippy::too_many_arguments,
    reason = "the dealer forms post one argument per form field, so they work before hydration"
)]

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use super::model::*;
use crate::auth::authorize::{Action, Area, FlagSet};
use crate::auth::roles::Role;
use crate::error::AppError;
use crate::list::Page;
use crate::modules::Module;

#[cfg(feature = "ssr")]
use super::server::{accounts, audit, dashboard, dealers, permissions, settings, users};
#[cfg(feature = "ssr")]
use crate::auth::server::admit;

/// A page of the users list.
#[server(endpoint = "admin/users/list", input = Json)]
pub async fn list_users(query: UserQuery) -> Result<Page<UserRow>, AppError> {
    let ctx = admit(Action::View, Area::Users).await?;
    users::list(&ctx, &query).await
}

/// One user with their sessions.
#[server(endpoint = "admin/users/get")]
pub async fn get_user(id: Uuid) -> Result<UserDetail, AppError> {
    let ctx = admit(Action::View, Area::Users).await?;
    users::detail(&ctx, id).await
}

/// Creates a user and mails them an invitation. A form post: the answer redirects to the user.
#[server(endpoint = "admin/users/create")]
pub async fn create_user(
    name: String,
    email: String,
    role: String,
    user_type: String,
    #[server(default)] dealer_id: String,
    #[server(default)] designation: String,
) -> Result<Uuid, AppError> {
    let ctx = admit(Action::Create, Area::Users).await?;
    let form = UserForm {
        name,
        email,
        role,
        user_type,
        dealer_id,
        designation,
    };
    let id = accounts::create(&ctx, &form).await?;
    leptos_axum::redirect(&format!("/admin/users/{id}?created=1"));
    Ok(id)
}

/// Edits a user's details. A form post.
#[server(endpoint = "admin/users/update")]
pub async fn update_user(
    id: Uuid,
    name: String,
    role: String,
    user_type: String,
    #[server(default)] dealer_id: String,
    #[server(default)] designation: String,
) -> Result<(), AppError> {
    let ctx = admit(Action::Edit, Area::Users).await?;
    let form = UserForm {
        name,
        email: String::new(),
        role,
        user_type,
        dealer_id,
        designation,
    };
    accounts::update(&ctx, id, &form).await?;
    leptos_axum::redirect(&format!("/admin/users/{id}?saved=1"));
    Ok(())
}

/// Deactivates (ending their sessions) or reactivates a user; returns how many sessions ended.
#[server(endpoint = "admin/users/active")]
pub async fn set_user_active(id: Uuid, active: bool) -> Result<usize, AppError> {
    let ctx = admit(Action::Edit, Area::Users).await?;
    accounts::set_active(&ctx, id, active).await
}

/// Mails the user a link to choose a password (an invitation if they never signed in).
#[server(endpoint = "admin/users/password-link")]
pub async fn send_password_link(id: Uuid) -> Result<(), AppError> {
    let ctx = admit(Action::Edit, Area::Users).await?;
    accounts::send_password_link(&ctx, id).await
}

/// Ends one session of a user, or all of them without `session_id`.
#[server(endpoint = "admin/users/sessions/end")]
pub async fn revoke_user_sessions(
    id: Uuid,
    #[server(default)] session_id: Option<Uuid>,
) -> Result<usize, AppError> {
    let ctx = admit(Action::Edit, Area::Users).await?;
    accounts::revoke_sessions(&ctx, id, session_id).await
}

/// Turns one permission flag on or off; returns the module's flags afterwards.
#[server(endpoint = "admin/permissions/set", input = Json)]
pub async fn set_permission(
    user_id: Uuid,
    module: Module,
    action: Action,
    on: bool,
) -> Result<FlagSet, AppError> {
    let ctx = admit(Action::Edit, Area::Users).await?;
    permissions::set_permission(&ctx, user_id, module, action, on).await
}

/// Resets users' permissions to a role template (`None`: each user's own role's).
#[server(endpoint = "admin/permissions/apply-template", input = Json)]
pub async fn apply_template(
    user_ids: Vec<Uuid>,
    template: Option<Role>,
) -> Result<usize, AppError> {
    let ctx = admit(Action::Edit, Area::Users).await?;
    permissions::apply_template(&ctx, &user_ids, template).await
}

/// Whether a user may do `action` in `area`, and why.
#[server(endpoint = "admin/users/explain", input = Json)]
pub async fn explain_access(id: Uuid, action: Action, area: Area) -> Result<Explanation, AppError> {
    let ctx = admit(Action::View, Area::Users).await?;
    users::explain(&ctx, id, action, area).await
}

/// Every role template.
#[server(endpoint = "admin/templates/list")]
pub async fn list_templates() -> Result<Vec<RoleTemplate>, AppError> {
    let ctx = admit(Action::View, Area::RoleTemplates).await?;
    permissions::templates(&ctx).await
}

/// Turns one flag of a role template on or off (super admins).
#[server(endpoint = "admin/templates/set", input = Json)]
pub async fn set_template_flag(
    role: Role,
    module: Module,
    action: Action,
    on: bool,
) -> Result<FlagSet, AppError> {
    let ctx = admit(Action::Edit, Area::RoleTemplates).await?;
    permissions::set_template_flag(&ctx, role, module, action, on).await
}

/// A page of the dealers list.
#[server(endpoint = "admin/dealers/list", input = Json)]
pub async fn list_dealers(query: DealerQuery) -> Result<Page<DealerRow>, AppError> {
    let ctx = admit(Action::View, Area::Dealers).await?;
    dealers::list(&ctx, &query).await
}

/// One dealer.
#[server(endpoint = "admin/dealers/get")]
pub async fn get_dealer(id: Uuid) -> Result<DealerRow, AppError> {
    let ctx = admit(Action::View, Area::Dealers).await?;
    dealers::get(&ctx, id).await
}

/// Every dealer, for pickers.
#[server(endpoint = "admin/dealers/options")]
pub async fn dealer_options() -> Result<Vec<DealerOption>, AppError> {
    let ctx = admit(Action::View, Area::Dealers).await?;
    dealers::options(&ctx).await
}

/// Dealers whose code or name contains `text`, for a dealer filter's suggestions as you type.
#[server(endpoint = "admin/dealers/suggest")]
pub async fn suggest_dealers(text: String) -> Result<Vec<DealerOption>, AppError> {
    let ctx = admit(Action::View, Area::Dealers).await?;
    dealers::suggest(&ctx, &text).await
}

/// Creates a dealer. A form post: the answer redirects to the dealer.
#[server(endpoint = "admin/dealers/create")]
pub async fn create_dealer(
    dealer_code: String,
    dealer_name: String,
    #[server(default)] address: String,
    #[server(default)] city: String,
    #[server(default)] state: String,
    #[server(default)] country: String,
    #[server(default)] postal_code: String,
    #[server(default)] phone: String,
    #[server(default)] email: String,
    brand: String,
    status: String,
) -> Result<Uuid, AppError> {
    let form = DealerForm {
        dealer_code,
        dealer_name,
        address,
        city,
        state,
        country,
        postal_code,
        phone,
        email,
        brand,
        status,
    };
    let ctx = admit(Action::Create, Area::Dealers).await?;
    let id = dealers::create(&ctx, &form).await?;
    leptos_axum::redirect(&format!("/admin/dealers/{id}?created=1"));
    Ok(id)
}

/// Edits a dealer; suspending or deactivating it ends its users' sessions. A form post.
#[server(endpoint = "admin/dealers/update")]
pub async fn update_dealer(
    id: Uuid,
    dealer_code: String,
    dealer_name: String,
    #[server(default)] address: String,
    #[server(default)] city: String,
    #[server(default)] state: String,
    #[server(default)] country: String,
    #[server(default)] postal_code: String,
    #[server(default)] phone: String,
    #[server(default)] email: String,
    brand: String,
    status: String,
) -> Result<usize, AppError> {
    let form = DealerForm {
        dealer_code,
        dealer_name,
        address,
        city,
        state,
        country,
        postal_code,
        phone,
        email,
        brand,
        status,
    };
    let ctx = admit(Action::Edit, Area::Dealers).await?;
    let ended = dealers::update(&ctx, id, &form).await?;
    leptos_axum::redirect(&format!("/admin/dealers/{id}?saved=1&ended={ended}"));
    Ok(ended)
}

/// A page of the audit trail.
#[server(endpoint = "admin/audit/list", input = Json)]
pub async fn list_audit(query: AuditQuery) -> Result<Page<AuditRow>, AppError> {
    let ctx = admit(Action::View, Area::AuditLog).await?;
    audit::page(&ctx, &query).await
}

/// The audit chain's length and what its latest tamper check found.
#[server(endpoint = "admin/audit/chain")]
pub async fn audit_chain() -> Result<crate::audit::ChainState, AppError> {
    let ctx = admit(Action::View, Area::AuditLog).await?;
    // The chain's bookkeeping is outside every request role's reach; read it as the server.
    let mut conn = ctx.state.pool.acquire().await?;
    crate::audit::chain::state(&mut conn).await
}

/// The editable settings.
#[server(endpoint = "admin/settings/list")]
pub async fn list_settings() -> Result<Vec<SettingRow>, AppError> {
    let ctx = admit(Action::View, Area::Settings).await?;
    settings::list(&ctx).await
}

/// Changes one setting (super admins).
#[server(endpoint = "admin/settings/update")]
pub async fn update_setting(
    category: String,
    key: String,
    value: String,
) -> Result<SettingRow, AppError> {
    let ctx = admit(Action::Edit, Area::Settings).await?;
    settings::update(&ctx, &category, &key, &value).await
}

/// The administrators' dashboard.
#[server(endpoint = "admin/dashboard")]
pub async fn get_dashboard() -> Result<Dashboard, AppError> {
    let ctx = admit(Action::View, Area::Dashboard).await?;
    dashboard::dashboard(&ctx).await
}
