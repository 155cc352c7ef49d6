//! Map User's type-ahead search: a platform's accounts held in memory and ranked by name and
//! email as the administrator types (nucleo's fuzzy matcher, with highlight ranges).
//!
//! Accounts the admin can take without a second thought come first: free, active accounts; then
//! free inactive ones; then those mapped to someone else. Within each group, the best match first.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::admin::{list_rows, stored_accounts};
use super::rules::{AccountMatch, MappingStatus};
use crate::mapping::links::MappingLink;
use crate::store::mappings::held_elsewhere;
use crate::store::Store;
use crate::vendor::directory::ExternalAccount;
use crate::Result;

/// Accounts in memory for Map User's search: ranked by name and email as the administrator types.
pub struct AccountIndex {
    /// Each account with the user it is mapped to (record id and name), if any.
    accounts: Vec<(ExternalAccount, Option<(i64, String)>)>,
    haystacks: Vec<(Haystack, Haystack)>,
}

/// Text to search, kept as bytes when it is ASCII (the matcher's much faster path).
enum Haystack {
    Ascii(Vec<u8>),
    Unicode(Vec<char>),
}

impl Haystack {
    fn new(text: &str) -> Haystack {
        if text.is_ascii() {
            Haystack::Ascii(text.as_bytes().to_vec())
        } else {
            Haystack::Unicode(text.chars().collect())
        }
    }

    fn utf32(&self) -> Utf32Str<'_> {
        match self {
            Haystack::Ascii(bytes) => Utf32Str::Ascii(bytes),
            Haystack::Unicode(chars) => Utf32Str::Unicode(chars),
        }
    }

    fn text(&self) -> String {
        match self {
            Haystack::Ascii(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            Haystack::Unicode(chars) => chars.iter().collect(),
        }
    }
}

impl AccountIndex {
    /// `accounts` with, for each, the user it is mapped to (record id and name), if any.
    pub fn new(accounts: Vec<(ExternalAccount, Option<(i64, String)>)>) -> AccountIndex {
        let haystacks = accounts
            .iter()
            .map(|(a, _)| {
                (
                    Haystack::new(&a.name),
                    Haystack::new(a.emails.first().map(|e| e.trim()).unwrap_or("")),
                )
            })
            .collect();
        AccountIndex { accounts, haystacks }
    }

    /// The accounts of the link's platform connection, each with the user holding it: one of the
    /// link's unit, or of another unit the same connection serves.
    pub fn load(store: &Store, link: &MappingLink) -> Result<AccountIndex> {
        let rows = list_rows(store, link)?;
        let holders: std::collections::HashMap<String, (i64, String)> = rows
            .into_iter()
            .filter(|r| r.status.is_some_and(MappingStatus::is_mapped))
            .filter_map(|r| Some((r.account_id?, (r.record_id, r.name))))
            .chain(
                held_elsewhere(store.conn(), link)?
                    .into_iter()
                    .map(|h| (h.account_id, (h.record_id, h.holder))),
            )
            .collect();
        let accounts = stored_accounts(store, link)?
            .into_iter()
            .map(|a| {
                let holder = holders.get(&a.id).cloned();
                (a, holder)
            })
            .collect();
        Ok(AccountIndex::new(accounts))
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// The best `limit` accounts for `query` (fuzzy, case-insensitive), with the matched ranges.
    pub fn search(&self, query: &str, limit: usize) -> Vec<AccountMatch> {
        self.search_for(query, limit, None)
    }

    /// [`search`](Self::search) for Map User of `for_user`: free, active accounts first, then
    /// inactive ones, then those mapped to someone else (an account mapped to `for_user` itself
    /// counts as free); the best match first within each group.
    pub fn search_for(&self, query: &str, limit: usize, for_user: Option<i64>) -> Vec<AccountMatch> {
        let query = query.trim();
        if query.is_empty() {
            return Vec::new();
        }
        let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
        // Free active accounts first, then free inactive ones, then those mapped to someone else.
        let group = |i: usize| {
            let (account, holder) = &self.accounts[i];
            match holder {
                Some((user, _)) if Some(*user) != for_user => 2u8,
                _ if !account.active => 1,
                _ => 0,
            }
        };
        // Each core scores its share of the accounts (every keystroke searches them all), and
        // notes each match's group as it goes: looked up while ranking, the group cost a random
        // read of the account per comparison, more than the scoring for a one-letter query.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let chunk = self.haystacks.len().div_ceil(threads).max(1);
        let mut scored: Vec<(u8, u32, usize)> = std::thread::scope(|scope| {
            let workers: Vec<_> = self
                .haystacks
                .chunks(chunk)
                .enumerate()
                .map(|(part, haystacks)| {
                    let (pattern, group) = (&pattern, &group);
                    scope.spawn(move || {
                        let mut matcher = Matcher::new(Config::DEFAULT);
                        let mut found = Vec::new();
                        for (offset, (name, email)) in haystacks.iter().enumerate() {
                            let by_name = pattern.score(name.utf32(), &mut matcher);
                            let by_email = pattern.score(email.utf32(), &mut matcher);
                            if let Some(best) = by_name.max(by_email) {
                                let i = part * chunk + offset;
                                found.push((group(i), best, i));
                            }
                        }
                        found
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("a search thread does not panic"))
                .collect()
        });
        let mut matcher = Matcher::new(Config::DEFAULT);
        let keep = limit.min(scored.len());
        if keep == 0 {
            return Vec::new();
        }
        // By group, then the best match, then the order listed.
        let order = |a: &(u8, u32, usize), b: &(u8, u32, usize)| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2));
        scored.select_nth_unstable_by(keep - 1, order);
        scored.truncate(keep);
        scored.sort_by(order);
        scored
            .into_iter()
            .map(|(_, score, i)| {
                let (account, holder) = &self.accounts[i];
                let (name, email) = &self.haystacks[i];
                AccountMatch {
                    account_id: account.id.clone(),
                    name: account.name.clone(),
                    email: email.text(),
                    active: account.active,
                    score: score as f32,
                    name_highlights: ranges(&pattern, &mut matcher, name),
                    email_highlights: ranges(&pattern, &mut matcher, email),
                    mapped_to: holder.as_ref().map(|(_, name)| name.clone()),
                }
            })
            .collect()
    }
}

/// The matched character positions of `text`, merged into `[start, end)` ranges.
fn ranges(pattern: &Pattern, matcher: &mut Matcher, text: &Haystack) -> Vec<(u32, u32)> {
    let mut indices = Vec::new();
    if pattern.indices(text.utf32(), matcher, &mut indices).is_none() {
        return Vec::new();
    }
    indices.sort_unstable();
    indices.dedup();
    let mut out: Vec<(u32, u32)> = Vec::new();
    for i in indices {
        match out.last_mut() {
            Some(last) if last.1 == i => last.1 = i + 1,
            _ => out.push((i, i + 1)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: &str, active: bool) -> ExternalAccount {
        ExternalAccount {
            id: id.into(),
            name: name.into(),
            emails: vec![format!("{}@example.com", name.to_lowercase().replace(' ', "."))],
            active,
            raw: "{}".into(),
        }
    }

    #[test]
    fn free_active_accounts_come_first_then_inactive_then_mapped_to_someone_else() {
        // The best textual match ("Ana Silva" exactly) is the one mapped to someone else.
        let index = AccountIndex::new(vec![
            (account("1", "Ana Silva", true), Some((7, "Hiroshi Silva".into()))),
            (account("2", "Ana Silva Inactive", false), None),
            (account("3", "Ana Maria Silva", true), None),
            (account("4", "Ana Silvana", false), Some((8, "Ana Silvana".into()))),
            (account("5", "Ana Silva Costa", true), Some((9, "Ana Costa".into()))),
        ]);
        let ids = |found: Vec<AccountMatch>| found.into_iter().map(|m| m.account_id).collect::<Vec<_>>();
        let found = index.search_for("ana silva", 10, Some(9));
        // Account 5 is mapped to the user being mapped: free for them.
        let mut free = ids(found.clone())[..2].to_vec();
        free.sort();
        assert_eq!(free, ["3", "5"]);
        assert_eq!(ids(found.clone())[2..], ["2", "1", "4"]);
        assert_eq!(found[3].mapped_to.as_deref(), Some("Hiroshi Silva"));
        // For anyone else, account 5 is taken too; and the limit keeps the first groups.
        let found = ids(index.search_for("ana silva", 3, None));
        assert_eq!(found, ["3", "2", "1"]);
        assert_eq!(ids(index.search("ana silva", 10))[3..].len(), 2);
    }
}
