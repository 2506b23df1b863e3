//! What the browser learns about the signed-in user and their sessions.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::authorize::{Action, Actor, Area, Decision, Permissions, Scope, authorize};
use super::roles::{Role, UserType};

/// The signed-in user, as pages show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    /// `users.id`.
    pub id: Uuid,
    /// Sign-in email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Dealer or manufacturer.
    pub user_type: UserType,
    /// The dealer a dealer user belongs to.
    pub dealer_id: Option<Uuid>,
    /// Whether a second factor is enrolled.
    pub mfa_enabled: bool,
    /// What this session may do yet.
    pub stage: AccessStage,
    /// Module permissions (`module_access`).
    pub permissions: Permissions,
}

impl CurrentUser {
    /// The user as [`authorize`] sees them. A session only resolves for an active user of an
    /// active dealer, so both hold.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.id,
            role: self.role,
            user_type: self.user_type,
            dealer_id: self.dealer_id,
            active: true,
            dealer_active: true,
            permissions: self.permissions,
        }
    }

    /// Whether this user may do `action` in `area` (with no particular record).
    pub fn can(&self, action: Action, area: Area) -> bool {
        self.decide(action, area, Scope::Any).allowed
    }

    /// [`authorize`] for this user.
    pub fn decide(&self, action: Action, area: Area, scope: Scope) -> Decision {
        authorize(&self.actor(), action, area, scope)
    }
}

/// How far through sign-in a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessStage {
    /// Fully signed in.
    Full,
    /// Password accepted; the second factor is still owed.
    MfaPending,
    /// Signed in, but the role requires two-factor authentication and none is enrolled yet:
    /// enrolment comes before anything else.
    MfaEnrolmentRequired,
}

/// One of my sessions, for the "My sessions" page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// `session_logs.id`.
    pub id: Uuid,
    /// The browser's user agent, as sent.
    pub user_agent: Option<String>,
    /// IP address at sign-in.
    pub ip_address: Option<String>,
    /// Sign-in time (UTC).
    pub login_at: NaiveDateTime,
    /// Last request (UTC).
    pub last_seen_at: NaiveDateTime,
    /// Whether this is the session making the request.
    pub current: bool,
}

/// What a sign-in attempt leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginOutcome {
    /// Signed in; continue to this path.
    SignedIn { next: String },
    /// The password was right; a TOTP or recovery code comes next.
    MfaRequired { next: String },
    /// Signed in, but two-factor enrolment comes first.
    EnrolmentRequired { next: String },
}

/// A started TOTP enrolment: what the user scans or types into the authenticator app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaEnrolment {
    /// The QR code of the otpauth URL, as an inline SVG document.
    pub qr_svg: String,
    /// The secret in base32, for manual entry.
    pub secret_base32: String,
    /// The otpauth:// URL itself.
    pub otpauth_url: String,
}

/// A mail in the development mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevMail {
    /// Recipient.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// When it was queued (UTC).
    pub created_at: NaiveDateTime,
}
