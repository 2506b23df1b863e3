//! The audit trail: one row per sensitive event, written in the same transaction as the change it
//! records ([`record`], server only). What happened and to what kind of record are the typed
//! [`AuditAction`] and [`AuditEntity`]; their keys are what `audit_logs` stores and the audit
//! viewer filters on.

#[cfg(feature = "ssr")]
pub mod chain;
#[cfg(feature = "ssr")]
mod writer;
#[cfg(feature = "ssr")]
pub use writer::{AuditEntry, record};

/// The audit chain as the audit viewer shows it: how long it is, and what the latest check found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainState {
    /// Entries in the chain.
    pub entries: i64,
    /// When it was last checked, if ever.
    pub checked_at: Option<chrono::NaiveDateTime>,
    /// The last entry that check found intact.
    pub intact_through: i64,
    /// What that check found wrong, if anything.
    pub problem: Option<String>,
}

/// An enum whose variants are stored as fixed text keys: `key()`, `from_key()`, `ALL`, serde and
/// (on the server) `sqlx::Type` all come from the one list of `Variant = "key"` pairs.
macro_rules! keyed_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $key:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type))]
        #[cfg_attr(feature = "ssr", sqlx(type_name = "varchar"))]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $key)]
                #[cfg_attr(feature = "ssr", sqlx(rename = $key))]
                $variant,
            )+
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored text.
            pub const fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)+
                }
            }

            /// The value stored as `key`.
            pub fn from_key(key: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.key() == key)
            }
        }
    };
}

pub(crate) use keyed_enum;

keyed_enum! {
    /// What happened (`audit_logs.action`): a dotted verb, grouped by its prefix.
    pub enum AuditAction {
        /// Signed in (password, and second factor where enrolled).
        Login = "auth.login",
        /// The password was right; the second factor is still owed.
        PasswordVerified = "auth.password_verified",
        /// A wrong email or password.
        LoginFailed = "auth.login_failed",
        /// A right password for an account that may not sign in (deactivated, dealer blocked).
        LoginBlocked = "auth.login_blocked",
        /// An attempt during the account's back-off.
        LoginThrottled = "auth.login_throttled",
        /// A stored legacy hash was replaced by Argon2id.
        PasswordRehashed = "auth.password_rehashed",
        /// The user changed their password.
        PasswordChanged = "auth.password_changed",
        /// A reset link was asked for.
        ResetRequested = "auth.reset_requested",
        /// A reset or invitation link set a new password.
        PasswordReset = "auth.password_reset",
        /// TOTP enrolment began.
        MfaEnrolmentStarted = "auth.mfa_enrolment_started",
        /// TOTP enrolment finished.
        MfaEnabled = "auth.mfa_enabled",
        /// Two-factor authentication was turned off.
        MfaDisabled = "auth.mfa_disabled",
        /// A wrong second-factor code.
        MfaFailed = "auth.mfa_failed",
        /// A session ended (sign-out, timeout, revocation).
        SessionEnded = "auth.session_ended",
        /// `authorize` refused an action.
        AccessDenied = "authz.denied",
        /// An administrator created a user.
        UserCreated = "user.created",
        /// The `create-admin` command (or the first start) created an administrator.
        AdminCreated = "user.create_admin",
        /// An administrator changed a user's details.
        UserUpdated = "user.updated",
        /// An administrator deactivated a user.
        UserDeactivated = "user.deactivated",
        /// An administrator reactivated a user.
        UserReactivated = "user.reactivated",
        /// An administrator sent a user a password link.
        PasswordLinkSent = "user.password_link_sent",
        /// One permission flag changed.
        PermissionChanged = "permission.changed",
        /// A role template was applied to a user.
        TemplateApplied = "permission.template_applied",
        /// A role template changed.
        RoleTemplateChanged = "role_template.changed",
        /// A dealer was created.
        DealerCreated = "dealer.created",
        /// A dealer changed.
        DealerUpdated = "dealer.updated",
        /// A setting changed.
        SettingChanged = "setting.changed",
        /// A module record was created (as a draft).
        RecordCreated = "record.created",
        /// A draft's (or returned record's) content was saved.
        RecordSaved = "record.saved",
        /// A record took a workflow step (old and new status, comment).
        RecordTransition = "record.transition",
        /// A draft was deleted.
        RecordDeleted = "record.deleted",
        /// A list or participant sheet was downloaded (what, with which filters, how many rows).
        RecordsExported = "record.exported",
    }
}

keyed_enum! {
    /// What kind of record an entry concerns (`audit_logs.entity_type`).
    pub enum AuditEntity {
        /// A user account.
        User = "user",
        /// A dealer.
        Dealer = "dealer",
        /// A sign-in session.
        Session = "session",
        /// An access decision (refusals).
        Access = "access",
        /// A setting.
        Setting = "setting",
        /// A role template.
        RoleTemplate = "role_template",
        /// A PCC application.
        PccApplication = "dealer_pcc",
        /// An API event registration.
        ApiRegistration = "api_registration",
        /// An MT Meet registration.
        MtMeetRegistration = "mt_meet",
        /// An event of the catalogue (API event or MT Meet).
        Event = "event",
        /// A workshop system survey response.
        WorkshopSurvey = "workshop_survey",
        /// A warranty survey response.
        WarrantySurvey = "warranty_survey",
        /// A technical awareness survey response.
        TechnicalSurvey = "technical_survey",
        /// A version of a survey's form.
        SurveyForm = "survey_form",
        /// A survey period.
        SurveyPeriod = "survey_period",
        /// The audit trail itself (its exports).
        AuditLog = "audit_log",
    }
}

impl AuditEntity {
    /// The name shown in the audit viewer's filter.
    pub const fn label(self) -> &'static str {
        match self {
            AuditEntity::User => "Users",
            AuditEntity::Dealer => "Dealers",
            AuditEntity::Session => "Sessions",
            AuditEntity::Access => "Access decisions",
            AuditEntity::Setting => "Settings",
            AuditEntity::RoleTemplate => "Role templates",
            AuditEntity::PccApplication => "PCC applications",
            AuditEntity::ApiRegistration => "API registrations",
            AuditEntity::MtMeetRegistration => "MT Meet registrations",
            AuditEntity::Event => "Events",
            AuditEntity::WorkshopSurvey => "Workshop system surveys",
            AuditEntity::WarrantySurvey => "Warranty surveys",
            AuditEntity::TechnicalSurvey => "Technical awareness surveys",
            AuditEntity::SurveyForm => "Survey forms",
            AuditEntity::SurveyPeriod => "Survey periods",
            AuditEntity::AuditLog => "Audit trail",
        }
    }

    /// The administration page of the record, where there is one.
    pub fn href(self, id: uuid::Uuid) -> Option<String> {
        match self {
            AuditEntity::User => Some(format!("/admin/users/{id}")),
            AuditEntity::Dealer => Some(format!("/admin/dealers/{id}")),
            AuditEntity::PccApplication => Some(format!("/modules/pcc/{id}")),
            AuditEntity::ApiRegistration => Some(format!("/modules/api-registrations/{id}")),
            AuditEntity::MtMeetRegistration => Some(format!("/modules/mt-meets/{id}")),
            AuditEntity::WorkshopSurvey => Some(format!("/modules/workshop-survey/{id}")),
            AuditEntity::WarrantySurvey => Some(format!("/modules/warranty-survey/{id}")),
            AuditEntity::TechnicalSurvey => Some(format!("/modules/technical-survey/{id}")),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_round_trip_through_serde() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::from_key(a.key()), Some(*a));
            assert_eq!(
                serde_json::to_string(a).unwrap(),
                format!("\"{}\"", a.key())
            );
        }
        for e in AuditEntity::ALL {
            assert_eq!(AuditEntity::from_key(e.key()), Some(*e));
        }
        let mut keys: Vec<&str> = AuditAction::ALL.iter().map(|a| a.key()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), AuditAction::ALL.len());
    }
}
