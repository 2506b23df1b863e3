//! A dealer's status and brand, exactly as the seed's `dealers` CHECK constraints name them. Sign-in,
//! sessions, administration and every module read them through these types, never as text.

use serde::{Deserialize, Serialize};

/// Whether a dealer's users may work (`dealers.status`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "varchar", rename_all = "snake_case")
)]
pub enum DealerStatus {
    /// Trading with the manufacturer; its users sign in.
    #[default]
    Active,
    /// No longer a dealer; its users cannot sign in, its records stay.
    Inactive,
    /// Temporarily barred; its users cannot sign in.
    Suspended,
}

impl DealerStatus {
    /// Every status, in the order forms list them.
    pub const ALL: [DealerStatus; 3] = [
        DealerStatus::Active,
        DealerStatus::Inactive,
        DealerStatus::Suspended,
    ];

    /// The value stored in `dealers.status`, and used in URLs.
    pub const fn key(self) -> &'static str {
        match self {
            DealerStatus::Active => "active",
            DealerStatus::Inactive => "inactive",
            DealerStatus::Suspended => "suspended",
        }
    }

    /// The status stored as `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The name shown on screen.
    pub const fn label(self) -> &'static str {
        match self {
            DealerStatus::Active => "Active",
            DealerStatus::Inactive => "Inactive",
            DealerStatus::Suspended => "Suspended",
        }
    }

    /// Whether the dealer's users may sign in and work.
    pub const fn is_active(self) -> bool {
        matches!(self, DealerStatus::Active)
    }
}

/// The brands a dealer sells and services (`dealers.brand`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "varchar"))]
pub enum Brand {
    /// Volkswagen only.
    Volkswagen,
    /// Škoda only.
    Skoda,
    /// Both brands.
    Both,
}

impl Brand {
    /// Every brand, in the order forms list them.
    pub const ALL: [Brand; 3] = [Brand::Volkswagen, Brand::Skoda, Brand::Both];

    /// The value stored in `dealers.brand` (the seed spells them capitalised), and used in URLs.
    pub const fn key(self) -> &'static str {
        match self {
            Brand::Volkswagen => "Volkswagen",
            Brand::Skoda => "Skoda",
            Brand::Both => "Both",
        }
    }

    /// The brand stored as `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.key() == key)
    }

    /// The name shown on screen.
    pub const fn label(self) -> &'static str {
        match self {
            Brand::Volkswagen => "Volkswagen",
            Brand::Skoda => "Škoda",
            Brand::Both => "Volkswagen and Škoda",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_brands_round_trip_through_their_stored_keys() {
        for s in DealerStatus::ALL {
            assert_eq!(DealerStatus::from_key(s.key()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.key())
            );
        }
        for b in Brand::ALL {
            assert_eq!(Brand::from_key(b.key()), Some(b));
            assert_eq!(
                serde_json::to_string(&b).unwrap(),
                format!("\"{}\"", b.key())
            );
        }
        assert_eq!(DealerStatus::from_key("closed"), None);
        assert_eq!(Brand::from_key("Audi"), None);
    }
}
