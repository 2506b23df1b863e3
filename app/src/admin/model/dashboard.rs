//! The administrators' dashboard and the role templates screen.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::authorize::Permissions;
use crate::auth::roles::Role;
use crate::dealers::DealerStatus;
use crate::modules::Module;

/// A role's template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleTemplate {
    /// The role.
    pub role: Role,
    /// The permissions a new user of the role gets.
    pub permissions: Permissions,
}

/// A user in the dashboard's list of recent sign-ins (`v_active_users`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveUser {
    /// `users.id`.
    pub id: Uuid,
    /// Email.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Dealer code.
    pub dealer_code: Option<String>,
    /// Last sign-in (UTC).
    pub last_login: Option<NaiveDateTime>,
    /// Modules with any access.
    pub accessible_modules: i64,
}

/// One row of `v_module_statistics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleStat {
    /// The module.
    pub module: Module,
    /// Users with access.
    pub total_users: i64,
    /// Users who may create.
    pub can_create: i64,
    /// Users who may edit.
    pub can_edit: i64,
    /// Users who may approve.
    pub can_approve: i64,
}

/// The administrators' dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// Active users (`v_active_users`).
    pub active_users: i64,
    /// Active dealer users.
    pub active_dealer_users: i64,
    /// Active users who never signed in.
    pub never_signed_in: i64,
    /// The most recent sign-ins.
    pub recent: Vec<ActiveUser>,
    /// Permissions per module (`v_module_statistics`).
    pub modules: Vec<ModuleStat>,
    /// Dealers per status.
    pub dealers_by_status: Vec<(DealerStatus, i64)>,
}
