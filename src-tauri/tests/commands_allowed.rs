//! Every command the window can call is declared to the Tauri build (so the capability file
//! governs it) and allowed by the capability file; a command missing from either fails at run time
//! with an error the screens cannot recover from. This test reads the three lists and compares them.

use std::collections::BTreeSet;

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// The quoted or bare identifiers between `start` and the next `end`.
fn names_between(text: &str, start: &str, end: &str) -> BTreeSet<String> {
    let from = text.find(start).unwrap_or_else(|| panic!("{start} not found")) + start.len();
    let body = &text[from..from + text[from..].find(end).unwrap()];
    body.split(',')
        .map(|item| item.trim().trim_matches('"').to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

#[test]
fn every_command_is_declared_and_allowed() {
    let registered = names_between(&read("src/lib.rs"), "generate_handler![", "]");
    let declared = names_between(&read("build.rs"), "let commands = &[", "]");
    assert_eq!(registered, declared, "src/lib.rs generate_handler! vs build.rs");
    let capability: serde_json::Value = serde_json::from_str(&read("capabilities/default.json")).unwrap();
    let allowed: BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(|n| n.replace('-', "_")))
        .collect();
    let missing: Vec<_> = registered.difference(&allowed).collect();
    assert!(
        missing.is_empty(),
        "not allowed by capabilities/default.json: {missing:?}"
    );
}
