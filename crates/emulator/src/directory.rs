//! The external directories users are mapped to, seeded to overlap the CXone agents the way real
//! tenants do: most users have one account with the same email (case and whitespace may differ),
//! some have two accounts sharing one email, some only an inactive one, some none; a few accounts
//! have no email at all, and a few belong to nobody in CXone.

use crate::data::Agent;

/// One account on RingCentral or Webex.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    /// As the directory holds it (possibly another case, possibly padded with spaces).
    pub email: Option<String>,
    pub active: bool,
}

/// How the seeded accounts of one platform overlap the agents, by agent: what a correct Auto Sync
/// must find (before CXone-side rules such as the permission gate).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overlap {
    /// Agents with exactly one active account of the same email.
    pub single: usize,
    /// Agents whose email two active accounts share.
    pub multiple: usize,
    /// Agents whose email only an inactive account has.
    pub only_inactive: usize,
    /// Agents with no account at all.
    pub none: usize,
}

/// Which overlap an agent falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Single,
    Multiple,
    OnlyInactive,
    None,
}

/// The seeded accounts of one platform and their known overlap with the agents.
#[derive(Default)]
pub struct SeededDirectory {
    pub accounts: Vec<Account>,
    pub overlap: Overlap,
    /// Each agent's category, by agent id.
    pub by_agent: Vec<(u64, Category)>,
}

impl Overlap {
    /// The overlap of the agents `keep` accepts (e.g. those a permission gate lets through).
    pub fn of(directory: &SeededDirectory, keep: impl Fn(u64) -> bool) -> Overlap {
        let mut overlap = Overlap::default();
        for (agent, category) in &directory.by_agent {
            if keep(*agent) {
                match category {
                    Category::Single => overlap.single += 1,
                    Category::Multiple => overlap.multiple += 1,
                    Category::OnlyInactive => overlap.only_inactive += 1,
                    Category::None => overlap.none += 1,
                }
            }
        }
        overlap
    }
}

/// Builds a platform's accounts from the agents, deterministically for `salt`.
pub fn seed(agents: &[Agent], salt: u64) -> SeededDirectory {
    let mut accounts = Vec::with_capacity(agents.len() + agents.len() / 10);
    let mut overlap = Overlap::default();
    let mut by_agent = Vec::with_capacity(agents.len());
    let mut next_id = 62_264_000_000u64 + salt * 1_000_000_000;
    let mut account = |first: &str, last: &str, email: Option<String>, active: bool| {
        next_id += 1;
        Account {
            id: next_id.to_string(),
            first_name: first.into(),
            last_name: last.into(),
            email,
            active,
        }
    };
    for agent in agents {
        let mut rng = fastrand::Rng::with_seed(agent.agent_id ^ salt.wrapping_mul(0x5851_F42D_4C95_7F2D));
        // The same address as the directory might spell it.
        let spelled = match rng.u8(..4) {
            0 => agent.email.to_uppercase(),
            1 => format!(" {} ", agent.email),
            _ => agent.email.to_lowercase(),
        };
        match rng.u8(..100) {
            0..=69 => {
                overlap.single += 1;
                by_agent.push((agent.agent_id, Category::Single));
                accounts.push(account(&agent.first_name, &agent.last_name, Some(spelled), true));
            }
            70..=75 => {
                overlap.multiple += 1;
                by_agent.push((agent.agent_id, Category::Multiple));
                accounts.push(account(
                    &agent.first_name,
                    &agent.last_name,
                    Some(spelled.clone()),
                    true,
                ));
                accounts.push(account(
                    &agent.first_name,
                    &format!("{} (2)", agent.last_name),
                    Some(spelled),
                    true,
                ));
            }
            76..=80 => {
                overlap.only_inactive += 1;
                by_agent.push((agent.agent_id, Category::OnlyInactive));
                accounts.push(account(&agent.first_name, &agent.last_name, Some(spelled), false));
            }
            _ => {
                overlap.none += 1;
                by_agent.push((agent.agent_id, Category::None));
            }
        }
    }
    // Accounts with no email, and people CXone does not have.
    for n in 0..(agents.len() / 50).max(2) {
        accounts.push(account("Room", &format!("Phone {n}"), None, true));
        accounts.push(account(
            "Contractor",
            &format!("Nº{n}"),
            Some(format!("contractor{n}@partner.example")),
            true,
        ));
    }
    SeededDirectory {
        accounts,
        overlap,
        by_agent,
    }
}
