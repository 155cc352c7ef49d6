//! Plain data types shared by the store, the CLI and the UI (exported to TypeScript with ts-rs).

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Which vendor a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ConnectionKind {
    Cxone,
    Ringcentral,
    Webex,
}

impl ConnectionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionKind::Cxone => "cxone",
            ConnectionKind::Ringcentral => "ringcentral",
            ConnectionKind::Webex => "webex",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            ConnectionKind::Cxone => "NICE CXone",
            ConnectionKind::Ringcentral => "RingCentral",
            ConnectionKind::Webex => "Webex",
        }
    }

    /// The secrets a connection of this kind needs, in the order a form shows them.
    pub fn secret_kinds(self) -> &'static [SecretKind] {
        match self {
            ConnectionKind::Cxone => &[SecretKind::ClientSecret, SecretKind::AccessKeySecret],
            ConnectionKind::Ringcentral => &[SecretKind::ClientSecret, SecretKind::JwtCredential],
            // Every secret any Webex credential may hold (see `ConnectionSettings::secret_kinds`).
            ConnectionKind::Webex => &[
                SecretKind::AccessToken,
                SecretKind::ClientSecret,
                SecretKind::RefreshToken,
            ],
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "cxone" => Some(ConnectionKind::Cxone),
            "ringcentral" => Some(ConnectionKind::Ringcentral),
            "webex" => Some(ConnectionKind::Webex),
            _ => None,
        }
    }
}

/// A secret belonging to a connection. Secrets live only in the OS keyring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    /// CXone or RingCentral OAuth client secret.
    ClientSecret,
    /// CXone access key secret (the password of the password grant).
    AccessKeySecret,
    /// RingCentral JWT credential.
    JwtCredential,
    /// Webex access token (a pasted personal token).
    AccessToken,
    /// Webex refresh token (Service App or Integration sign-in); replaced whenever Webex rotates it.
    RefreshToken,
}

impl SecretKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client_secret",
            SecretKind::AccessKeySecret => "access_key_secret",
            SecretKind::JwtCredential => "jwt_credential",
            SecretKind::AccessToken => "access_token",
            SecretKind::RefreshToken => "refresh_token",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client secret",
            SecretKind::AccessKeySecret => "access key secret",
            SecretKind::JwtCredential => "JWT credential",
            SecretKind::AccessToken => "access token",
            SecretKind::RefreshToken => "refresh token",
        }
    }
}

/// The non-secret settings of a connection, per vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConnectionSettings {
    Cxone {
        /// Global auth host, e.g. `https://cxone.niceincontact.com`.
        auth_url: String,
        client_id: String,
        access_key_id: String,
        /// Pull campaigns from `skills` instead of `campaigns` (as some dialers expect).
        #[serde(default)]
        campaigns_from_skills: bool,
    },
    Ringcentral {
        /// e.g. `https://platform.ringcentral.com`.
        server_url: String,
        client_id: String,
    },
    Webex {
        /// e.g. `https://webexapis.com`.
        api_url: String,
        /// How access tokens are obtained; connections saved before this existed are pasted tokens.
        #[serde(default)]
        credential: WebexCredential,
    },
}

/// How a Webex connection gets its access tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum WebexCredential {
    /// A personal access token pasted from developer.webex.com: it lasts 12 hours.
    #[default]
    PersonalToken,
    /// A Service App authorized in Control Hub: client id + client secret + refresh token;
    /// access tokens are refreshed automatically and a rotated refresh token is saved.
    ServiceApp { client_id: String },
    /// An Integration: the admin signs in in the browser (authorization code with PKCE, redirect to
    /// a loopback port); the refresh token from the sign-in is kept and used like a Service App's.
    Integration {
        client_id: String,
        /// The loopback port of the redirect URI `http://127.0.0.1:{port}/callback`, for
        /// Integrations registered with one fixed redirect URI; 0 (the default) picks a free port.
        #[serde(default)]
        redirect_port: u16,
    },
}

impl WebexCredential {
    /// The Integration's or Service App's client id, if it has one.
    pub fn client_id(&self) -> Option<&str> {
        match self {
            WebexCredential::PersonalToken => None,
            WebexCredential::ServiceApp { client_id } | WebexCredential::Integration { client_id, .. } => {
                Some(client_id)
            }
        }
    }
}

impl ConnectionSettings {
    pub fn kind(&self) -> ConnectionKind {
        match self {
            ConnectionSettings::Cxone { .. } => ConnectionKind::Cxone,
            ConnectionSettings::Ringcentral { .. } => ConnectionKind::Ringcentral,
            ConnectionSettings::Webex { .. } => ConnectionKind::Webex,
        }
    }

    /// The URL the user typed, checked by the http policy before any request.
    pub fn base_url(&self) -> &str {
        match self {
            ConnectionSettings::Cxone { auth_url, .. } => auth_url,
            ConnectionSettings::Ringcentral { server_url, .. } => server_url,
            ConnectionSettings::Webex { api_url, .. } => api_url,
        }
    }

    /// The secrets this connection keeps in the keyring (a Webex connection's depend on its credential).
    pub fn secret_kinds(&self) -> &'static [SecretKind] {
        match self {
            ConnectionSettings::Webex { credential, .. } => match credential {
                WebexCredential::PersonalToken => &[SecretKind::AccessToken],
                WebexCredential::ServiceApp { .. } | WebexCredential::Integration { .. } => {
                    &[SecretKind::ClientSecret, SecretKind::RefreshToken]
                }
            },
            other => other.kind().secret_kinds(),
        }
    }

    /// The secrets the user types in the form (an Integration's refresh token comes from signing in).
    pub fn entered_secret_kinds(&self) -> &'static [SecretKind] {
        match self {
            ConnectionSettings::Webex {
                credential: WebexCredential::Integration { .. },
                ..
            } => &[SecretKind::ClientSecret],
            other => other.secret_kinds(),
        }
    }
}

/// The outcome of the last "Test connection", kept so the list can show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LastTest {
    /// RFC 3339 UTC.
    pub at: String,
    pub ok: bool,
    /// The success summary or the error sentence.
    pub message: String,
}

/// A saved connection profile (never carries secret values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Connection {
    pub id: String,
    pub name: String,
    pub settings: ConnectionSettings,
    /// Created by "Explore with a demo tenant"; points at the built-in emulator.
    pub is_demo: bool,
    pub created_at: String,
    pub updated_at: String,
    pub last_test: Option<LastTest>,
    /// Which of this kind's secrets are stored in the keyring (names only, never values).
    pub stored_secrets: Vec<SecretKind>,
}

/// What the Add / Edit form sends. On edit, a secret left out keeps its stored value, unless the
/// URL's host changed: then every secret must be entered again. The secrets stay wrapped: they
/// cannot be printed (`Debug` shows them redacted) nor serialized back out.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConnectionDraft {
    pub name: String,
    pub settings: ConnectionSettings,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "BTreeMap<SecretKind, String>"))]
    pub secrets: BTreeMap<SecretKind, SecretString>,
}

/// One fact learned by a successful "Test connection" (label and value, for display).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Fact {
    pub label: String,
    pub value: String,
}

/// A successful "Test connection".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TestOutcome {
    pub summary: String,
    pub facts: Vec<Fact>,
    /// CXone: the business unit signed in to (number, name when readable), kept on the connection.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub business_unit: Option<(i64, Option<String>)>,
}

/// What "Save and test" did. The test passed (`outcome`) or failed (`error`); `connection` is
/// the saved connection, absent when the test failed and the admin did not choose "Save anyway".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SaveAndTest {
    pub connection: Option<Connection>,
    pub outcome: Option<TestOutcome>,
    pub error: Option<crate::ApiError>,
}

impl SaveAndTest {
    pub fn passed(connection: Connection, outcome: TestOutcome) -> SaveAndTest {
        SaveAndTest {
            connection: Some(connection),
            outcome: Some(outcome),
            error: None,
        }
    }

    pub fn failed(connection: Option<Connection>, error: &crate::Error) -> SaveAndTest {
        SaveAndTest {
            connection,
            outcome: None,
            error: Some(crate::ApiError::from(error)),
        }
    }
}

/// Where the app keeps its files, shown in the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppInfo {
    pub version: String,
    pub database_path: String,
    pub log_dir: String,
    /// `None` when the keyring works; otherwise the `keyring_unavailable` sentence.
    pub keyring_problem: Option<String>,
}

/// The four kinds of CXone records CC Sync pulls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Users,
    Campaigns,
    Dispositions,
    AgentStatuses,
}

impl Entity {
    pub const ALL: [Entity; 4] = [
        Entity::Users,
        Entity::Campaigns,
        Entity::Dispositions,
        Entity::AgentStatuses,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Users => "users",
            Entity::Campaigns => "campaigns",
            Entity::Dispositions => "dispositions",
            Entity::AgentStatuses => "agent_statuses",
        }
    }

    pub fn parse(value: &str) -> Option<Entity> {
        Entity::ALL
            .into_iter()
            .find(|e| e.as_str() == value || e.cli_name() == value)
    }

    /// The name the CLI takes (`ccsync pull agent-statuses`).
    pub fn cli_name(self) -> &'static str {
        match self {
            Entity::AgentStatuses => "agent-statuses",
            other => other.as_str(),
        }
    }

    /// The local group records of this kind are added to.
    pub fn group_name(self) -> &'static str {
        match self {
            Entity::Users => "Call Center Agents",
            Entity::Campaigns => "CC Campaigns",
            Entity::Dispositions => "CC Dispositions",
            Entity::AgentStatuses => "CC Agent Status",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Entity::Users => "users",
            Entity::Campaigns => "campaigns",
            Entity::Dispositions => "dispositions",
            Entity::AgentStatuses => "agent statuses",
        }
    }
}

/// How a fetched record compares with the local store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    New,
    Changed,
    Unchanged,
    /// In the store but no longer in CXone: flagged, never deleted.
    MissingUpstream,
    /// Was new; an earlier "Add Selected" of this list created it (no longer selectable).
    Added,
    /// Was changed; an earlier "Add Selected" of this list updated it (no longer selectable).
    Updated,
}

impl PlanStatus {
    /// Whether "Add Selected" may pick the row: written rows and rows gone upstream may not.
    pub fn is_selectable(self) -> bool {
        matches!(self, PlanStatus::New | PlanStatus::Changed | PlanStatus::Unchanged)
    }
}

/// One field that differs between the store and CXone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// One row of the Synchronize list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlanRow {
    /// The CXone id (agentId, campaign id, dispositionId, unavailable code id).
    pub id: String,
    pub name: String,
    /// Users: the email; others: a short description (notes, outcome…).
    pub detail: String,
    pub is_active: bool,
    pub status: PlanStatus,
    pub changes: Vec<FieldChange>,
}

/// Counts of a plan, and anything the user should know about how the fetch went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlanSummary {
    pub fetched: u32,
    pub new: u32,
    pub changed: u32,
    pub unchanged: u32,
    pub missing_upstream: u32,
    /// Rows of this list written by an earlier "Add Selected": created, and updated.
    pub added: u32,
    pub updated: u32,
    /// Whether this was an incremental pull (only records changed since the last one).
    pub incremental: bool,
    pub notes: Vec<String>,
}

/// The result of fetching and comparing: kept by the app until applied or discarded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncPlan {
    pub plan_id: String,
    pub entity: Entity,
    pub connection_id: String,
    pub summary: PlanSummary,
    pub rows: Vec<PlanRow>,
}

/// Which rows of a plan to write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "ids", rename_all = "snake_case")]
pub enum Selection {
    All,
    New,
    Changed,
    Ids(Vec<String>),
}

/// What an apply wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ApplyResult {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub run_id: i64,
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub missing_upstream: u32,
}

/// Progress of a long operation, as the UI's progress bar and the CLI's show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProgressEvent {
    /// "authenticating", "fetching", "planning" or "writing".
    pub phase: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub done: u64,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub total: Option<u64>,
}

/// A record in the local store, as the Records screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StoredRecord {
    pub id: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub business_unit_id: i64,
    pub name: String,
    pub detail: String,
    pub is_active: bool,
    pub group_name: String,
    /// Users only: false until an administrator sets a password.
    pub password_set: bool,
    /// Users only: the password set is a temporary one the user must change at first sign-in.
    pub must_change_password: bool,
    /// Users only: when CC Sync last set the user's password.
    pub password_set_at: Option<String>,
    pub first_synced_at: String,
    pub last_synced_at: String,
    pub missing_upstream_since: Option<String>,
    /// Users only: the Contact Center licence a CSV import gave ("standard" / "premium").
    pub licence: Option<String>,
}

/// One pull, import or auto-sync, as History lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncRun {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub kind: RunKind,
    pub entity: Option<Entity>,
    /// The connection's name; for a run of one platform's mappings (Map User, a mapping import)
    /// the platform's internal name, which `platform` carries typed.
    pub connection_name: String,
    /// The platform a mapping run changed, when the run is about one platform and not a connection.
    pub platform: Option<crate::vendor::directory::Platform>,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// The whole run: for a pull, the fetch plus the write (never the time the list waited for
    /// the admin's choice).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub duration_ms: Option<i64>,
    /// A pull's two phases: reading from CXone and comparing, then writing (None for other runs,
    /// and for pulls recorded before they were measured).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub fetch_ms: Option<i64>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub write_ms: Option<i64>,
    /// "running", "succeeded", "failed" or "cancelled".
    pub status: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub fetched: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub created: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub updated: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unchanged: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub missing_upstream: i64,
    pub error: Option<String>,
}

/// What a History run was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// A Synchronize pull from CXone.
    Pull,
    /// A CSV import of users.
    Import,
    /// Auto Sync of one platform's mappings.
    AutoSync,
    /// The accounts of a platform read for User Mapping.
    DirectoryPull,
    /// An administrator's Map User, Unmap or Retry.
    ManualMapping,
    /// Mappings imported from a CSV file.
    MappingImport,
    /// Temporary passwords set for users (Records).
    Passwords,
    /// A kind this version does not know (written by a newer CC Sync).
    Other,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Pull => "pull",
            RunKind::Import => "import",
            RunKind::AutoSync => "auto_sync",
            RunKind::DirectoryPull => "directory_pull",
            RunKind::ManualMapping => "manual_mapping",
            RunKind::MappingImport => "mapping_import",
            RunKind::Passwords => "passwords",
            RunKind::Other => "other",
        }
    }

    /// The stored name back; an unknown one is `Other`.
    pub fn parse(value: &str) -> RunKind {
        [
            RunKind::Pull,
            RunKind::Import,
            RunKind::AutoSync,
            RunKind::DirectoryPull,
            RunKind::ManualMapping,
            RunKind::MappingImport,
            RunKind::Passwords,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == value)
        .unwrap_or(RunKind::Other)
    }
}

/// What a run did to one record (the `audit` table's `action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Created,
    Updated,
    FlaggedMissing,
    /// A user's mapping to a platform account changed.
    Mapping,
}

impl AuditAction {
    pub const ALL: [AuditAction; 4] = [
        AuditAction::Created,
        AuditAction::Updated,
        AuditAction::FlaggedMissing,
        AuditAction::Mapping,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Created => "created",
            AuditAction::Updated => "updated",
            AuditAction::FlaggedMissing => "flagged_missing",
            AuditAction::Mapping => "mapping",
        }
    }

    pub fn parse(value: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == value)
    }
}

/// One created or updated record of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditEntry {
    pub record_id: String,
    pub name: String,
    pub action: AuditAction,
    pub changes: Vec<FieldChange>,
    pub at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webex_connection_saved_before_credential_kinds_is_a_pasted_token() {
        let old: ConnectionSettings =
            serde_json::from_str(r#"{"kind":"webex","api_url":"https://webexapis.com"}"#).unwrap();
        assert_eq!(
            old,
            ConnectionSettings::Webex {
                api_url: "https://webexapis.com".into(),
                credential: WebexCredential::PersonalToken,
            }
        );
        assert_eq!(old.secret_kinds(), &[SecretKind::AccessToken]);
        let app = ConnectionSettings::Webex {
            api_url: "https://webexapis.com".into(),
            credential: WebexCredential::ServiceApp { client_id: "C1".into() },
        };
        let json = serde_json::to_string(&app).unwrap();
        assert!(
            json.contains(r#""credential":{"method":"service_app","client_id":"C1"}"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<ConnectionSettings>(&json).unwrap(), app);
        let signed_in = ConnectionSettings::Webex {
            api_url: "https://webexapis.com".into(),
            credential: WebexCredential::Integration {
                client_id: "C2".into(),
                redirect_port: 0,
            },
        };
        assert_eq!(signed_in.entered_secret_kinds(), &[SecretKind::ClientSecret]);
        assert_eq!(
            signed_in.secret_kinds(),
            &[SecretKind::ClientSecret, SecretKind::RefreshToken]
        );
    }
}
