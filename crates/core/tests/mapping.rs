//! The User Mapping rules, one by one.

use std::collections::HashMap;

use ccsync_core::mapping::rules::{self, AutoSyncCounts, MappingState, MappingStatus, MappingUser};
use ccsync_core::vendor::directory::ExternalAccount;

fn user(id: i64, name: &str, email: Option<&str>) -> MappingUser {
    MappingUser {
        record_id: id,
        name: name.into(),
        email_key: email.and_then(rules::email_key),
        can_map: true,
    }
}

fn account(id: &str, email: &str, active: bool) -> ExternalAccount {
    ExternalAccount {
        id: id.into(),
        name: format!("Account {id}"),
        emails: vec![email.into()],
        active,
        raw: "{}".into(),
    }
}

fn run(
    users: &[MappingUser],
    accounts: &[ExternalAccount],
    current: &HashMap<i64, MappingState>,
) -> (HashMap<i64, MappingState>, AutoSyncCounts) {
    let (states, counts) = rules::auto_sync(users, accounts, current);
    (states.into_iter().collect(), counts)
}

fn status(states: &HashMap<i64, MappingState>, id: i64) -> MappingStatus {
    states[&id].status.unwrap()
}

#[test]
fn case_and_whitespace_differences_still_match() {
    let users = [user(1, "Jane", Some("Jane.Doe@Example.com"))];
    let accounts = [account("a1", "  jane.doe@EXAMPLE.COM ", true)];
    let (states, counts) = run(&users, &accounts, &HashMap::new());
    assert_eq!(status(&states, 1), MappingStatus::MappedAuto);
    assert_eq!(states[&1].account_id.as_deref(), Some("a1"));
    assert_eq!(counts.mapped, 1);
}

#[test]
fn two_accounts_with_one_email_are_multiple_matches_naming_both() {
    let users = [user(1, "Jane", Some("jane@example.com"))];
    let accounts = [
        account("a1", "jane@example.com", true),
        account("a2", "JANE@example.com", true),
    ];
    let (states, counts) = run(&users, &accounts, &HashMap::new());
    assert_eq!(status(&states, 1), MappingStatus::UnmappedMultiple);
    assert!(
        states[&1].detail.contains("a1") && states[&1].detail.contains("a2"),
        "{}",
        states[&1].detail
    );
    assert_eq!(counts.unmapped_multiple, 1);
}

#[test]
fn no_match_and_only_inactive_are_told_apart() {
    let users = [
        user(1, "Jane", Some("jane@example.com")),
        user(2, "Sam", Some("sam@example.com")),
        user(3, "Nomail", None),
    ];
    let accounts = [account("a1", "jane@example.com", false)];
    let (states, counts) = run(&users, &accounts, &HashMap::new());
    assert_eq!(status(&states, 1), MappingStatus::UnmappedOnlyInactive);
    assert!(states[&1].detail.contains("a1"), "names the inactive account");
    assert_eq!(status(&states, 2), MappingStatus::UnmappedNoMatch);
    assert_eq!(status(&states, 3), MappingStatus::UnmappedNoMatch);
    assert!(states[&3].detail.contains("no email"));
    assert_eq!((counts.unmapped_only_inactive, counts.unmapped_no_match), (1, 2));
}

#[test]
fn an_account_already_mapped_to_someone_else_is_in_use_naming_who() {
    let users = [
        user(1, "Jane Doe", Some("shared@example.com")),
        user(2, "Sam Sup", Some("shared@example.com")),
    ];
    let accounts = [account("a1", "shared@example.com", true)];
    let (states, counts) = run(&users, &accounts, &HashMap::new());
    assert_eq!(status(&states, 1), MappingStatus::MappedAuto);
    assert_eq!(status(&states, 2), MappingStatus::UnmappedInUse);
    assert!(states[&2].detail.contains("Jane Doe"), "{}", states[&2].detail);
    assert_eq!((counts.mapped, counts.unmapped_in_use), (1, 1));
}

#[test]
fn an_unmapped_user_is_tried_once_more_then_waits_until_something_changes() {
    let users = [user(1, "Jane", Some("jane@example.com"))];
    let (first, _) = run(&users, &[], &HashMap::new());
    assert_eq!(first[&1].attempts, 1);
    let (second, _) = run(&users, &[], &first);
    assert_eq!(second[&1].attempts, 2, "tried one more time");
    // A matching account appears, but the candidates changed, so the user is opened again.
    let accounts = [account("a1", "jane@example.com", true)];
    let (third, _) = run(&users, &accounts, &second);
    assert_eq!(status(&third, 1), MappingStatus::MappedAuto);

    // With nothing changed, a third run leaves the user alone.
    let (again, _) = run(&users, &[], &second);
    assert_eq!(again[&1], second[&1]);
    // Until the administrator asks for a retry.
    let retried = HashMap::from([(1, rules::retry(&second[&1]))]);
    let (after_retry, _) = run(&users, &[], &retried);
    assert_eq!(after_retry[&1].attempts, 1);
}

#[test]
fn a_manual_mapping_survives_auto_sync() {
    let users = [user(1, "Jane", Some("jane@example.com"))];
    let manual_account = account("m1", "someone.else@example.com", true);
    let manual = HashMap::from([(1, rules::map_manually(&manual_account, &MappingState::default()))]);
    let accounts = [account("a1", "jane@example.com", true), manual_account];
    let (states, counts) = run(&users, &accounts, &manual);
    assert_eq!(status(&states, 1), MappingStatus::MappedManual);
    assert_eq!(states[&1].account_id.as_deref(), Some("m1"));
    assert_eq!(counts.manual_kept, 1);
}

#[test]
fn a_pair_unmapped_by_the_administrator_is_not_relinked() {
    let users = [user(1, "Jane", Some("jane@example.com"))];
    let accounts = [account("a1", "jane@example.com", true)];
    let (mapped, _) = run(&users, &accounts, &HashMap::new());
    let unmapped = HashMap::from([(1, rules::unmap(&mapped[&1]))]);
    let (states, _) = run(&users, &accounts, &unmapped);
    assert_eq!(status(&states, 1), MappingStatus::UnmappedByAdmin);
    assert_eq!(states[&1].account_id, None);
    // Asked explicitly: it links again.
    let retried = HashMap::from([(1, rules::retry(&states[&1]))]);
    let (states, _) = run(&users, &accounts, &retried);
    assert_eq!(status(&states, 1), MappingStatus::MappedAuto);
}

#[test]
fn the_permission_gate_skips_users_and_lets_them_map_once_allowed() {
    let users = [user(1, "Jane", Some("jane@example.com"))];
    let accounts = [account("a1", "jane@example.com", true)];
    let (mapped, _) = run(&users, &accounts, &HashMap::new());
    assert_eq!(status(&mapped, 1), MappingStatus::MappedAuto);
    // The permission is taken away: skipped, and the account is no longer held.
    let mut gated = users[0].clone();
    gated.can_map = false;
    let (skipped, counts) = run(&[gated.clone()], &accounts, &mapped);
    assert_eq!(status(&skipped, 1), MappingStatus::SkippedNoPermission);
    assert_eq!(skipped[&1].account_id, None);
    assert_eq!(counts.skipped_no_permission, 1);
    // Skipped on later runs too, with nothing changed…
    let (still, _) = run(&[gated.clone()], &accounts, &skipped);
    let (still, _) = run(&[gated], &accounts, &still);
    // …then given back: mapped at once, not left waiting.
    let (again, _) = run(&users, &accounts, &still);
    assert_eq!(status(&again, 1), MappingStatus::MappedAuto);
}

#[test]
fn an_admin_unmapped_pair_stays_unmapped_even_when_the_user_changes() {
    let users = [user(1, "Jane", Some("jane@example.com"))];
    let accounts = [account("a1", "jane@example.com", true)];
    let (mapped, _) = run(&users, &accounts, &HashMap::new());
    let unmapped = HashMap::from([(1, rules::unmap(&mapped[&1]))]);
    // The account changes (a new candidate set) but the only match is still the unmapped one.
    let renamed = [
        account("a1", " JANE@example.com", true),
        account("old", "jane@example.com", false),
    ];
    let (states, _) = run(&users, &renamed, &unmapped);
    assert_eq!(status(&states, 1), MappingStatus::UnmappedByAdmin, "{:?}", states[&1]);
}

#[test]
fn a_mapping_whose_account_disappears_is_kept_and_flagged() {
    let users = [user(1, "Jane", Some("jane@example.com"))];
    let accounts = [account("a1", "jane@example.com", true)];
    let (mapped, _) = run(&users, &accounts, &HashMap::new());
    let (states, counts) = run(&users, &[], &mapped);
    assert_eq!(status(&states, 1), MappingStatus::MappedAuto);
    assert_eq!(states[&1].account_id.as_deref(), Some("a1"));
    assert!(states[&1].flag.is_some(), "flagged, not dropped");
    assert_eq!(counts.mapped, 1);
}

#[test]
fn an_account_released_by_one_user_is_free_for_another_whatever_the_order() {
    // Account x belonged to B by email; its email now is A's. A is decided before B.
    let users = [user(1, "A", Some("a@example.com")), user(2, "B", Some("b@example.com"))];
    let before = [account("x", "b@example.com", true)];
    let (mapped, _) = run(&users, &before, &HashMap::new());
    assert_eq!(mapped[&2].account_id.as_deref(), Some("x"));
    let after = [account("x", "a@example.com", true)];
    let (states, counts) = run(&users, &after, &mapped);
    assert_eq!(status(&states, 1), MappingStatus::MappedAuto, "{:?}", states[&1]);
    assert_eq!(states[&1].account_id.as_deref(), Some("x"));
    assert_eq!(status(&states, 2), MappingStatus::UnmappedNoMatch);
    assert_eq!((counts.mapped, counts.unmapped_in_use), (1, 0));
}
