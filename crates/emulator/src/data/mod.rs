//! The emulated tenant's records, generated deterministically from the seed: unicode names,
//! mixed-case emails, inactive users, teams and security profiles. Tests can change them while
//! the server runs (to see updates, inserts between pages, removals upstream).

mod agent;

use serde_json::{json, Value};

pub use self::agent::{team_uuid, Agent};
use crate::tenant::{Shape, TenantConfig};

/// When every seeded record was last updated (updates made later carry the real time).
pub const SEEDED_AT: &str = "2026-01-05T09:00:00.000Z";

#[derive(Debug, Clone)]
pub struct Named {
    pub id: u64,
    pub name: String,
    pub is_active: bool,
    pub extra: u64,
    pub last_updated: String,
}

pub const TEAMS: [&str; 8] = [
    "Sales Team",
    "Support Tier 1",
    "Support Tier 2",
    "Billing",
    "Retention",
    "Équipe Montréal",
    "Back Office",
    "Night Shift",
];

/// Security profiles: id, name, whether it carries the "User Mapping: Map" permission.
pub const PROFILES: [(u64, &str, bool); 4] = [
    (41, "Agent", true),
    (42, "Supervisor", true),
    (43, "Administrator", true),
    (44, "Agent - Restricted", false),
];

/// The permission key the emulator uses for "User Mapping: Map" (the real key is unconfirmed).
pub const MAP_PERMISSION_KEY: &str = "UserMapping";

const FIRST: [&str; 24] = [
    "Jane",
    "José",
    "Zoë",
    "Ana",
    "Björn",
    "Chloé",
    "Dmitri",
    "Émilie",
    "François",
    "Grace",
    "Hiroshi",
    "Ingrid",
    "Jürgen",
    "Kateřina",
    "Liam",
    "María",
    "Noah",
    "Oğuz",
    "Priya",
    "Quinn",
    "Renée",
    "Søren",
    "Thảo",
    "Wei",
];
const LAST: [&str; 24] = [
    "Doe",
    "García",
    "Müller",
    "O'Brien",
    "Nguyễn",
    "Kowalski",
    "Ångström",
    "Smith",
    "Łukasiewicz",
    "Dubois",
    "Tanaka",
    "Johansson",
    "Rossi",
    "Novák",
    "Brown",
    "Fernández",
    "Şahin",
    "Patel",
    "Wilson",
    "Lefèvre",
    "Kim",
    "Haddad",
    "Jensen",
    "Silva",
];
const CAMPAIGNS: [&str; 12] = [
    "IVNAdmin",
    "Inbound Sales",
    "Outbound Sales",
    "Customer Care",
    "Collections",
    "Renewals",
    "Win-back",
    "Surveys",
    "Tech Support",
    "Billing Inquiries",
    "VIP Line",
    "Spanish Line",
];
const DISPOSITIONS: [(&str, &str); 10] = [
    ("Sale", "Final"),
    ("Call Back", "Reschedule"),
    ("No Answer", "Reschedule"),
    ("Wrong Number", "Final"),
    ("Do Not Call", "Final"),
    ("Voicemail Left", "Reschedule"),
    ("Not Interested", "Final"),
    ("Transferred", "Final"),
    ("Escalated", "Final"),
    ("Información enviada", "Final"),
];
const CODES: [(&str, bool, u64); 8] = [
    ("Break", false, 15),
    ("Lunch", false, 60),
    ("Meeting", false, 120),
    ("Training", false, 120),
    ("Wrap Up", true, 30),
    ("Coaching", false, 60),
    ("System Issue", false, 30),
    ("Personal", false, 15),
];

pub struct TenantData {
    pub agents: Vec<Agent>,
    pub campaigns: Vec<Named>,
    pub skills: Vec<Named>,
    pub dispositions: Vec<Named>,
    pub codes: Vec<Named>,
    pub teams: Vec<Named>,
    pub ringcentral: crate::directory::SeededDirectory,
    pub webex: crate::directory::SeededDirectory,
    next_agent_id: u64,
    seed: u64,
    /// Added to [`PROFILES`]' ids (see [`TenantConfig::profile_id_offset`]).
    pub(crate) profile_id_offset: u64,
}

impl TenantData {
    pub fn generate(tenant: &TenantConfig) -> TenantData {
        let mut data = TenantData {
            agents: Vec::with_capacity(tenant.agents),
            campaigns: Vec::new(),
            skills: Vec::new(),
            dispositions: Vec::new(),
            codes: Vec::new(),
            teams: Vec::new(),
            ringcentral: Default::default(),
            webex: Default::default(),
            next_agent_id: tenant.first_agent_id,
            seed: tenant.seed,
            profile_id_offset: tenant.profile_id_offset,
        };
        for _ in 0..tenant.agents {
            let agent = data.make_agent(SEEDED_AT);
            data.agents.push(agent);
        }
        let named = |id: u64, name: &str, is_active: bool, extra: u64| Named {
            id,
            name: name.to_owned(),
            is_active,
            extra,
            last_updated: SEEDED_AT.to_owned(),
        };
        data.campaigns = CAMPAIGNS
            .iter()
            .enumerate()
            .map(|(i, n)| named(2001 + i as u64, n, i != 7, 0))
            .collect();
        data.skills = CAMPAIGNS
            .iter()
            .enumerate()
            .map(|(i, n)| {
                named(
                    4001 + i as u64,
                    &format!("{}_Voice", n.replace(' ', "_")),
                    true,
                    2001 + i as u64,
                )
            })
            .collect();
        data.dispositions = DISPOSITIONS
            .iter()
            .enumerate()
            .map(|(i, (n, _))| named(501 + i as u64, n, i != 8, i as u64))
            .collect();
        data.codes = CODES
            .iter()
            .enumerate()
            .map(|(i, (n, _, t))| named(1021 + i as u64, n, i != 6, *t))
            .collect();
        data.teams = TEAMS
            .iter()
            .enumerate()
            .map(|(i, n)| named(11070 + i as u64, n, true, 0))
            .collect();
        data.ringcentral = crate::directory::seed(&data.agents, 1);
        data.webex = crate::directory::seed(&data.agents, 2);
        data
    }

    /// A new agent, the same for the same seed and position.
    fn make_agent(&mut self, updated: &str) -> Agent {
        let id = self.next_agent_id;
        self.next_agent_id += 1;
        let mut rng = fastrand::Rng::with_seed(self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ id);
        let first = FIRST[rng.usize(..FIRST.len())];
        let last = LAST[rng.usize(..LAST.len())];
        // Email-safe ASCII: "Ångström" → "angstrom".
        let ascii = |s: &str| -> String {
            deunicode::deunicode(s)
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_lowercase()
        };
        let local = format!("{}.{}{}", ascii(first), ascii(last), id % 100_000);
        // Mixed case, as directories really hold them.
        let email = match rng.u8(..4) {
            0 => format!("{}@Example.com", capitalize(&local)),
            1 => format!("{local}@EXAMPLE.COM"),
            _ => format!("{local}@example.com"),
        };
        Agent {
            agent_id: id,
            user_id: format!("11eb0c5e-2d9e-4a4c-a2b1-{:012x}", id),
            user_name: email.to_lowercase(),
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            email,
            is_active: rng.u8(..100) >= 8,
            team: rng.usize(..TEAMS.len()),
            profile: match rng.u8(..100) {
                0..=79 => 0,
                80..=89 => 1,
                90..=93 => 2,
                _ => 3,
            },
            last_updated: updated.to_owned(),
        }
    }

    /// Adds `count` agents at the front of the list (as if created while a client pages).
    pub fn insert_agents_at_front(&mut self, count: usize, now: &str) {
        for _ in 0..count {
            let agent = self.make_agent(now);
            self.agents.insert(0, agent);
        }
    }

    pub fn campaign_json(&self, campaign: &Named, shape: Shape) -> Value {
        match shape {
            Shape::V34 => json!({"id": campaign.id, "name": campaign.name, "isActive": campaign.is_active,
                                 "notes": "", "lastUpdateTime": campaign.last_updated}),
            Shape::Legacy => {
                json!({"campaignId": campaign.id, "campaignName": campaign.name, "isActive": campaign.is_active,
                                    "description": "", "notes": "", "lastUpdateTime": campaign.last_updated})
            }
        }
    }

    pub fn skill_json(&self, skill: &Named) -> Value {
        let campaign = self.campaigns.iter().find(|c| c.id == skill.extra);
        json!({"skillId": skill.id, "skillName": skill.name, "mediaTypeId": 4, "mediaTypeName": "Phone Call",
               "isActive": skill.is_active, "campaignId": skill.extra,
               "campaignName": campaign.map(|c| c.name.as_str()).unwrap_or(""), "notes": "", "isOutbound": false,
               "lastUpdateTime": skill.last_updated})
    }

    pub fn disposition_json(&self, disposition: &Named) -> Value {
        let outcome = DISPOSITIONS
            .get(disposition.extra as usize)
            .map(|d| d.1)
            .unwrap_or("Final");
        json!({"dispositionId": disposition.id, "dispositionName": disposition.name, "notes": "",
               "lastUpdated": disposition.last_updated, "classificationId": 1 + disposition.extra % 4,
               "systemOutcome": outcome, "isActive": disposition.is_active, "isPreviewDisposition": false})
    }

    pub fn code_json(&self, code: &Named, shape: Shape) -> Value {
        let acw = CODES.iter().find(|c| c.0 == code.name).map(|c| c.1).unwrap_or(false);
        match shape {
            Shape::V34 => json!({"id": code.id, "name": code.name, "isActive": code.is_active, "isACW": acw,
                                 "agentTimeout": code.extra}),
            Shape::Legacy => json!({"OutStateId": code.id, "OutStateName": code.name, "IsActive": code.is_active,
                                    "IsAcw": acw, "AgentTimeoutMins": code.extra}),
        }
    }
}

/// The classification names behind `classificationId` 1–4 (illustrative).
const CLASSIFICATIONS: [&str; 4] = ["Success", "Failure", "Callback", "Neutral"];

impl TenantData {
    pub fn team_json(&self, team: &Named) -> Value {
        json!({"teamId": team.id, "teamName": team.name, "isActive": team.is_active, "description": "",
               "lastUpdateTime": team.last_updated})
    }

    /// The unavailable codes valid for a team: most of them, a different few missing per team.
    pub fn team_codes(&self, team: &Named) -> Vec<&Named> {
        let t = team.id.saturating_sub(11070);
        self.codes
            .iter()
            .filter(|c| (t + c.id.saturating_sub(1021)) % 4 != 3)
            .collect()
    }

    /// A code as `GET /teams/{id}/unavailable-codes` lists it: v34 spells `outstateId` and sends
    /// the timeout as a string; older versions spell `outStateId`.
    pub fn team_code_json(&self, code: &Named, shape: Shape) -> Value {
        let acw = CODES.iter().find(|c| c.0 == code.name).map(|c| c.1).unwrap_or(false);
        let timeout = code.extra.to_string();
        match shape {
            Shape::V34 => json!({"outstateId": code.id, "outstateName": code.name, "isActive": code.is_active,
                                 "isAcw": acw, "agentTimeoutMins": timeout}),
            Shape::Legacy => json!({"outStateId": code.id, "outStateName": code.name, "isActive": code.is_active,
                                    "isAcw": acw, "agentTimeoutMins": timeout}),
        }
    }

    /// The dispositions assigned to a skill (its Post Contact tab): most, a different few missing per skill.
    pub fn skill_dispositions(&self, skill: &Named) -> Vec<&Named> {
        let k = skill.id.saturating_sub(4001);
        self.dispositions.iter().filter(|d| (k + d.extra) % 3 != 2).collect()
    }

    /// A disposition as `GET /skills/{id}/dispositions` lists it.
    pub fn skill_disposition_json(&self, disposition: &Named) -> Value {
        let outcome = DISPOSITIONS
            .get(disposition.extra as usize)
            .map(|d| d.1)
            .unwrap_or("Final");
        json!({"dispositionId": disposition.id, "dispositionName": disposition.name,
               "displayOrder": disposition.extra + 1,
               "classification": CLASSIFICATIONS[(disposition.extra % 4) as usize],
               "reportingGroup": "", "systemOutcome": outcome, "requireCommitmentAmount": false,
               "requireRescheduleDate": outcome == "Reschedule", "agentSpecific": false,
               "isPreviewDisposition": false})
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
