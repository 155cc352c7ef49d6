//! Business units and mapping links.
//!
//! Each CXone connection signs in to one business unit; its users carry that unit's number. A
//! *mapping link* pairs a CXone connection with the RingCentral or Webex connection its users are
//! mapped to: at most one link per unit and platform, while one platform connection may serve
//! several units. Everything User Mapping does (Auto Sync, Map User, the schedule, exports) is
//! done for one link: its unit's users, its platform connection's accounts.
//!
//! A unit with no link for a platform is linked by itself when there is exactly one connection of
//! that platform (so a single-unit setup needs no step); with several, the admin picks one.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::model::{Connection, ConnectionKind, RunKind};
use crate::store::mappings::platform_str;
use crate::store::runs::RunStart;
use crate::store::{now_rfc3339, Store};
use crate::vendor::directory::Platform;
use crate::{Error, Result};

/// One business unit linked to one platform connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MappingLink {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub platform: Platform,
    pub cxone_connection_id: String,
    /// The unit as people say it: "Demo Contact Center (4600002)".
    pub business_unit: String,
    /// The unit's number, once a test or a pull of its CXone connection told it.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub business_unit_id: Option<i64>,
    pub external_connection_id: String,
    pub external_connection_name: String,
}

impl MappingLink {
    /// "Demo Contact Center (4600002) → Demo RingCentral", as History names the link's runs.
    pub fn label(&self) -> String {
        format!("{} → {}", self.business_unit, self.external_connection_name)
    }

    /// The `sync_runs` row of a run for this link (Auto Sync, a mapping change or import): named
    /// by `label` ([`MappingLink::label`]), under its platform connection.
    pub fn run_start<'a>(&'a self, kind: RunKind, label: &'a str, started_at: &'a str) -> RunStart<'a> {
        RunStart {
            kind,
            entity: None,
            connection_id: Some(&self.external_connection_id),
            connection_name: label,
            started_at,
            link_id: Some(self.id),
        }
    }

    /// The business unit whose users this link maps; -1 (no user) while it is not known yet.
    pub(crate) fn unit_key(&self) -> i64 {
        self.business_unit_id.unwrap_or(-1)
    }
}

/// A CXone connection as User Mapping offers it: one business unit and its links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BusinessUnit {
    pub cxone_connection_id: String,
    pub connection_name: String,
    pub label: String,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub business_unit_id: Option<i64>,
    /// How many of its users are in the store.
    pub users: u32,
    pub links: Vec<MappingLink>,
}

/// The unit's name as people say it: its CXone name and number, else what is known of it.
pub fn unit_label(connection_name: &str, id: Option<i64>, name: Option<&str>) -> String {
    match (name.filter(|n| !n.trim().is_empty()), id) {
        (Some(name), Some(id)) => format!("{name} ({id})"),
        (None, Some(id)) => format!("{connection_name} ({id})"),
        (_, None) => connection_name.to_owned(),
    }
}

fn kind_of(platform: Platform) -> ConnectionKind {
    match platform {
        Platform::Ringcentral => ConnectionKind::Ringcentral,
        Platform::Webex => ConnectionKind::Webex,
    }
}

fn platform_of(kind: ConnectionKind) -> Option<Platform> {
    match kind {
        ConnectionKind::Ringcentral => Some(Platform::Ringcentral),
        ConnectionKind::Webex => Some(Platform::Webex),
        ConnectionKind::Cxone => None,
    }
}

const LINK_SQL: &str = "
    SELECT l.id, l.platform, l.cxone_connection_id, c.name, c.business_unit_id, c.business_unit_name,
           l.external_connection_id, e.name
    FROM mapping_links l
    JOIN connections c ON c.id = l.cxone_connection_id
    JOIN connections e ON e.id = l.external_connection_id";

fn link_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MappingLink> {
    let platform: String = r.get(1)?;
    let connection_name: String = r.get(3)?;
    let unit_id: Option<i64> = r.get(4)?;
    let unit_name: Option<String> = r.get(5)?;
    Ok(MappingLink {
        id: r.get(0)?,
        platform: if platform == "webex" {
            Platform::Webex
        } else {
            Platform::Ringcentral
        },
        cxone_connection_id: r.get(2)?,
        business_unit: unit_label(&connection_name, unit_id, unit_name.as_deref()),
        business_unit_id: unit_id,
        external_connection_id: r.get(6)?,
        external_connection_name: r.get(7)?,
    })
}

/// Every link, by unit then platform.
pub fn list(store: &Store) -> Result<Vec<MappingLink>> {
    let mut stmt = store
        .conn()
        .prepare_cached(&format!("{LINK_SQL} ORDER BY c.name COLLATE NOCASE, l.platform"))?;
    let rows = stmt.query_map([], link_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The link `id`.
pub fn get(store: &Store, id: i64) -> Result<MappingLink> {
    store
        .conn()
        .query_row(&format!("{LINK_SQL} WHERE l.id = ?1"), [id], link_row)
        .optional()?
        .ok_or_else(|| {
            Error::NotFound(
                "That business unit's link is gone (one of its connections was deleted). Choose the business unit again."
                    .into(),
            )
        })
}

fn find(store: &Store, cxone_connection_id: &str, platform: Platform) -> Result<Option<MappingLink>> {
    Ok(store
        .conn()
        .query_row(
            &format!("{LINK_SQL} WHERE l.cxone_connection_id = ?1 AND l.platform = ?2"),
            params![cxone_connection_id, platform_str(platform)],
            link_row,
        )
        .optional()?)
}

/// Links the business unit of `cxone_connection` to `external_connection` (a RingCentral or Webex
/// connection), replacing the unit's link for that platform. Refused when another CXone
/// connection signs in to the same unit and is linked for that platform already: the unit's users
/// would then be mapped twice.
pub fn link(store: &Store, cxone_connection: &str, external_connection: &str) -> Result<MappingLink> {
    let cxone = store.find_connection(cxone_connection)?;
    let external = store.find_connection(external_connection)?;
    if cxone.settings.kind() != ConnectionKind::Cxone {
        return Err(Error::InvalidInput(format!(
            "\"{}\" is a {} connection; a business unit is a NICE CXone connection.",
            cxone.name,
            cxone.settings.kind().display_name()
        )));
    }
    let Some(platform) = platform_of(external.settings.kind()) else {
        return Err(Error::InvalidInput(format!(
            "\"{}\" is a CXone connection; a business unit is linked to a RingCentral or Webex connection.",
            external.name
        )));
    };
    let unit = store.connection_business_unit(&cxone.id)?;
    if let Some((unit_id, _)) = unit {
        let twin = list(store)?.into_iter().find(|l| {
            l.platform == platform && l.business_unit_id == Some(unit_id) && l.cxone_connection_id != cxone.id
        });
        if let Some(twin) = twin {
            return Err(Error::InvalidInput(format!(
                "Business unit {} is already linked to {} through the CXone connection \"{}\" (to \"{}\"). \
                 A business unit has one {} link: change that one instead.",
                twin.business_unit,
                platform.label(),
                store.find_connection(&twin.cxone_connection_id)?.name,
                twin.external_connection_name,
                platform.label()
            )));
        }
    }
    store.conn().execute(
        "INSERT INTO mapping_links (cxone_connection_id, platform, external_connection_id, created_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (cxone_connection_id, platform) DO UPDATE SET external_connection_id = excluded.external_connection_id",
        params![cxone.id, platform_str(platform), external.id, now_rfc3339()],
    )?;
    find(store, &cxone.id, platform)?.ok_or_else(|| Error::Internal("a link vanished right after it was saved".into()))
}

/// Links each unit that has no link for a platform to that platform's only connection.
fn link_the_obvious(store: &Store, connections: &[Connection]) -> Result<()> {
    let existing = list(store)?;
    for cxone in connections
        .iter()
        .filter(|c| c.settings.kind() == ConnectionKind::Cxone)
    {
        for platform in [Platform::Ringcentral, Platform::Webex] {
            if existing
                .iter()
                .any(|l| l.cxone_connection_id == cxone.id && l.platform == platform)
            {
                continue;
            }
            let mut of_platform = connections.iter().filter(|c| c.settings.kind() == kind_of(platform));
            if let (Some(only), None) = (of_platform.next(), of_platform.next()) {
                // A unit another CXone connection already links stays as it is (see `link`).
                if let Err(error) = link(store, &cxone.id, &only.id) {
                    tracing::info!(%error, connection = %cxone.name, "not linked by itself");
                }
            }
        }
    }
    Ok(())
}

/// Every business unit (CXone connection) with its links, the obvious ones made first.
pub fn units(store: &Store) -> Result<Vec<BusinessUnit>> {
    let connections = store.list_connections()?;
    link_the_obvious(store, &connections)?;
    let links = list(store)?;
    let mut units = Vec::new();
    for cxone in connections
        .iter()
        .filter(|c| c.settings.kind() == ConnectionKind::Cxone)
    {
        let unit = store.connection_business_unit(&cxone.id)?;
        let users: u32 = match unit {
            Some((id, _)) => store.conn().query_row(
                "SELECT COUNT(*) FROM records WHERE entity = 'users' AND business_unit_id = ?1",
                [id],
                |r| r.get(0),
            )?,
            None => 0,
        };
        units.push(BusinessUnit {
            cxone_connection_id: cxone.id.clone(),
            connection_name: cxone.name.clone(),
            label: unit_label(
                &cxone.name,
                unit.as_ref().map(|u| u.0),
                unit.as_ref().and_then(|u| u.1.as_deref()),
            ),
            business_unit_id: unit.map(|u| u.0),
            users,
            links: links
                .iter()
                .filter(|l| l.cxone_connection_id == cxone.id)
                .cloned()
                .collect(),
        });
    }
    // Two CXone connections to one unit (two API users) read the same; the connection tells them apart.
    let labels: Vec<String> = units.iter().map(|u| u.label.clone()).collect();
    for unit in &mut units {
        if labels.iter().filter(|l| **l == unit.label).count() > 1 {
            unit.label = format!("{} · {}", unit.label, unit.connection_name);
        }
    }
    Ok(units)
}

/// The link a command acts on, from what the admin named: a business unit (`--business-unit`: its
/// CXone connection's name or id, or the unit's name or number) and/or the platform connection
/// (`--connection`). Either may be left out when it leaves one choice; otherwise the sentence
/// names the choices.
pub fn resolve(
    store: &Store,
    platform: Platform,
    business_unit: Option<&str>,
    external_connection: Option<&str>,
) -> Result<MappingLink> {
    let units = units(store)?;
    let external = match external_connection {
        Some(name) => Some(platform_connection(store, platform, name)?),
        None => None,
    };
    // Without a unit named, the platform connection may say which is meant: the one unit it serves.
    let serves = |u: &BusinessUnit| {
        external.as_ref().is_some_and(|e| {
            u.links
                .iter()
                .any(|l| l.platform == platform && l.external_connection_id == e.id)
        })
    };
    let unit = choose_unit(
        &units,
        business_unit,
        serves,
        "There is no CXone connection yet, so there are no users to map. Add one under Connections (or `ccsync connection add cxone …`) and pull its users.",
    )?;
    let link = unit.links.iter().find(|l| l.platform == platform);
    match (link, external) {
        (Some(link), None) => Ok(link.clone()),
        (Some(link), Some(e)) if link.external_connection_id == e.id => Ok(link.clone()),
        (Some(link), Some(e)) => Err(Error::InvalidInput(format!(
            "Business unit {} is linked to {} through \"{}\", not \"{}\". To change that, run `ccsync map link --business-unit \"{}\" --connection \"{}\"` (or choose it on the User Mapping screen).",
            unit.label,
            platform.label(),
            link.external_connection_name,
            e.name,
            unit.connection_name,
            e.name
        ))),
        (None, _) => {
            let candidates: Vec<String> = connections_of(store, platform)?
                .into_iter()
                .map(|c| format!("\"{}\"", c.name))
                .collect();
            if candidates.is_empty() {
                return Err(Error::NoConnection(format!(
                    "There is no {} connection yet. Add one under Connections (or `ccsync connection add {} …`).",
                    platform.label(),
                    kind_of(platform).as_str()
                )));
            }
            Err(Error::InvalidInput(format!(
                "Business unit {} is not linked to a {} connection, and there are several ({}). Link one on the User Mapping screen, or with `ccsync map link --business-unit \"{}\" --connection NAME`.",
                unit.label,
                platform.label(),
                candidates.join(", "),
                unit.connection_name
            )))
        }
    }
}

/// Every connection of `platform`.
fn connections_of(store: &Store, platform: Platform) -> Result<Vec<Connection>> {
    let mut all = store.list_connections()?;
    all.retain(|c| c.settings.kind() == kind_of(platform));
    Ok(all)
}

/// The connection `name` (name or id), which must be one of `platform`.
fn platform_connection(store: &Store, platform: Platform, name: &str) -> Result<Connection> {
    let found = store.find_connection(name)?;
    if found.settings.kind() != kind_of(platform) {
        return Err(Error::InvalidInput(format!(
            "\"{}\" is a {} connection, not a {} one.",
            found.name,
            found.settings.kind().display_name(),
            platform.label()
        )));
    }
    Ok(found)
}

/// The unit `wanted` names ([`pick_unit`]); without a name, the only unit, else the one unit
/// `serves` says is meant; with none at all, `no_unit` (a [`Error::NoConnection`] sentence).
fn choose_unit<'a>(
    units: &'a [BusinessUnit],
    wanted: Option<&str>,
    serves: impl Fn(&BusinessUnit) -> bool,
    no_unit: &str,
) -> Result<&'a BusinessUnit> {
    if let Some(wanted) = wanted {
        return pick_unit(units, wanted);
    }
    match units {
        [] => Err(Error::NoConnection(no_unit.to_owned())),
        [only] => Ok(only),
        _ => match units.iter().filter(|u| serves(u)).collect::<Vec<_>>().as_slice() {
            [only] => Ok(only),
            _ => Err(Error::InvalidInput(format!(
                "There are several business units ({}); choose one with --business-unit NAME|ID.",
                units.iter().map(|u| u.label.as_str()).collect::<Vec<_>>().join(", ")
            ))),
        },
    }
}

/// The unit named `wanted`: its CXone connection's id or name, the unit's number or name.
fn pick_unit<'a>(units: &'a [BusinessUnit], wanted: &str) -> Result<&'a BusinessUnit> {
    let wanted = wanted.trim();
    let matches: Vec<&BusinessUnit> = units
        .iter()
        .filter(|u| {
            u.cxone_connection_id == wanted
                || u.connection_name.eq_ignore_ascii_case(wanted)
                || u.label.eq_ignore_ascii_case(wanted)
                || u.business_unit_id.is_some_and(|id| id.to_string() == wanted)
                || u.label
                    .rsplit_once(" (")
                    .is_some_and(|(name, _)| name.eq_ignore_ascii_case(wanted))
        })
        .collect();
    match matches.as_slice() {
        [only] => Ok(only),
        [] => Err(Error::NotFound(format!(
            "There is no business unit \"{wanted}\". Business units: {}.",
            if units.is_empty() {
                "none yet (add a CXone connection)".to_owned()
            } else {
                units.iter().map(|u| u.label.as_str()).collect::<Vec<_>>().join(", ")
            }
        ))),
        several => Err(Error::InvalidInput(format!(
            "\"{wanted}\" names several business units ({}); use the connection's name or the unit's number.",
            several.iter().map(|u| u.label.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

impl Store {
    /// The business unit a CXone connection signs in to, and its name, when known.
    pub fn connection_business_unit(&self, connection_id: &str) -> Result<Option<(i64, Option<String>)>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT business_unit_id, business_unit_name FROM connections WHERE id = ?1 AND business_unit_id IS NOT NULL",
                [connection_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Notes the unit a sign-in reported. `name` None keeps a known name of the same unit.
    pub fn set_connection_business_unit(&self, connection_id: &str, id: i64, name: Option<&str>) -> Result<()> {
        self.conn().execute(
            "UPDATE connections SET business_unit_name = CASE
                 WHEN ?3 IS NOT NULL THEN ?3
                 WHEN business_unit_id = ?2 THEN business_unit_name END,
               business_unit_id = ?2
             WHERE id = ?1",
            params![connection_id, id, name],
        )?;
        Ok(())
    }
}

/// Links the business unit named `business_unit` (read as [`resolve`] reads it; `None` when there
/// is only one unit) to the platform connection `external_connection`: `ccsync map link`.
pub fn link_named(store: &Store, business_unit: Option<&str>, external_connection: &str) -> Result<MappingLink> {
    let units = units(store)?;
    let unit = choose_unit(
        &units,
        business_unit,
        |_| false,
        "There is no CXone connection yet, so there is no business unit to link. Add one under Connections (or `ccsync connection add cxone …`).",
    )?;
    link(store, &unit.cxone_connection_id, external_connection)
}

/// The platform connection whose accounts a directory pull refreshes: the one named by
/// `external_connection` when no unit is named (accounts belong to the connection, whichever
/// units it serves), the platform's only connection when nothing is named, else the resolved
/// link's.
pub fn directory_connection(
    store: &Store,
    platform: Platform,
    business_unit: Option<&str>,
    external_connection: Option<&str>,
) -> Result<String> {
    match (business_unit, external_connection) {
        (None, Some(name)) => Ok(platform_connection(store, platform, name)?.id),
        (None, None) => match connections_of(store, platform)?.as_slice() {
            [only] => Ok(only.id.clone()),
            _ => Ok(resolve(store, platform, None, None)?.external_connection_id),
        },
        _ => Ok(resolve(store, platform, business_unit, external_connection)?.external_connection_id),
    }
}

/// Stores with business units and links, for tests of this crate and the others.
#[doc(hidden)]
pub mod testing {
    use super::*;
    use crate::model::{ConnectionSettings, WebexCredential};

    /// Links business unit `unit` (a CXone connection "Unit <unit>", made if missing, that signed
    /// in to it) to the platform connection named `external` (made if missing, pointing nowhere).
    pub fn unit_link(store: &Store, unit: i64, platform: Platform, external: &str) -> MappingLink {
        let cxone_id = format!("cxone-{unit}");
        if store.get_connection(&cxone_id).unwrap().is_none() {
            let settings = ConnectionSettings::Cxone {
                auth_url: "https://cxone.invalid".into(),
                client_id: "client".into(),
                access_key_id: "key".into(),
                campaigns_from_skills: false,
            };
            store
                .insert_connection(&cxone_id, &format!("Unit {unit}"), &settings, false)
                .unwrap();
            store.set_connection_business_unit(&cxone_id, unit, None).unwrap();
        }
        let external_id = external.to_lowercase().replace(' ', "-");
        if store.get_connection(&external_id).unwrap().is_none() {
            let settings = match platform {
                Platform::Ringcentral => ConnectionSettings::Ringcentral {
                    server_url: "https://ringcentral.invalid".into(),
                    client_id: "client".into(),
                },
                Platform::Webex => ConnectionSettings::Webex {
                    api_url: "https://webex.invalid".into(),
                    credential: WebexCredential::PersonalToken,
                },
            };
            store
                .insert_connection(&external_id, external, &settings, false)
                .unwrap();
        }
        link(store, &cxone_id, &external_id).unwrap()
    }
}
