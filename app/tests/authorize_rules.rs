//! `authorize` checked against the rules written out as a table, across random users (every role
//! and user type, consistent or not, active or not, any flags), every action, every area and
//! every kind of scope.
//!
//! The table is read top to bottom: the first row whose condition holds refuses with its rule.
//! When no row refuses, the action is allowed. It is written from the product's rules, not from
//! the code, and deliberately in a different shape (flat conditions over the whole case).

use app::auth::authorize::{
    Action, Actor, Area, FlagSet, Permissions, Rule, Scope, TargetUser, UserChange, authorize,
};
use app::auth::roles::{Role, UserType};
use app::modules::Module;
use proptest::prelude::*;
use uuid::Uuid;

/// One question put to `authorize`.
#[derive(Debug, Clone, Copy)]
struct Case {
    actor: Actor,
    action: Action,
    area: Area,
    scope: Scope,
}

const ME: Uuid = Uuid::from_u128(1);
const SOMEONE: Uuid = Uuid::from_u128(2);
const DEALER_A: Uuid = Uuid::from_u128(0xA);
const DEALER_B: Uuid = Uuid::from_u128(0xB);

fn admin(c: &Case) -> bool {
    matches!(c.actor.role, Role::SuperAdmin | Role::ManufacturerAdmin)
}
fn dealer_user(c: &Case) -> bool {
    c.actor.user_type == UserType::Dealer
}
fn module(c: &Case) -> Option<Module> {
    match c.area {
        Area::Module(m) => Some(m),
        _ => None,
    }
}
fn target(c: &Case) -> Option<(TargetUser, UserChange)> {
    match c.scope {
        Scope::User { target, change } => Some((target, change)),
        _ => None,
    }
}
fn record(c: &Case) -> Option<(Uuid, Option<Uuid>)> {
    match c.scope {
        Scope::DealerRecord {
            dealer_id,
            submitted_by,
        } => Some((dealer_id, submitted_by)),
        _ => None,
    }
}
fn any_scope(c: &Case) -> bool {
    c.scope == Scope::Any
}
fn removes_a_super_admin(c: &Case) -> bool {
    match target(c) {
        Some((
            t,
            UserChange::Deactivate {
                active_super_admins,
            },
        )) => t.role == Role::SuperAdmin && t.active && active_super_admins <= 1,
        Some((
            t,
            UserChange::Role {
                to,
                active_super_admins,
            },
        )) => {
            t.role == Role::SuperAdmin
                && to != Role::SuperAdmin
                && t.active
                && active_super_admins <= 1
        }
        _ => false,
    }
}

/// One row of the table: the rule, what it says, and when it refuses.
type Row = (Rule, &'static str, fn(&Case) -> bool);

/// The rules, in order.
const RULES: &[Row] = &[
    (
        Rule::InactiveUser,
        "A deactivated user may do nothing.",
        |c| !c.actor.active,
    ),
    (
        Rule::InactiveDealer,
        "A dealer user whose dealer is not active may do nothing.",
        |c| dealer_user(c) && !c.actor.dealer_active,
    ),
    (
        Rule::InconsistentAccount,
        "Dealer roles are dealer users with a dealer; admin roles are manufacturer users without one.",
        |c| {
            let dealer_role = !matches!(c.actor.role, Role::SuperAdmin | Role::ManufacturerAdmin);
            dealer_role != dealer_user(c) || dealer_user(c) != c.actor.dealer_id.is_some()
        },
    ),
    // Business modules.
    (
        Rule::NotApplicable,
        "Module actions are not about users.",
        |c| module(c).is_some() && target(c).is_some(),
    ),
    (
        Rule::MissingFlag,
        "In a module you need the flag for the action.",
        |c| module(c).is_some_and(|m| !c.actor.permissions.get(m).has(c.action)),
    ),
    (
        Rule::ApproveNeedsManufacturer,
        "Only manufacturer users approve.",
        |c| module(c).is_some() && c.action == Action::Approve && dealer_user(c),
    ),
    (
        Rule::OtherDealer,
        "Dealer users touch only their own dealer's records.",
        |c| {
            module(c).is_some()
                && dealer_user(c)
                && record(c).is_some_and(|(d, _)| Some(d) != c.actor.dealer_id)
        },
    ),
    (
        Rule::OwnSubmission,
        "Nobody approves what they submitted.",
        |c| {
            module(c).is_some()
                && c.action == Action::Approve
                && record(c).is_some_and(|(_, by)| by == Some(c.actor.id))
        },
    ),
    // User administration.
    (
        Rule::NotAdministrator,
        "Only the two admin roles administer users.",
        |c| c.area == Area::Users && !admin(c),
    ),
    (
        Rule::NotApplicable,
        "Users are not approved, and are not dealer records.",
        |c| c.area == Area::Users && (c.action == Action::Approve || record(c).is_some()),
    ),
    (Rule::NeverDeleted, "Users are never deleted.", |c| {
        c.area == Area::Users && c.action == Action::Delete
    }),
    (
        Rule::OverSuperAdmin,
        "A manufacturer admin never acts on a super admin, nor makes one.",
        |c| {
            c.area == Area::Users
                && c.actor.role == Role::ManufacturerAdmin
                && target(c).is_some_and(|(t, ch)| {
                    t.role == Role::SuperAdmin
                        || matches!(
                            ch,
                            UserChange::Role {
                                to: Role::SuperAdmin,
                                ..
                            }
                        )
                })
        },
    ),
    (
        Rule::SelfDeactivation,
        "Nobody deactivates themselves.",
        |c| {
            c.area == Area::Users
                && target(c).is_some_and(|(t, ch)| {
                    matches!(ch, UserChange::Deactivate { .. }) && t.id == c.actor.id
                })
        },
    ),
    (
        Rule::LastSuperAdmin,
        "The last active super admin is never deactivated or demoted.",
        |c| c.area == Area::Users && removes_a_super_admin(c),
    ),
    (
        Rule::GrantBeyondOwn,
        "Nobody grants a flag they do not hold.",
        |c| {
            c.area == Area::Users
                && target(c).is_some_and(|(_, ch)| match ch {
                    UserChange::Grant { module, flags } => {
                        !flags.minus(c.actor.permissions.get(module)).is_empty()
                    }
                    _ => false,
                })
        },
    ),
    // Dealers.
    (Rule::NotAdministrator, "Only admins manage dealers.", |c| {
        c.area == Area::Dealers && !admin(c)
    }),
    (
        Rule::NotApplicable,
        "Dealers are not approved; dealer screens take no record scope.",
        |c| c.area == Area::Dealers && (c.action == Action::Approve || !any_scope(c)),
    ),
    (Rule::NeverDeleted, "Dealers are never deleted.", |c| {
        c.area == Area::Dealers && c.action == Action::Delete
    }),
    // Role templates.
    (
        Rule::NotAdministrator,
        "Only admins see role templates.",
        |c| c.area == Area::RoleTemplates && !admin(c),
    ),
    (
        Rule::NotApplicable,
        "Templates are only viewed and edited, as a whole.",
        |c| {
            c.area == Area::RoleTemplates
                && (!matches!(c.action, Action::View | Action::Edit) || !any_scope(c))
        },
    ),
    (
        Rule::SuperAdminOnly,
        "Only super admins edit templates.",
        |c| {
            c.area == Area::RoleTemplates
                && c.action == Action::Edit
                && c.actor.role != Role::SuperAdmin
        },
    ),
    // Audit trail.
    (
        Rule::NotAdministrator,
        "Only admins read the audit trail.",
        |c| c.area == Area::AuditLog && !admin(c),
    ),
    (
        Rule::NeverDeleted,
        "Nobody edits or deletes the audit trail.",
        |c| {
            c.area == Area::AuditLog
                && matches!(c.action, Action::Edit | Action::Delete)
                && any_scope(c)
        },
    ),
    (
        Rule::NotApplicable,
        "The audit trail is only read, as a whole.",
        |c| c.area == Area::AuditLog && (c.action != Action::View || !any_scope(c)),
    ),
    // Settings.
    (
        Rule::SuperAdminOnly,
        "Only super admins see or change settings.",
        |c| c.area == Area::Settings && c.actor.role != Role::SuperAdmin,
    ),
    (
        Rule::NotApplicable,
        "Settings are only viewed and edited, as a whole.",
        |c| {
            c.area == Area::Settings
                && (!matches!(c.action, Action::View | Action::Edit) || !any_scope(c))
        },
    ),
    // Dashboard.
    (
        Rule::NotAdministrator,
        "Only admins see the dashboard.",
        |c| c.area == Area::Dashboard && !admin(c),
    ),
    (Rule::NotApplicable, "The dashboard is only viewed.", |c| {
        c.area == Area::Dashboard && (c.action != Action::View || !any_scope(c))
    }),
    // One's own account.
    (
        Rule::NotApplicable,
        "One's own account is only viewed and edited.",
        |c| {
            c.area == Area::Account
                && (!matches!(c.action, Action::View | Action::Edit) || !any_scope(c))
        },
    ),
];

/// The table's verdict: the first refusing row, or allowed.
fn expected(c: &Case) -> (Rule, &'static str) {
    RULES
        .iter()
        .find(|(_, _, refuses)| refuses(c))
        .map(|(rule, says, _)| (*rule, *says))
        .unwrap_or((Rule::Allowed, "Every rule that applies is met."))
}

fn flags() -> impl Strategy<Value = FlagSet> {
    (0u8..32).prop_map(FlagSet::from_bits)
}

fn permissions() -> impl Strategy<Value = Permissions> {
    proptest::array::uniform6(flags()).prop_map(|sets| {
        let mut p = Permissions::default();
        for (m, f) in Module::ALL.into_iter().zip(sets) {
            p.set(m, f);
        }
        p
    })
}

fn role() -> impl Strategy<Value = Role> {
    proptest::sample::select(Role::ALL.to_vec())
}

fn actor() -> impl Strategy<Value = Actor> {
    (
        role(),
        // Mostly consistent accounts, sometimes not.
        prop_oneof![4 => Just(None), 1 => Just(Some(UserType::Dealer)), 1 => Just(Some(UserType::Manufacturer))],
        prop_oneof![Just(None), Just(Some(DEALER_A)), Just(Some(DEALER_B))],
        prop_oneof![9 => Just(true), 1 => Just(false)],
        prop_oneof![9 => Just(true), 1 => Just(false)],
        permissions(),
    )
        .prop_map(|(role, forced_type, dealer, active, dealer_active, permissions)| {
            let user_type = forced_type.unwrap_or(role.user_type());
            let dealer_id = match (forced_type, user_type) {
                (None, UserType::Dealer) => Some(dealer.unwrap_or(DEALER_A)),
                (None, UserType::Manufacturer) => None,
                (Some(_), _) => dealer,
            };
            Actor { id: ME, role, user_type, dealer_id, active, dealer_active, permissions }
        })
}

fn area() -> impl Strategy<Value = Area> {
    let mut areas: Vec<Area> = Module::ALL.into_iter().map(Area::Module).collect();
    areas.extend([
        Area::Users,
        Area::Dealers,
        Area::RoleTemplates,
        Area::AuditLog,
        Area::Settings,
        Area::Dashboard,
        Area::Account,
    ]);
    proptest::sample::select(areas)
}

fn change() -> impl Strategy<Value = UserChange> {
    let module = proptest::sample::select(Module::ALL.to_vec());
    prop_oneof![
        Just(UserChange::Details),
        (role(), 0u32..3).prop_map(|(to, n)| UserChange::Role {
            to,
            active_super_admins: n
        }),
        (0u32..3).prop_map(|n| UserChange::Deactivate {
            active_super_admins: n
        }),
        (module, flags()).prop_map(|(module, flags)| UserChange::Grant { module, flags }),
    ]
}

fn scope() -> impl Strategy<Value = Scope> {
    prop_oneof![
        Just(Scope::Any),
        (
            prop_oneof![Just(DEALER_A), Just(DEALER_B)],
            prop_oneof![Just(None), Just(Some(ME)), Just(Some(SOMEONE))]
        )
            .prop_map(|(dealer_id, submitted_by)| Scope::DealerRecord {
                dealer_id,
                submitted_by
            }),
        (
            prop_oneof![Just(ME), Just(SOMEONE)],
            role(),
            any::<bool>(),
            change()
        )
            .prop_map(|(id, role, active, change)| Scope::User {
                target: TargetUser { id, role, active },
                change
            }),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        actor(),
        proptest::sample::select(Action::ALL.to_vec()),
        area(),
        scope(),
    )
        .prop_map(|(actor, action, area, scope)| Case {
            actor,
            action,
            area,
            scope,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

    #[test]
    fn authorize_agrees_with_the_rules_table(c in case()) {
        let decision = authorize(&c.actor, c.action, c.area, c.scope);
        let (rule, says) = expected(&c);
        prop_assert_eq!(decision.rule, rule, "table says: {}; authorize said: {}", says, decision.reason);
        prop_assert_eq!(decision.allowed, rule == Rule::Allowed);
        prop_assert!(!decision.reason.is_empty());
        // A dealer user's allowed module work is always confined to their dealer.
        if decision.allowed && module(&c).is_some() && dealer_user(&c) {
            prop_assert_eq!(decision.dealer_filter, c.actor.dealer_id);
        }
        if decision.allowed && !dealer_user(&c) {
            prop_assert_eq!(decision.dealer_filter, None);
        }
    }
}

/// Every rule of the table is reached by some generated case, so none is dead.
#[test]
fn every_rule_of_the_table_is_exercised() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = case();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..50_000 {
        let c = strategy.new_tree(&mut runner).unwrap().current();
        seen.insert(expected(&c).0);
    }
    for (rule, says, _) in RULES {
        assert!(seen.contains(rule), "never reached: {rule:?} ({says})");
    }
    assert!(seen.contains(&Rule::Allowed));
}

#[test]
fn a_dealer_user_with_every_flag_still_cannot_reach_another_dealer_or_approve() {
    let actor = Actor {
        id: ME,
        role: Role::ServiceHead,
        user_type: UserType::Dealer,
        dealer_id: Some(DEALER_A),
        active: true,
        dealer_active: true,
        permissions: Permissions::ALL,
    };
    let other = Scope::DealerRecord {
        dealer_id: DEALER_B,
        submitted_by: None,
    };
    for m in Module::ALL {
        for a in [Action::View, Action::Edit, Action::Delete] {
            assert_eq!(
                authorize(&actor, a, Area::Module(m), other).rule,
                Rule::OtherDealer
            );
        }
        let approve = authorize(&actor, Action::Approve, Area::Module(m), Scope::Any);
        assert_eq!(approve.rule, Rule::ApproveNeedsManufacturer);
    }
}
