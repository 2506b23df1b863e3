//! The one authorization rule of the product.
//!
//! [`authorize`] decides every action: server functions call it first, list queries take their
//! dealer filter from its [`Decision`], and the UI asks it which actions to offer. It is a pure
//! function of facts the caller loads (the acting user, the record's dealer and submitter, the user
//! being administered), so the browser and the server reach the same answer and a property test can
//! check it against the rules table in `app/tests/authorize_rules.rs`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use super::flags::{Action, FlagSet, Permissions};
use super::roles::{Role, UserType};
use crate::modules::Module;

/// Where an action happens: a business module, or one of the administration areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "area", content = "module")]
pub enum Area {
    /// A business module's records.
    Module(Module),
    /// User administration (accounts, permissions, sessions).
    Users,
    /// Dealer administration.
    Dealers,
    /// The role templates.
    RoleTemplates,
    /// The audit trail.
    AuditLog,
    /// System settings.
    Settings,
    /// The administrators' dashboard and system status.
    Dashboard,
    /// The signed-in user's own account: their sessions, password and second factor.
    Account,
}

impl Area {
    /// Every area: the six modules, then administration, then one's own account.
    pub const ALL: [Area; 13] = [
        Area::Module(Module::DealerPcc),
        Area::Module(Module::ApiRegistration),
        Area::Module(Module::MtMeet),
        Area::Module(Module::WorkshopSurvey),
        Area::Module(Module::WarrantySurvey),
        Area::Module(Module::TechnicalSurvey),
        Area::Users,
        Area::Dealers,
        Area::RoleTemplates,
        Area::AuditLog,
        Area::Settings,
        Area::Dashboard,
        Area::Account,
    ];

    /// The key in URLs and forms: a module's own key, or the administration area's.
    pub const fn key(self) -> &'static str {
        match self {
            Area::Module(m) => m.key(),
            Area::Users => "users",
            Area::Dealers => "dealers",
            Area::RoleTemplates => "role_templates",
            Area::AuditLog => "audit",
            Area::Settings => "settings",
            Area::Dashboard => "dashboard",
            Area::Account => "account",
        }
    }

    /// The area whose key is `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }

    /// The area's name in sentences.
    pub fn title(self) -> &'static str {
        match self {
            Area::Module(m) => m.title(),
            Area::Users => "user administration",
            Area::Dealers => "dealer administration",
            Area::RoleTemplates => "role templates",
            Area::AuditLog => "the audit trail",
            Area::Settings => "settings",
            Area::Dashboard => "the administration dashboard",
            Area::Account => "your own account",
        }
    }
}

/// The acting user, with what `authorize` needs to know about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// `users.id`.
    pub id: Uuid,
    /// Role.
    pub role: Role,
    /// Dealer or manufacturer.
    pub user_type: UserType,
    /// A dealer user's dealer.
    pub dealer_id: Option<Uuid>,
    /// `users.is_active`.
    pub active: bool,
    /// Whether the user's dealer (if any) is active.
    pub dealer_active: bool,
    /// `module_access` flags.
    pub permissions: Permissions,
}

/// The user an administrative action concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetUser {
    /// `users.id` (nil for a user being created).
    pub id: Uuid,
    /// Their role now (or the new user's role).
    pub role: Role,
    /// Whether they are active.
    pub active: bool,
}

/// What an administrative action does to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserChange {
    /// Nothing beyond viewing or editing details (name, designation, dealer).
    Details,
    /// Gives them this role. `active_super_admins` counts active super admins, them included.
    Role { to: Role, active_super_admins: u32 },
    /// Deactivates them. `active_super_admins` counts active super admins, them included.
    Deactivate { active_super_admins: u32 },
    /// Turns these flags on in this module.
    Grant { module: Module, flags: FlagSet },
}

/// Which record an action concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// No particular record: a list, a screen, or creating a record of the actor's own dealer.
    Any,
    /// A record owned by `dealer_id`, submitted by `submitted_by` when known.
    DealerRecord {
        /// The record's dealer.
        dealer_id: Uuid,
        /// Who submitted it.
        submitted_by: Option<Uuid>,
    },
    /// A user being administered, and the change.
    User {
        /// The user.
        target: TargetUser,
        /// The change.
        change: UserChange,
    },
}

/// Which rule decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Allowed: every rule that applies is met.
    Allowed,
    /// The acting user is deactivated.
    InactiveUser,
    /// The acting user's dealer is inactive or suspended.
    InactiveDealer,
    /// Role, user type and dealer do not fit together.
    InconsistentAccount,
    /// The action does not exist in this area (e.g. approving a setting).
    NotApplicable,
    /// The user lacks the module flag.
    MissingFlag,
    /// Dealer users never decide workflow steps.
    ApproveNeedsManufacturer,
    /// A dealer user asked for another dealer's record.
    OtherDealer,
    /// Nobody decides on their own submission.
    OwnSubmission,
    /// Only administrators administer.
    NotAdministrator,
    /// Only super admins may do this.
    SuperAdminOnly,
    /// A manufacturer admin never acts on, or creates, a super admin.
    OverSuperAdmin,
    /// Nobody deactivates themselves.
    SelfDeactivation,
    /// The last active super admin stays.
    LastSuperAdmin,
    /// Nobody grants a flag they do not hold.
    GrantBeyondOwn,
    /// Accounts and dealers are deactivated, never deleted; the audit trail is read-only.
    NeverDeleted,
}

/// The answer of [`authorize`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Whether the action may go ahead.
    pub allowed: bool,
    /// The rule that decided.
    pub rule: Rule,
    /// Why, in a sentence an administrator can act on.
    pub reason: String,
    /// For an allowed action of a dealer user: lists and queries must keep to this dealer.
    pub dealer_filter: Option<Uuid>,
}

impl Decision {
    fn deny(rule: Rule, reason: String) -> Self {
        Decision {
            allowed: false,
            rule,
            reason,
            dealer_filter: None,
        }
    }

    fn allow(reason: String, dealer_filter: Option<Uuid>) -> Self {
        Decision {
            allowed: true,
            rule: Rule::Allowed,
            reason,
            dealer_filter,
        }
    }
}

/// Decides whether `actor` may do `action` in `area` on `scope`. The first rule that refuses
/// decides; when none does, the action is allowed and the reason says what allowed it.
pub fn authorize(actor: &Actor, action: Action, area: Area, scope: Scope) -> Decision {
    use Rule::*;
    if !actor.active {
        return Decision::deny(InactiveUser, "The account is deactivated.".into());
    }
    if actor.user_type == UserType::Dealer && !actor.dealer_active {
        return Decision::deny(
            InactiveDealer,
            "The account's dealer is inactive or suspended.".into(),
        );
    }
    let consistent = actor.role.user_type() == actor.user_type
        && match actor.user_type {
            UserType::Dealer => actor.dealer_id.is_some(),
            UserType::Manufacturer => actor.dealer_id.is_none(),
        };
    if !consistent {
        return Decision::deny(
            InconsistentAccount,
            "The account's role, user type and dealer do not fit together; an administrator must correct it.".into(),
        );
    }
    match area {
        Area::Module(module) => authorize_module(actor, action, module, scope),
        Area::Users => authorize_user_admin(actor, action, scope),
        Area::Dealers => {
            if !actor.role.is_admin() {
                return Decision::deny(
                    NotAdministrator,
                    "Only administrators manage dealers.".into(),
                );
            }
            match (action, scope) {
                (Action::Approve, _) | (_, Scope::DealerRecord { .. } | Scope::User { .. }) => {
                    not_applicable(action, area)
                }
                (Action::Delete, _) => Decision::deny(
                    NeverDeleted,
                    "Dealers are deactivated or suspended, never deleted: their records stay."
                        .into(),
                ),
                _ => Decision::allow("Administrators manage dealers.".into(), None),
            }
        }
        Area::RoleTemplates => {
            if !actor.role.is_admin() {
                return Decision::deny(
                    NotAdministrator,
                    "Only administrators see role templates.".into(),
                );
            }
            match (action, scope) {
                (Action::View, Scope::Any) => {
                    Decision::allow("Administrators see role templates.".into(), None)
                }
                (Action::Edit, Scope::Any) if actor.role == Role::SuperAdmin => {
                    Decision::allow("Super admins edit role templates.".into(), None)
                }
                (Action::Edit, Scope::Any) => Decision::deny(
                    SuperAdminOnly,
                    "Only super admins edit role templates.".into(),
                ),
                _ => not_applicable(action, area),
            }
        }
        Area::AuditLog => {
            if !actor.role.is_admin() {
                return Decision::deny(
                    NotAdministrator,
                    "Only administrators read the audit trail.".into(),
                );
            }
            match (action, scope) {
                (Action::View, Scope::Any) => {
                    Decision::allow("Administrators read the audit trail.".into(), None)
                }
                (Action::Edit | Action::Delete, Scope::Any) => Decision::deny(
                    NeverDeleted,
                    "The audit trail is read-only: nobody changes or deletes it.".into(),
                ),
                _ => not_applicable(action, area),
            }
        }
        Area::Settings => {
            if actor.role != Role::SuperAdmin {
                return Decision::deny(
                    SuperAdminOnly,
                    "Only super admins see and change settings.".into(),
                );
            }
            match (action, scope) {
                (Action::View | Action::Edit, Scope::Any) => {
                    Decision::allow("Super admins manage settings.".into(), None)
                }
                _ => not_applicable(action, area),
            }
        }
        Area::Account => authorize_account(action, scope),
        Area::Dashboard => {
            if !actor.role.is_admin() {
                return Decision::deny(
                    NotAdministrator,
                    "Only administrators see the dashboard.".into(),
                );
            }
            match (action, scope) {
                (Action::View, Scope::Any) => {
                    Decision::allow("Administrators see the dashboard.".into(), None)
                }
                _ => not_applicable(action, area),
            }
        }
    }
}

/// One's own account is everyone's to see and change (once the account and its dealer may work
/// at all); there is nothing to create, delete or approve in it.
fn authorize_account(action: Action, scope: Scope) -> Decision {
    match (action, scope) {
        (Action::View | Action::Edit, Scope::Any) => {
            Decision::allow("Everyone manages their own account.".into(), None)
        }
        _ => not_applicable(action, Area::Account),
    }
}

fn not_applicable(action: Action, area: Area) -> Decision {
    Decision::deny(
        Rule::NotApplicable,
        format!(
            "There is no “{}” action on {}.",
            action.label(),
            area.title()
        ),
    )
}

fn authorize_module(actor: &Actor, action: Action, module: Module, scope: Scope) -> Decision {
    if let Scope::User { .. } = scope {
        return not_applicable(action, Area::Module(module));
    }
    if !actor.permissions.allows(module, action) {
        return Decision::deny(
            Rule::MissingFlag,
            format!(
                "The permissions for {} do not include “{}” (held: {}).",
                module.title(),
                action.label(),
                actor.permissions.get(module).describe()
            ),
        );
    }
    if action == Action::Approve && actor.user_type == UserType::Dealer {
        return Decision::deny(
            Rule::ApproveNeedsManufacturer,
            "Only manufacturer staff decide on submissions; dealer users cannot, whatever their flags.".into(),
        );
    }
    if let Scope::DealerRecord {
        dealer_id,
        submitted_by,
    } = scope
    {
        if actor.user_type == UserType::Dealer && actor.dealer_id != Some(dealer_id) {
            return Decision::deny(
                Rule::OtherDealer,
                "The record belongs to another dealer.".into(),
            );
        }
        if action == Action::Approve && submitted_by == Some(actor.id) {
            return Decision::deny(
                Rule::OwnSubmission,
                "Nobody decides on a submission they made themselves.".into(),
            );
        }
    }
    let (dealer_filter, whose) = match actor.user_type {
        UserType::Dealer => (actor.dealer_id, "records of their own dealer"),
        UserType::Manufacturer => (None, "records of every dealer"),
    };
    Decision::allow(
        format!(
            "Holds “{}” on {}, for {whose}.",
            action.label(),
            module.title()
        ),
        dealer_filter,
    )
}

/// The roles whose accounts an administrator in `actor_role` may neither see nor administer: a
/// manufacturer admin is kept out of super admins'. Every decision on one user and every list of
/// users (the users list, the dashboard) applies it.
pub fn roles_out_of_reach(actor_role: Role) -> &'static [Role] {
    match actor_role {
        Role::ManufacturerAdmin => &[Role::SuperAdmin],
        _ => &[],
    }
}

fn authorize_user_admin(actor: &Actor, action: Action, scope: Scope) -> Decision {
    use Rule::*;
    if !actor.role.is_admin() {
        return Decision::deny(
            NotAdministrator,
            "Only super admins and manufacturer admins administer users.".into(),
        );
    }
    if action == Action::Approve || matches!(scope, Scope::DealerRecord { .. }) {
        return not_applicable(action, Area::Users);
    }
    if action == Action::Delete {
        return Decision::deny(
            NeverDeleted,
            "Users are deactivated, never deleted: their history stays.".into(),
        );
    }
    let Scope::User { target, change } = scope else {
        return Decision::allow("Administrators manage users.".into(), None);
    };
    let new_role = match change {
        UserChange::Role { to, .. } => Some(to),
        _ => None,
    };
    let out_of_reach = roles_out_of_reach(actor.role);
    if out_of_reach.contains(&target.role) || new_role.is_some_and(|r| out_of_reach.contains(&r)) {
        return Decision::deny(
            OverSuperAdmin,
            "A manufacturer admin cannot administer, create or promote to super admin.".into(),
        );
    }
    match change {
        UserChange::Details => {}
        UserChange::Deactivate {
            active_super_admins,
        } => {
            if target.id == actor.id {
                return Decision::deny(
                    SelfDeactivation,
                    "Nobody can deactivate their own account.".into(),
                );
            }
            if target.role == Role::SuperAdmin && target.active && active_super_admins <= 1 {
                return Decision::deny(
                    LastSuperAdmin,
                    "This is the last active super admin; make another one first.".into(),
                );
            }
        }
        UserChange::Role {
            to,
            active_super_admins,
        } => {
            if target.role == Role::SuperAdmin
                && to != Role::SuperAdmin
                && target.active
                && active_super_admins <= 1
            {
                return Decision::deny(
                    LastSuperAdmin,
                    "This is the last active super admin; make another one first.".into(),
                );
            }
        }
        UserChange::Grant { module, flags } => {
            let beyond = flags.minus(actor.permissions.get(module));
            if !beyond.is_empty() {
                return Decision::deny(
                    GrantBeyondOwn,
                    format!(
                        "Nobody grants a permission they do not hold: you lack {} on {}.",
                        beyond.describe(),
                        module.title()
                    ),
                );
            }
        }
    }
    Decision::allow("Administrators manage this user.".into(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_area_has_its_own_key_and_is_found_by_it() {
        for area in Area::ALL {
            assert_eq!(Area::from_key(area.key()), Some(area));
        }
        assert_eq!(Area::from_key("payroll"), None);
    }
}
