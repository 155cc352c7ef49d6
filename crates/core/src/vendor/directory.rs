//! External platforms users are mapped to, behind one trait: each lists its accounts (paged, with
//! the shared retry and rate-limit behaviour) as [`ExternalAccount`]s.

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::progress::Progress;
use crate::Result;

/// A platform CXone users are mapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Ringcentral,
    Webex,
}

impl Platform {
    /// The platform's name as people write it.
    pub fn label(self) -> &'static str {
        match self {
            Platform::Ringcentral => "RingCentral",
            Platform::Webex => "Webex",
        }
    }
}

/// One account on an external platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalAccount {
    pub id: String,
    pub name: String,
    /// As the platform wrote them (matching trims and lower-cases).
    pub emails: Vec<String>,
    /// RingCentral: a User extension that is Enabled; Webex: a person not deactivated.
    pub active: bool,
    /// The account exactly as the platform sent it.
    pub raw: String,
}

/// A directory of accounts on one platform.
pub trait Directory: Send + Sync {
    fn platform(&self) -> Platform;

    /// Every account, page by page.
    fn list_accounts<'a>(
        &'a self,
        progress: &'a dyn Progress,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<Vec<ExternalAccount>>>;
}
