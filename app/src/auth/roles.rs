//! The six roles of the seed schema and the two kinds of user.

use serde::{Deserialize, Serialize};

/// Whether a user works for a dealer or for the manufacturer (`users.user_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "varchar", rename_all = "snake_case")
)]
pub enum UserType {
    /// Works at a dealership; always belongs to one dealer.
    Dealer,
    /// Works for the manufacturer; belongs to no dealer.
    Manufacturer,
}

impl UserType {
    /// Both kinds.
    pub const ALL: [UserType; 2] = [UserType::Dealer, UserType::Manufacturer];

    /// The value stored in `users.user_type`.
    pub const fn key(self) -> &'static str {
        match self {
            UserType::Dealer => "dealer",
            UserType::Manufacturer => "manufacturer",
        }
    }

    /// The kind stored as `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.key() == key)
    }

    /// The name shown on screen.
    pub const fn label(self) -> &'static str {
        match self {
            UserType::Dealer => "Dealer",
            UserType::Manufacturer => "Manufacturer",
        }
    }
}

/// A user's role (`users.role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "varchar", rename_all = "snake_case")
)]
pub enum Role {
    /// Manufacturer; administers everything, including other admins.
    SuperAdmin,
    /// Manufacturer; administers users and dealers, but never a super admin.
    ManufacturerAdmin,
    /// Dealer; a master technician.
    MasterTechnician,
    /// Dealer; runs the service department.
    ServiceManager,
    /// Dealer; heads the service business.
    ServiceHead,
    /// Dealer; handles warranty.
    WarrantyManager,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 6] = [
        Role::SuperAdmin,
        Role::ManufacturerAdmin,
        Role::MasterTechnician,
        Role::ServiceManager,
        Role::ServiceHead,
        Role::WarrantyManager,
    ];

    /// The value stored in `users.role`.
    pub const fn key(self) -> &'static str {
        match self {
            Role::SuperAdmin => "super_admin",
            Role::ManufacturerAdmin => "manufacturer_admin",
            Role::MasterTechnician => "master_technician",
            Role::ServiceManager => "service_manager",
            Role::ServiceHead => "service_head",
            Role::WarrantyManager => "warranty_manager",
        }
    }

    /// The name shown on screen.
    pub const fn label(self) -> &'static str {
        match self {
            Role::SuperAdmin => "Super admin",
            Role::ManufacturerAdmin => "Manufacturer admin",
            Role::MasterTechnician => "Master technician",
            Role::ServiceManager => "Service manager",
            Role::ServiceHead => "Service head",
            Role::WarrantyManager => "Warranty manager",
        }
    }

    /// Whether the role administers users and dealers.
    pub const fn is_admin(self) -> bool {
        matches!(self, Role::SuperAdmin | Role::ManufacturerAdmin)
    }

    /// The role stored as `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }

    /// The kind of user that holds this role.
    pub const fn user_type(self) -> UserType {
        match self {
            Role::SuperAdmin | Role::ManufacturerAdmin => UserType::Manufacturer,
            _ => UserType::Dealer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_roles_are_manufacturer_roles_and_the_rest_belong_to_dealers() {
        assert_eq!(Role::SuperAdmin.user_type(), UserType::Manufacturer);
        assert_eq!(Role::ManufacturerAdmin.user_type(), UserType::Manufacturer);
        for r in [
            Role::MasterTechnician,
            Role::ServiceManager,
            Role::ServiceHead,
            Role::WarrantyManager,
        ] {
            assert_eq!(r.user_type(), UserType::Dealer);
        }
    }

    #[test]
    fn role_and_user_type_keys_round_trip_and_match_serde() {
        for r in Role::ALL {
            assert_eq!(Role::from_key(r.key()), Some(r));
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.key())
            );
        }
        for t in UserType::ALL {
            assert_eq!(UserType::from_key(t.key()), Some(t));
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("\"{}\"", t.key())
            );
        }
    }
}
