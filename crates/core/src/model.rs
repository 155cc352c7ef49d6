//! Plain data types shared by the store, the CLI and the UI (exported to TypeScript with ts-rs).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which vendor a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
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
            ConnectionKind::Webex => &[SecretKind::AccessToken],
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    /// CXone or RingCentral OAuth client secret.
    ClientSecret,
    /// CXone access key secret (the password of the password grant).
    AccessKeySecret,
    /// RingCentral JWT credential.
    JwtCredential,
    /// Webex access token.
    AccessToken,
}

impl SecretKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client_secret",
            SecretKind::AccessKeySecret => "access_key_secret",
            SecretKind::JwtCredential => "jwt_credential",
            SecretKind::AccessToken => "access_token",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client secret",
            SecretKind::AccessKeySecret => "access key secret",
            SecretKind::JwtCredential => "JWT credential",
            SecretKind::AccessToken => "access token",
        }
    }
}

/// The non-secret settings of a connection, per vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConnectionSettings {
    Cxone {
        /// Global auth host, e.g. `https://cxone.niceincontact.com`.
        auth_url: String,
        client_id: String,
        access_key_id: String,
    },
    Ringcentral {
        /// e.g. `https://platform.ringcentral.com`.
        server_url: String,
        client_id: String,
    },
    Webex {
        /// e.g. `https://webexapis.com`.
        api_url: String,
    },
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
            ConnectionSettings::Webex { api_url } => api_url,
        }
    }
}

/// The outcome of the last "Test connection", kept so the list can show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LastTest {
    /// RFC 3339 UTC.
    pub at: String,
    pub ok: bool,
    /// The success summary or the error sentence.
    pub message: String,
}

/// A saved connection profile (never carries secret values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
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

/// What the Add / Edit form sends. On edit, a secret left out keeps its stored value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConnectionDraft {
    pub name: String,
    pub settings: ConnectionSettings,
    #[serde(default)]
    pub secrets: BTreeMap<SecretKind, String>,
}

/// One fact learned by a successful "Test connection" (label and value, for display).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

/// A successful "Test connection".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TestOutcome {
    pub summary: String,
    pub facts: Vec<Fact>,
}

/// Where the app keeps its files, shown in the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppInfo {
    pub version: String,
    pub database_path: String,
    pub log_dir: String,
    /// `None` when the keyring works; otherwise the `keyring_unavailable` sentence.
    pub keyring_problem: Option<String>,
}
