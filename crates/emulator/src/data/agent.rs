//! An agent as the Admin API lists it: the documented v34 fields (external-apis.md §2.2), the
//! identity ones from the seeded record, the rest derived from the seed and the agent's id.

use serde::Serialize;
use serde_json::value::RawValue;

use super::{TenantData, PROFILES, SEEDED_AT, TEAMS};
use crate::tenant::Shape;

#[derive(Debug, Clone)]
pub struct Agent {
    pub agent_id: u64,
    pub user_id: String,
    pub user_name: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub is_active: bool,
    pub team: usize,
    pub profile: usize,
    pub last_updated: String,
}

/// The supervisor every seeded agent reports to (not an agent of the list).
const REPORT_TO_ID: u64 = 30_000_001;
const REPORT_TO_NAME: &str = "Sam Supervisor";

/// City, state, state code: all in the agents' Mountain time zone.
const PLACES: [(&str, &str, &str); 6] = [
    ("Salt Lake City", "Utah", "UT"),
    ("Provo", "Utah", "UT"),
    ("Denver", "Colorado", "CO"),
    ("Boise", "Idaho", "ID"),
    ("Albuquerque", "New Mexico", "NM"),
    ("Cheyenne", "Wyoming", "WY"),
];
const LOCATIONS: [&str; 3] = ["Headquarters", "Branch Office", "Remote"];
/// `employmentType` 1–5 (the schema's range); the names are illustrative, not confirmed.
const EMPLOYMENT_TYPES: [&str; 5] = ["Full-Time", "Part-Time", "Temporary", "Contractor", "Seasonal"];

/// The team's `teamUuId` (the agent object's spelling), by team index.
pub fn team_uuid(team: usize) -> String {
    format!("11eb0c5e-2d9e-4a4c-a2b1-{:012x}", 0x0242_ac11_0020 + team as u64)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AgentOut<'a> {
    agent_id: u64,
    #[serde(rename = "userID", skip_serializing_if = "Option::is_none")]
    user_id_v34: Option<&'a str>,
    #[serde(rename = "userId", skip_serializing_if = "Option::is_none")]
    user_id_legacy: Option<&'a str>,
    user_name: &'a str,
    first_name: &'a str,
    middle_name: &'a str,
    last_name: &'a str,
    email_address: &'a str,
    is_active: bool,
    locked: bool,
    team_id: u64,
    team_name: &'a str,
    team_uu_id: String,
    report_to_id: u64,
    report_to_name: &'a str,
    is_supervisor: bool,
    profile_id: u64,
    profile_name: &'a str,
    user_type: &'a str,
    last_login: Option<String>,
    last_updated: &'a str,
    create_date: &'a str,
    inactive_date: Option<String>,
    hire_date: String,
    termination_date: Option<String>,
    time_zone: &'a str,
    time_zone_offset: &'a str,
    country: &'a str,
    country_name: &'a str,
    state: &'a str,
    state_code: &'a str,
    city: &'a str,
    location: &'a str,
    internal_id: String,
    federated_id: &'a str,
    employment_type: u8,
    employment_type_name: &'a str,
    custom1: &'a str,
    custom2: &'a str,
    custom3: &'a str,
    custom4: &'a str,
    custom5: &'a str,
    notes: &'a str,
    at_home: bool,
    telephone1: String,
    telephone2: &'a str,
}

impl TenantData {
    /// An agent as the Admin API lists it (a borrowed struct: a list of 100,000 renders fast).
    pub fn agent_json(&self, agent: &Agent, shape: Shape) -> Box<RawValue> {
        let (profile_id, profile_name, _) = PROFILES[agent.profile];
        let profile_id = profile_id + self.profile_id_offset;
        let user_id = agent.user_id.as_str();
        // Its own generator, so the fields above (drawn when the agent was made) never move.
        let mut rng =
            fastrand::Rng::with_seed(self.seed.rotate_left(17) ^ agent.agent_id.wrapping_mul(0xA076_1D64_78BD_642F));
        let (city, state, state_code) = PLACES[rng.usize(..PLACES.len())];
        let location = LOCATIONS[rng.usize(..LOCATIONS.len())];
        let employment_type = match rng.u8(..100) {
            0..=69 => 1,
            70..=84 => 2,
            85..=91 => 3,
            92..=97 => 4,
            _ => 5,
        };
        let hire_date = format!(
            "{}-{:02}-{:02}T00:00:00.000Z",
            rng.u16(2018..=2025),
            rng.u8(1..=12),
            rng.u8(1..=28)
        );
        let clock = format!("{:02}:{:02}:{:02}.000Z", rng.u8(7..=18), rng.u8(..60), rng.u8(..60));
        let (last_login, inactive_date, termination_date) = if agent.is_active {
            (Some(format!("2026-01-0{}T{clock}", rng.u8(1..=4))), None, None)
        } else {
            let left = format!("2025-12-{:02}T00:00:00.000Z", rng.u8(1..=28));
            let login = format!("2025-{:02}-{:02}T{clock}", rng.u8(1..=11), rng.u8(1..=28));
            let terminated = rng.bool().then(|| left.clone());
            (Some(login), Some(left), terminated)
        };
        let out = AgentOut {
            agent_id: agent.agent_id,
            user_id_v34: (shape == Shape::V34).then_some(user_id),
            user_id_legacy: (shape == Shape::Legacy).then_some(user_id),
            user_name: &agent.user_name,
            first_name: &agent.first_name,
            middle_name: "",
            last_name: &agent.last_name,
            email_address: &agent.email,
            is_active: agent.is_active,
            locked: false,
            team_id: 11070 + agent.team as u64,
            team_name: TEAMS[agent.team],
            team_uu_id: team_uuid(agent.team),
            report_to_id: REPORT_TO_ID,
            report_to_name: REPORT_TO_NAME,
            is_supervisor: agent.profile == 1,
            profile_id,
            profile_name,
            user_type: profile_name,
            last_login,
            last_updated: &agent.last_updated,
            create_date: SEEDED_AT,
            inactive_date,
            hire_date,
            termination_date,
            time_zone: "(GMT-07:00) Mountain Time (US & Canada)",
            time_zone_offset: "-07:00",
            country: "US",
            country_name: "United States",
            state,
            state_code,
            city,
            location,
            internal_id: format!("E{}", agent.agent_id % 100_000),
            federated_id: &agent.user_name,
            employment_type,
            employment_type_name: EMPLOYMENT_TYPES[employment_type as usize - 1],
            custom1: "",
            custom2: "",
            custom3: "",
            custom4: "",
            custom5: "",
            notes: "",
            at_home: location == "Remote",
            telephone1: format!("+1801555{:04}", agent.agent_id % 10_000),
            telephone2: "",
        };
        serde_json::value::to_raw_value(&out).expect("an agent serializes")
    }
}
