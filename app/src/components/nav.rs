//! The administration links, listed once. The side navigation and the tabs across the top of the
//! administration screens both render [`ADMIN_LINKS`], so they cannot drift apart again.

use crate::auth::authorize::{Action, Area};
use crate::auth::model::CurrentUser;

/// One link to an administration screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminLink {
    /// Where it leads.
    pub href: &'static str,
    /// Its text, which is also its accessible name.
    pub label: &'static str,
    /// Whether it marks only `href` itself as the current page, not the pages below it
    /// (`/admin` must not light up on `/admin/users`).
    pub exact: bool,
    /// What a user must be allowed to do, and where, to be shown the link: the same check the
    /// screen's server functions make, so nobody is offered a page that would refuse them.
    pub needs: (Action, Area),
}

impl AdminLink {
    /// Whether `user` is shown this link.
    pub fn visible_to(&self, user: &CurrentUser) -> bool {
        let (action, area) = self.needs;
        user.can(action, area)
    }
}

/// Every administration screen, in the order the navigation lists them.
pub const ADMIN_LINKS: &[AdminLink] = &[
    AdminLink {
        href: "/admin",
        label: "Dashboard",
        exact: true,
        needs: (Action::View, Area::Dashboard),
    },
    AdminLink {
        href: "/admin/users",
        label: "Users",
        exact: false,
        needs: (Action::View, Area::Users),
    },
    AdminLink {
        href: "/admin/permissions",
        label: "Permissions",
        exact: false,
        needs: (Action::View, Area::Users),
    },
    AdminLink {
        href: "/admin/templates",
        label: "Role templates",
        exact: false,
        needs: (Action::View, Area::RoleTemplates),
    },
    AdminLink {
        href: "/admin/dealers",
        label: "Dealers",
        exact: false,
        needs: (Action::View, Area::Dealers),
    },
    AdminLink {
        href: "/admin/audit",
        label: "Audit trail",
        exact: false,
        needs: (Action::View, Area::AuditLog),
    },
    AdminLink {
        href: "/admin/settings",
        label: "Settings",
        exact: false,
        needs: (Action::View, Area::Settings),
    },
    AdminLink {
        href: "/system/status",
        label: "System status",
        exact: false,
        needs: (Action::View, Area::Dashboard),
    },
];

/// The administration links `user` is shown, in navigation order.
pub fn admin_links_for(user: &CurrentUser) -> impl Iterator<Item = &'static AdminLink> + '_ {
    ADMIN_LINKS.iter().filter(move |l| l.visible_to(user))
}
