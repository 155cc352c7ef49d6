//! The `ccsync` binary, headless: secrets from CCSYNC_… variables, no keyring on the bus, `--json`.

use std::process::{Command, Output};

use ccsync_emulator::{demo, Emulator, TenantConfig};
use serde_json::Value;

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Cli {
        Cli {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// `ccsync --db <temp> --json ARGS` with no keyring reachable.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ccsync"));
        command
            .arg("--db")
            .arg(self.dir.path().join("ccsync.sqlite3"))
            .arg("--json")
            .args(args)
            .env("CCSYNC_LOG_DIR", self.dir.path().join("logs"))
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/ccsync-cli-test")
            .env_remove("DISPLAY")
            .env_remove("CCSYNC_DB");
        command
    }

    /// Runs `command` and reads its JSON.
    fn output(mut command: Command, args: &[&str]) -> (Output, Value) {
        let output = command.output().unwrap();
        let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
            panic!(
                "{args:?}: stdout is not JSON: {}",
                String::from_utf8_lossy(&output.stdout)
            )
        });
        (output, json)
    }

    /// Runs `ccsync --db <temp> --json ARGS` with no keyring reachable and the demo CXone secrets
    /// set (or not).
    fn run(&self, args: &[&str], secrets: bool) -> (Output, Value) {
        let mut command = self.command(args);
        for (var, value) in [
            ("CCSYNC_CXONE_CLIENT_SECRET", demo::CXONE_CLIENT_SECRET),
            ("CCSYNC_CXONE_ACCESS_KEY_SECRET", demo::CXONE_ACCESS_KEY_SECRET),
        ] {
            if secrets {
                command.env(var, value);
            } else {
                command.env_remove(var);
            }
        }
        Cli::output(command, args)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn headless_add_list_test_remove_with_secrets_from_the_environment() {
    let emulator = Emulator::start(TenantConfig::default()).await.unwrap();
    let url = emulator.base_url().to_owned();
    let cli = Cli::new();

    let add = [
        "connection",
        "add",
        "cxone",
        "--name",
        "Prod",
        "--auth-url",
        &url,
        "--client-id",
        demo::CXONE_CLIENT_ID,
        "--access-key-id",
        demo::CXONE_ACCESS_KEY_ID,
    ];
    let (out, added) = tokio::task::block_in_place(|| cli.run(&add, true));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(added["name"], "Prod");
    assert_eq!(added["settings"]["kind"], "cxone");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no keyring here"));

    let (_, listed) = tokio::task::block_in_place(|| cli.run(&["connection", "list"], true));
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let (out, tested) = tokio::task::block_in_place(|| cli.run(&["connection", "test", "prod"], true));
    assert!(out.status.success(), "{tested}");
    let summary = tested["summary"].as_str().unwrap();
    assert!(
        summary.contains(demo::BUSINESS_UNIT_NAME) && summary.contains(&url),
        "{summary}"
    );

    // Without the variables there is nowhere to read the secret from.
    let (out, failed) = tokio::task::block_in_place(|| cli.run(&["connection", "test", "Prod"], false));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(failed["error"]["code"], "keyring_unavailable");

    let (out, refused) = tokio::task::block_in_place(|| cli.run(&["connection", "remove", "Prod"], true));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        refused["error"]["message"].as_str().unwrap().contains("--force"),
        "{refused}"
    );
    let (out, removed) = tokio::task::block_in_place(|| cli.run(&["connection", "remove", "Prod", "--force"], true));
    assert!(out.status.success(), "{removed}");
    assert_eq!(removed["removed"], "Prod");
    let (_, listed) = tokio::task::block_in_place(|| cli.run(&["connection", "list"], true));
    assert_eq!(listed, Value::Array(vec![]));
}

#[test]
fn errors_are_json_with_a_code_and_a_sentence() {
    let cli = Cli::new();
    let (out, missing) = cli.run(&["connection", "test", "Nope"], true);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(missing["error"]["code"], "not_found");
    assert!(missing["error"]["message"]
        .as_str()
        .unwrap()
        .contains("ccsync connection list"));

    let insecure = [
        "connection",
        "add",
        "cxone",
        "--name",
        "X",
        "--auth-url",
        "http://cxone.example.com",
        "--client-id",
        "c",
        "--access-key-id",
        "k",
    ];
    let (_, refused) = cli.run(&insecure, true);
    assert_eq!(refused["error"]["code"], "insecure_url");

    let (_, no_secret) = cli.run(
        &[
            "connection",
            "add",
            "cxone",
            "--name",
            "X",
            "--client-id",
            "c",
            "--access-key-id",
            "k",
        ],
        false,
    );
    assert_eq!(no_secret["error"]["code"], "invalid_input");
    assert!(
        no_secret["error"]["message"]
            .as_str()
            .unwrap()
            .contains("CCSYNC_CXONE_CLIENT_SECRET"),
        "{no_secret}"
    );
}

/// `ccsync pull users --select all --json` against `ccsync emulator --agents 2000`: 2000 created,
/// then 2000 unchanged.
#[test]
fn pulling_users_twice_creates_then_finds_them_unchanged() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _emulator = Running(
        Command::new(env!("CARGO_BIN_EXE_ccsync"))
            .args(["emulator", "--port", &port.to_string(), "--agents", "2000"])
            .env("CCSYNC_LOG_DIR", std::env::temp_dir().join("ccsync-cli-test-logs"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("http://127.0.0.1:{port}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "the emulator did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let cli = Cli::new();
    let add = [
        "connection",
        "add",
        "cxone",
        "--name",
        "Demo",
        "--auth-url",
        &url,
        "--client-id",
        demo::CXONE_CLIENT_ID,
        "--access-key-id",
        demo::CXONE_ACCESS_KEY_ID,
    ];
    let (out, _) = cli.run(&add, true);
    assert!(out.status.success());
    let (out, first) = cli.run(&["pull", "users", "--select", "all"], true);
    let (_, second) = cli.run(&["pull", "users", "--select", "all"], true);
    assert!(out.status.success(), "{first}");
    assert_eq!(
        (first["entity"].as_str(), first["created"].as_u64()),
        (Some("users"), Some(2000)),
        "{first}"
    );
    assert_eq!(
        (second["created"].as_u64(), second["unchanged"].as_u64()),
        (Some(0), Some(2000)),
        "{second}"
    );
    for key in ["fetched", "updated", "missing_upstream", "run_id"] {
        assert!(second.get(key).is_some(), "{key} missing from {second}");
    }
}

/// A child process stopped when the test ends, pass or fail.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `ccsync map auto --platform ringcentral --json` against the emulator prints the counts the
/// emulator's seeded overlap predicts (with the permission gate turned on for the run).
#[tokio::test(flavor = "multi_thread")]
async fn map_auto_counts_equal_the_emulators_known_overlap() {
    use ccsync_emulator::directory::Overlap;
    let emulator = Emulator::start(TenantConfig {
        agents: 600,
        ..TenantConfig::default()
    })
    .await
    .unwrap();
    let url = emulator.base_url().to_owned();
    let cli = Cli::new();
    let run = |args: Vec<&str>, env: Vec<(&str, &str)>| {
        let mut all = vec![
            "--db".to_owned(),
            cli.dir.path().join("ccsync.sqlite3").display().to_string(),
            "--json".into(),
        ];
        all.extend(args.iter().map(|a| a.to_string()));
        let mut command = Command::new(env!("CARGO_BIN_EXE_ccsync"));
        command
            .args(&all)
            .env("CCSYNC_LOG_DIR", cli.dir.path().join("logs"))
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/ccsync-cli-test")
            .env_remove("DISPLAY");
        for (k, v) in env {
            command.env(k, v);
        }
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "{:?}: {}",
            all,
            String::from_utf8_lossy(&output.stdout)
        );
        serde_json::from_slice::<Value>(&output.stdout).unwrap()
    };
    let cxone_env = vec![
        ("CCSYNC_CXONE_CLIENT_SECRET", demo::CXONE_CLIENT_SECRET),
        ("CCSYNC_CXONE_ACCESS_KEY_SECRET", demo::CXONE_ACCESS_KEY_SECRET),
        ("CCSYNC_RINGCENTRAL_CLIENT_SECRET", demo::RINGCENTRAL_CLIENT_SECRET),
        ("CCSYNC_RINGCENTRAL_JWT", demo::RINGCENTRAL_JWT),
    ];
    tokio::task::block_in_place(|| {
        run(
            vec![
                "connection",
                "add",
                "cxone",
                "--name",
                "CX",
                "--auth-url",
                &url,
                "--client-id",
                demo::CXONE_CLIENT_ID,
                "--access-key-id",
                demo::CXONE_ACCESS_KEY_ID,
            ],
            cxone_env.clone(),
        );
        run(
            vec![
                "connection",
                "add",
                "ringcentral",
                "--name",
                "RC",
                "--server-url",
                &url,
                "--client-id",
                demo::RINGCENTRAL_CLIENT_ID,
            ],
            cxone_env.clone(),
        );
        run(vec!["pull", "users", "--select", "all", "--full"], cxone_env.clone());
        let pulled = run(
            vec!["directory", "pull", "--platform", "ringcentral"],
            cxone_env.clone(),
        );
        let listed = emulator.with_data(|d| d.ringcentral.accounts.len());
        assert_eq!(pulled["accounts"].as_u64(), Some(listed as u64), "{pulled}");
        let counts = run(
            vec!["map", "auto", "--platform", "ringcentral", "--permission-gate", "on"],
            cxone_env.clone(),
        );
        let (expected, restricted) = emulator.with_data(|d| {
            let restricted: std::collections::HashSet<u64> =
                d.agents.iter().filter(|a| a.profile == 3).map(|a| a.agent_id).collect();
            (
                Overlap::of(&d.ringcentral, |id| !restricted.contains(&id)),
                restricted.len(),
            )
        });
        assert_eq!(counts["platform"], "ringcentral");
        assert_eq!(counts["mapped"].as_u64(), Some(expected.single as u64), "{counts}");
        assert_eq!(
            counts["unmapped_multiple"].as_u64(),
            Some(expected.multiple as u64),
            "{counts}"
        );
        assert_eq!(
            counts["unmapped_only_inactive"].as_u64(),
            Some(expected.only_inactive as u64),
            "{counts}"
        );
        assert_eq!(
            counts["unmapped_no_match"].as_u64(),
            Some(expected.none as u64),
            "{counts}"
        );
        assert_eq!(
            counts["skipped_no_permission"].as_u64(),
            Some(restricted as u64),
            "{counts}"
        );
        for key in ["manual_kept", "unmapped_in_use", "run_id"] {
            assert!(counts.get(key).is_some(), "{key} missing: {counts}");
        }

        // By hand: a user's only (inactive) account is refused with the reason until --confirm.
        let listed = run(
            vec![
                "map",
                "list",
                "--platform",
                "ringcentral",
                "--status",
                "unmapped_only_inactive",
            ],
            vec![],
        );
        let user = &listed.as_array().unwrap()[0];
        let detail = user["detail"].as_str().unwrap();
        let account = detail.rsplit_once('(').unwrap().1.trim_end_matches(").");
        let email = user["email"].as_str().unwrap();
        let db = cli.dir.path().join("ccsync.sqlite3").display().to_string();
        let refused = Command::new(env!("CARGO_BIN_EXE_ccsync"))
            .args([
                "--db",
                &db,
                "--json",
                "map",
                "set",
                email,
                account,
                "--platform",
                "ringcentral",
            ])
            .env("CCSYNC_LOG_DIR", cli.dir.path().join("logs"))
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/ccsync-cli-test")
            .env_remove("DISPLAY")
            .output()
            .unwrap();
        assert!(!refused.status.success());
        let error: Value = serde_json::from_slice(&refused.stdout).unwrap();
        assert_eq!(error["error"]["code"], "confirmation_required", "{error}");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("it is inactive")
                && message.ends_with("Nothing was changed. Add --confirm to map anyway."),
            "{message}"
        );
        let mapped = run(
            vec!["map", "set", email, account, "--platform", "ringcentral", "--confirm"],
            vec![],
        );
        assert_eq!(mapped["status"], "mapped_manual", "{mapped}");
        assert_eq!(mapped["account_id"], account, "{mapped}");
    });
}

fn fixture(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/csv")
        .join(name)
        .display()
        .to_string()
}

fn stored_users(cli: &Cli) -> i64 {
    let db = rusqlite::Connection::open(cli.dir.path().join("ccsync.sqlite3")).unwrap();
    db.query_row("SELECT count(*) FROM records WHERE entity = 'users'", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn import_users_dry_run_commit_rerun_and_error_file() {
    let cli = Cli::new();
    let file = fixture("excel_damaged_1252.csv");
    let keys = [
        "file",
        "rows",
        "created",
        "updated",
        "unchanged",
        "invalid",
        "warnings",
        "licences_added",
        "licences_removed",
        "run_id",
    ];

    let (out, dry) = cli.run(&["import", "users", &file, "--dry-run"], false);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut found: Vec<&str> = dry.as_object().unwrap().keys().map(String::as_str).collect();
    found.sort_unstable();
    let mut expected = keys.to_vec();
    expected.sort_unstable();
    assert_eq!(found, expected);
    assert_eq!((dry["created"].as_u64(), dry["invalid"].as_u64()), (Some(2), Some(2)));
    assert!(dry["run_id"].is_null());
    assert_eq!(stored_users(&cli), 0, "--dry-run writes nothing");

    let errors = cli.dir.path().join("errors.csv");
    let errors_arg = errors.display().to_string();
    let (_, done) = cli.run(&["import", "users", &file, "--errors", &errors_arg], false);
    assert_eq!(done["created"], 2);
    assert!(done["run_id"].as_i64().is_some());
    assert_eq!(stored_users(&cli), 2, "exactly the valid rows");

    let (_, again) = cli.run(&["import", "users", &file], false);
    assert_eq!(
        (again["unchanged"].as_u64(), again["created"].as_u64()),
        (Some(2), Some(0))
    );

    // Fix the error file the way a person would and import it.
    let bytes = std::fs::read(&errors).unwrap();
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
    let fixed = text
        .replace("1.55512E+10", "+1 201 555 0150")
        .replace(",12,", ",+1 201 555 0151,");
    std::fs::write(&errors, encoding_rs::WINDOWS_1252.encode(&fixed).0).unwrap();
    let (_, fixed) = cli.run(&["import", "users", &errors_arg], false);
    assert_eq!(
        (fixed["created"].as_u64(), fixed["invalid"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(stored_users(&cli), 4);

    // Export, then import the export: every row unchanged.
    let export = cli.dir.path().join("users.csv").display().to_string();
    let (_, exported) = cli.run(&["export", "users", &export], false);
    assert_eq!(exported["users"], 4);
    let (_, back) = cli.run(&["import", "users", &export, "--mode", "add-remove"], false);
    assert_eq!((back["unchanged"].as_u64(), back["rows"].as_u64()), (Some(4), Some(4)));
}

#[test]
fn import_users_mapping_by_hand_and_refusals() {
    let cli = Cli::new();
    let file = cli.dir.path().join("odd.csv");
    std::fs::write(&file, "Mail;Given;Agent licence\nann@example.com;Ann;TRUE\n").unwrap();
    let path = file.display().to_string();
    let (out, refused) = cli.run(&["import", "users", &path, "--dry-run"], false);
    assert!(!out.status.success());
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("No email column"));

    let (out, mapped) = cli.run(
        &[
            "import",
            "users",
            &path,
            "--map",
            "Mail=email",
            "--map",
            "Given=first-name",
            "--map",
            "Agent licence=standard",
            "--save-preset",
            "Odd",
            "--region",
            "gb",
        ],
        false,
    );
    assert!(out.status.success(), "{mapped}");
    assert_eq!(
        (mapped["created"].as_u64(), mapped["licences_added"].as_u64()),
        (Some(1), Some(1))
    );
    // The preset is reused automatically for the same headers.
    let (_, again) = cli.run(&["import", "users", &path, "--dry-run"], false);
    assert_eq!(again["unchanged"], 1);

    let (_, bad) = cli.run(&["import", "users", &fixture("binary.csv")], false);
    assert!(bad["error"]["message"].as_str().unwrap().contains("binary"));
    let (_, bad) = cli.run(&["import", "users", &path, "--region", "Narnia"], false);
    assert!(bad["error"]["message"].as_str().unwrap().contains("country code"));
}

#[tokio::test(flavor = "multi_thread")]
async fn headless_webex_service_app_with_secrets_from_the_environment() {
    let emulator = Emulator::start(TenantConfig::default()).await.unwrap();
    let url = emulator.base_url().to_owned();
    let cli = Cli::new();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ccsync"))
            .arg("--db")
            .arg(cli.dir.path().join("ccsync.sqlite3"))
            .arg("--json")
            .args(args)
            .env("CCSYNC_LOG_DIR", cli.dir.path().join("logs"))
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/ccsync-cli-test")
            .env_remove("DISPLAY")
            .env("CCSYNC_WEBEX_CLIENT_SECRET", demo::WEBEX_CLIENT_SECRET)
            .env("CCSYNC_WEBEX_REFRESH_TOKEN", demo::WEBEX_REFRESH_TOKEN)
            .output()
            .unwrap()
    };
    tokio::task::block_in_place(|| {
        let add = run(&[
            "connection",
            "add",
            "webex",
            "--name",
            "WX",
            "--api-url",
            &url,
            "--service-app",
            "--client-id",
            demo::WEBEX_CLIENT_ID,
        ]);
        assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stdout));
        let added: Value = serde_json::from_slice(&add.stdout).unwrap();
        assert_eq!(added["settings"]["credential"]["method"], "service_app");
        let test = run(&["connection", "test", "WX"]);
        assert!(test.status.success(), "{}", String::from_utf8_lossy(&test.stdout));
        let outcome: Value = serde_json::from_slice(&test.stdout).unwrap();
        assert!(outcome["summary"].as_str().unwrap().contains("Demo Administrator"));
        for output in [&add, &test] {
            for secret in [demo::WEBEX_CLIENT_SECRET, demo::WEBEX_REFRESH_TOKEN] {
                assert!(!String::from_utf8_lossy(&output.stdout).contains(secret));
                assert!(!String::from_utf8_lossy(&output.stderr).contains(secret));
            }
        }
    });
}

#[test]
fn records_set_passwords_writes_the_file_and_stores_only_hashes() {
    let cli = Cli::new();
    let (_, done) = cli.run(&["import", "users", &fixture("excel_damaged_1252.csv")], false);
    assert_eq!(done["created"], 2);
    let out = cli.dir.path().join("passwords.csv");
    let out_arg = out.display().to_string();

    // Who: --ids or --all-unset, one of them.
    let refused = Command::new(env!("CARGO_BIN_EXE_ccsync"))
        .args(["--db", &cli.dir.path().join("ccsync.sqlite3").display().to_string()])
        .args(["records", "set-passwords", "--out", &out_arg])
        .output()
        .unwrap();
    assert!(!refused.status.success() && !out.exists());
    let (unknown, error) = cli.run(
        &["records", "set-passwords", "--ids", "nobody", "--out", &out_arg],
        false,
    );
    assert!(!unknown.status.success());
    assert_eq!(error["error"]["code"], "not_found");

    let (ok, set) = cli.run(&["records", "set-passwords", "--all-unset", "--out", &out_arg], false);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert_eq!(
        (set["users"].as_u64(), set["generated"].as_bool()),
        (Some(2), Some(true))
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<&str> = text
        .trim_start_matches('\u{feff}')
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(rows.len(), 3);
    let passwords: Vec<&str> = rows[1..].iter().map(|r| r.split(',').rev().nth(1).unwrap()).collect();
    let db = rusqlite::Connection::open(cli.dir.path().join("ccsync.sqlite3")).unwrap();
    let hashes: Vec<String> = db
        .prepare("SELECT password_hash FROM records WHERE entity = 'users' AND must_change_password = 1")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(hashes.len(), 2);
    for password in &passwords {
        assert_eq!(password.len(), ccsync_core::passwords::GENERATED_LENGTH);
        assert!(hashes.iter().any(|h| ccsync_core::passwords::verify(password, h)));
        assert!(!ok.stdout.windows(password.len()).any(|w| w == password.as_bytes()));
    }

    // Nobody is left without one.
    let (_, none) = cli.run(&["records", "set-passwords", "--all-unset", "--out", &out_arg], false);
    assert_eq!(none["users"], 0);
}

/// Two business units (two emulators with different seeds), each with its own RingCentral
/// connection: `map auto` without `--business-unit` is refused naming both units; with it (or
/// with the `--connection` that serves one unit) it maps only that unit's users; `map links` lists
/// both and `map link` links or re-points a unit.
#[tokio::test(flavor = "multi_thread")]
async fn two_business_units_are_chosen_with_business_unit_or_connection() {
    use ccsync_emulator::directory::Overlap;
    let start = |seed| {
        Emulator::start(TenantConfig {
            agents: 80,
            ..TenantConfig::demo(seed)
        })
    };
    let (a, b) = (start(11).await.unwrap(), start(12).await.unwrap());
    let (unit_a, unit_b) = (a.tenant().business_unit_id, b.tenant().business_unit_id);
    let cli = Cli::new();
    let run = |args: &[&str]| -> (Output, Value) {
        let mut command = cli.command(args);
        command.envs([
            ("CCSYNC_CXONE_CLIENT_SECRET", demo::CXONE_CLIENT_SECRET),
            ("CCSYNC_CXONE_ACCESS_KEY_SECRET", demo::CXONE_ACCESS_KEY_SECRET),
            ("CCSYNC_RINGCENTRAL_CLIENT_SECRET", demo::RINGCENTRAL_CLIENT_SECRET),
            ("CCSYNC_RINGCENTRAL_JWT", demo::RINGCENTRAL_JWT),
        ]);
        Cli::output(command, args)
    };
    let ok = |args: &[&str]| {
        let (output, json) = run(args);
        assert!(output.status.success(), "{args:?}: {json}");
        json
    };
    let refused = |args: &[&str]| {
        let (output, json) = run(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {json}");
        json["error"]["message"].as_str().unwrap().to_owned()
    };
    tokio::task::block_in_place(|| {
        for (unit, emulator) in [("A", &a), ("B", &b)] {
            let url = emulator.base_url();
            ok(&[
                "connection",
                "add",
                "ringcentral",
                "--name",
                &format!("RC {unit}"),
                "--server-url",
                url,
                "--client-id",
                demo::RINGCENTRAL_CLIENT_ID,
            ]);
            if unit == "A" {
                // One RingCentral connection and no business unit yet: its accounts are not ambiguous.
                let pulled = ok(&["directory", "pull", "--platform", "ringcentral"]);
                let listed = a.with_data(|d| d.ringcentral.accounts.len());
                assert_eq!(pulled["accounts"].as_u64(), Some(listed as u64), "{pulled}");
            }
            ok(&[
                "connection",
                "add",
                "cxone",
                "--name",
                &format!("Unit {unit}"),
                "--auth-url",
                url,
                "--client-id",
                demo::CXONE_CLIENT_ID,
                "--access-key-id",
                demo::CXONE_ACCESS_KEY_ID,
            ]);
            ok(&[
                "pull",
                "users",
                "--select",
                "all",
                "--full",
                "--connection",
                &format!("Unit {unit}"),
            ]);
        }
        // Two units, two RingCentral connections, no link yet.
        let listed = ok(&["map", "links"]);
        let units = listed.as_array().unwrap();
        assert_eq!(units.len(), 2, "{listed}");
        assert!(
            units.iter().all(|u| u["links"].as_array().unwrap().is_empty()),
            "{listed}"
        );
        let label = |id: u64| {
            let unit = units.iter().find(|u| u["business_unit_id"] == id).unwrap();
            let label = unit["label"].as_str().unwrap().to_owned();
            assert!(label.ends_with(&format!("({id})")), "{label}");
            label
        };
        let message = refused(&["map", "auto", "--platform", "ringcentral"]);
        assert!(
            message.contains("several business units")
                && message.contains(&label(unit_a))
                && message.contains(&label(unit_b))
                && message.contains("--business-unit"),
            "{message}"
        );
        let message = refused(&["directory", "pull", "--platform", "ringcentral"]);
        assert!(message.contains("several business units"), "{message}");
        let message = refused(&["map", "auto", "--platform", "ringcentral", "--business-unit", "Unit A"]);
        assert!(
            message.contains("not linked") && message.contains("ccsync map link"),
            "{message}"
        );

        // Link each unit (by connection name, by unit number) to its own RingCentral.
        let linked = ok(&["map", "link", "--business-unit", "Unit A", "--connection", "RC A"]);
        assert_eq!(
            (
                linked["business_unit"].as_str(),
                linked["external_connection_name"].as_str()
            ),
            (Some(label(unit_a).as_str()), Some("RC A")),
            "{linked}"
        );
        let unit_b_number = unit_b.to_string();
        ok(&["map", "link", "--business-unit", &unit_b_number, "--connection", "RC B"]);
        let listed = ok(&["map", "links"]);
        let link_of = |unit: &str| {
            listed
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["connection_name"] == unit)
                .unwrap()["links"][0]
                .clone()
        };
        assert_eq!(link_of("Unit A")["external_connection_name"], "RC A", "{listed}");
        assert_eq!(link_of("Unit B")["external_connection_name"], "RC B", "{listed}");

        // Still ambiguous without a unit; with one, only that unit's users are mapped.
        let message = refused(&["map", "auto", "--platform", "ringcentral"]);
        assert!(
            message.contains(&label(unit_a)) && message.contains(&label(unit_b)),
            "{message}"
        );
        let counts = ok(&["map", "auto", "--platform", "ringcentral", "--business-unit", "Unit B"]);
        let expected = b.with_data(|d| Overlap::of(&d.ringcentral, |_| true));
        assert_eq!(counts["mapped"].as_u64(), Some(expected.single as u64), "{counts}");
        assert_eq!(counts["link_id"], link_of("Unit B")["id"], "{counts}");
        let rows_b = ok(&["map", "list", "--platform", "ringcentral", "--business-unit", "Unit B"]);
        let rows_a = ok(&[
            "map",
            "list",
            "--platform",
            "ringcentral",
            "--business-unit",
            &label(unit_a),
        ]);
        assert_eq!(rows_b.as_array().unwrap().len(), 80);
        assert_eq!(rows_a.as_array().unwrap().len(), 80);
        assert!(
            rows_a.as_array().unwrap().iter().all(|r| r["status"].is_null()),
            "unit A untouched: {rows_a}"
        );

        // --connection alone names the unit it serves.
        let counts = ok(&["map", "auto", "--platform", "ringcentral", "--connection", "RC A"]);
        assert_eq!(counts["link_id"], link_of("Unit A")["id"], "{counts}");
        let pulled = ok(&[
            "directory",
            "pull",
            "--platform",
            "ringcentral",
            "--business-unit",
            "Unit A",
        ]);
        assert_eq!(
            pulled["accounts"].as_u64(),
            Some(a.with_data(|d| d.ringcentral.accounts.len()) as u64)
        );

        // Re-pointed, A is served by RC B: naming RC B alone is ambiguous again, and a name that
        // contradicts the unit's link is refused with the command that would change it.
        let repointed = ok(&["map", "link", "--business-unit", "Unit A", "--connection", "RC B"]);
        assert_eq!(repointed["external_connection_name"], "RC B", "{repointed}");
        assert_eq!(repointed["id"], link_of("Unit A")["id"], "the same link, re-pointed");
        let message = refused(&["map", "list", "--platform", "ringcentral", "--connection", "RC B"]);
        assert!(message.contains("several business units"), "{message}");
        let message = refused(&[
            "map",
            "list",
            "--platform",
            "ringcentral",
            "--business-unit",
            "Unit A",
            "--connection",
            "RC A",
        ]);
        assert!(message.contains("through \"RC B\", not \"RC A\""), "{message}");
    });
}
