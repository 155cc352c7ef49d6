//! What several test files of this crate share.

use std::collections::BTreeMap;

use ccsync_core::model::{ConnectionDraft, ConnectionSettings, SecretKind};
use ccsync_emulator::demo;

/// A CXone connection to an emulator at `url`, with the demo tenant's credentials.
pub fn cxone_draft(name: &str, url: &str) -> ConnectionDraft {
    ConnectionDraft {
        name: name.into(),
        settings: ConnectionSettings::Cxone {
            auth_url: url.into(),
            client_id: demo::CXONE_CLIENT_ID.into(),
            access_key_id: demo::CXONE_ACCESS_KEY_ID.into(),
            campaigns_from_skills: false,
        },
        secrets: BTreeMap::from([
            (SecretKind::ClientSecret, demo::CXONE_CLIENT_SECRET.into()),
            (SecretKind::AccessKeySecret, demo::CXONE_ACCESS_KEY_SECRET.into()),
        ]),
    }
}
