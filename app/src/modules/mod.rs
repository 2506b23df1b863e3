//! The six business modules of the portal, keyed exactly as the database's `module_access.module`
//! CHECK constraint names them. Navigation, permissions and routing all start from this one list.
//!
//! Each module gets a folder here with the same files; `README.md` beside this file is the
//! template: the file layout, what each file may contain, and the one path a request takes
//! (view -> server function -> admit -> service -> lock -> decide -> repo -> audit -> notify ->
//! commit).

use serde::{Deserialize, Serialize};

pub mod pcc;
pub mod registrations;
pub mod surveys;

/// One business module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "varchar", rename_all = "snake_case")
)]
pub enum Module {
    /// Performance Center Program applications.
    DealerPcc,
    /// Employee registrations for API events.
    ApiRegistration,
    /// Master technician registrations for MT Meets.
    MtMeet,
    /// Workshop system survey.
    WorkshopSurvey,
    /// Warranty survey.
    WarrantySurvey,
    /// Technical awareness survey.
    TechnicalSurvey,
}

impl Module {
    /// Every module, in navigation order.
    pub const ALL: [Module; 6] = [
        Module::DealerPcc,
        Module::ApiRegistration,
        Module::MtMeet,
        Module::WorkshopSurvey,
        Module::WarrantySurvey,
        Module::TechnicalSurvey,
    ];

    /// The module's position in [`Module::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The key stored in `module_access.module`.
    pub const fn key(self) -> &'static str {
        match self {
            Module::DealerPcc => "dealer_pcc",
            Module::ApiRegistration => "api_registration",
            Module::MtMeet => "mt_meet",
            Module::WorkshopSurvey => "workshop_survey",
            Module::WarrantySurvey => "warranty_survey",
            Module::TechnicalSurvey => "technical_survey",
        }
    }

    /// The module for a database key.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.key() == key)
    }

    /// The URL segment under `/modules/`.
    pub const fn slug(self) -> &'static str {
        match self {
            Module::DealerPcc => "pcc",
            Module::ApiRegistration => "api-registrations",
            Module::MtMeet => "mt-meets",
            Module::WorkshopSurvey => "workshop-survey",
            Module::WarrantySurvey => "warranty-survey",
            Module::TechnicalSurvey => "technical-survey",
        }
    }

    /// The module whose URL segment is `slug`.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.slug() == slug)
    }

    /// The module's page.
    pub fn href(self) -> String {
        format!("/modules/{}", self.slug())
    }

    /// The name shown in navigation and headings.
    pub const fn title(self) -> &'static str {
        match self {
            Module::DealerPcc => "Performance Center Program",
            Module::ApiRegistration => "API Registrations",
            Module::MtMeet => "MT Meets",
            Module::WorkshopSurvey => "Workshop System Survey",
            Module::WarrantySurvey => "Warranty Survey",
            Module::TechnicalSurvey => "Technical Awareness Survey",
        }
    }

    /// One sentence on what the module is for.
    pub const fn summary(self) -> &'static str {
        match self {
            Module::DealerPcc => {
                "Dealers apply for the Performance Center Program; manufacturer reviewers take each \
                 application under review and approve, reject or send it back for revision."
            }
            Module::ApiRegistration => {
                "Dealers register employees for API events; the manufacturer confirms them and marks \
                 attendance."
            }
            Module::MtMeet => {
                "Dealers register master technicians for Master Technician Meets; the manufacturer \
                 confirms them and marks attendance."
            }
            Module::WorkshopSurvey => {
                "Dealers fill the scored workshop system survey for a period; the manufacturer reviews \
                 and completes it."
            }
            Module::WarrantySurvey => {
                "Dealers fill the scored warranty survey for a period; the manufacturer reviews and \
                 completes it."
            }
            Module::TechnicalSurvey => {
                "Dealers fill the scored technical awareness survey for a period; the manufacturer \
                 reviews and completes it."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_slugs_round_trip_for_every_module() {
        for m in Module::ALL {
            assert_eq!(Module::from_key(m.key()), Some(m));
            assert_eq!(Module::from_slug(m.slug()), Some(m));
        }
        assert_eq!(Module::from_key("payroll"), None);
    }

    #[test]
    fn serde_uses_the_database_key() {
        for m in Module::ALL {
            assert_eq!(
                serde_json::to_string(&m).unwrap(),
                format!("\"{}\"", m.key())
            );
        }
    }
}
