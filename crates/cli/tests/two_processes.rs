//! Two processes, one store: a `ccsync` cron job (a child process of the test) and the open app
//! (the test itself, with its own `Store::open` on the same file) see each other and never lock
//! each other out.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use ccsync_core::mapping::admin;
use ccsync_core::mapping::links::{self, MappingLink};
use ccsync_core::mapping::rules::MappingStatus;
use ccsync_core::store::Store;
use ccsync_core::vendor::directory::Platform;
use ccsync_emulator::{demo, Emulator, Fault, FaultRule, TenantConfig};
use serde_json::Value;

const AGENTS_PATH: &str = "/inContactAPI/services/v34.0/agents";
const RC_EXTENSIONS_PATH: &str = "/restapi/v1.0/account/~/extension";

const SECRETS: [(&str, &str); 4] = [
    ("CCSYNC_CXONE_CLIENT_SECRET", demo::CXONE_CLIENT_SECRET),
    ("CCSYNC_CXONE_ACCESS_KEY_SECRET", demo::CXONE_ACCESS_KEY_SECRET),
    ("CCSYNC_RINGCENTRAL_CLIENT_SECRET", demo::RINGCENTRAL_CLIENT_SECRET),
    ("CCSYNC_RINGCENTRAL_JWT", demo::RINGCENTRAL_JWT),
];

/// A database with CXone users and RingCentral accounts in it, made by the CLI, beside an
/// emulator running in the test.
struct Setup {
    emulator: Emulator,
    dir: tempfile::TempDir,
}

impl Setup {
    async fn new(agents: usize) -> Setup {
        let emulator = Emulator::start(TenantConfig {
            agents,
            ..TenantConfig::default()
        })
        .await
        .unwrap();
        let setup = Setup {
            emulator,
            dir: tempfile::tempdir().unwrap(),
        };
        let url = setup.emulator.base_url().to_owned();
        tokio::task::block_in_place(|| {
            setup.ok(&[
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
            ]);
            setup.ok(&[
                "connection",
                "add",
                "ringcentral",
                "--name",
                "RC",
                "--server-url",
                &url,
                "--client-id",
                demo::RINGCENTRAL_CLIENT_ID,
            ]);
            setup.ok(&["pull", "users", "--select", "all", "--full"]);
            setup.ok(&["directory", "pull", "--platform", "ringcentral"]);
        });
        setup
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("ccsync.sqlite3")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ccsync"));
        command
            .arg("--db")
            .arg(self.db())
            .arg("--json")
            .args(args)
            .env("CCSYNC_LOG_DIR", self.dir.path().join("logs"))
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/ccsync-cli-test")
            .env_remove("DISPLAY")
            .env_remove("CCSYNC_DB")
            .envs(SECRETS)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn ok(&self, args: &[&str]) -> Value {
        let output = self.command(args).output().unwrap();
        assert!(output.status.success(), "{args:?}: {}", describe(&output));
        serde_json::from_slice(&output.stdout).unwrap()
    }

    fn spawn(&self, args: &[&str]) -> Running {
        Running(Some(self.command(args).spawn().unwrap()))
    }

    /// Waits until the emulator has seen `n` requests under `path`.
    fn wait_for_requests(&self, path: &str, n: usize, child: &mut Running) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.emulator.request_count(path) < n {
            if let Some(status) = child.0.as_mut().unwrap().try_wait().unwrap() {
                panic!("the job ended before its request {n} to {path}: {status}");
            }
            assert!(Instant::now() < deadline, "no request {n} to {path}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn delay(&self, path: &str, millis: u64) {
        self.emulator.set_faults(vec![FaultRule {
            path_prefix: path.into(),
            fault: Fault::Delay(Duration::from_millis(millis)),
            skip: 0,
            times: None,
        }]);
    }
}

fn describe(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A child process stopped when the test ends, pass or fail.
struct Running(Option<Child>);

impl Running {
    fn still_running(&mut self) -> bool {
        self.0.as_mut().unwrap().try_wait().unwrap().is_none()
    }

    fn pid(&self) -> u32 {
        self.0.as_ref().unwrap().id()
    }

    fn finish(mut self) -> Output {
        self.0.take().unwrap().wait_with_output().unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The one business unit's RingCentral link (made by itself: one connection of each kind).
fn rc_link(store: &Store) -> MappingLink {
    links::resolve(store, Platform::Ringcentral, None, None).unwrap()
}

/// A user that Auto Sync maps by email (exactly one account has it) and an account nobody's
/// email matches, from the store.
fn matched_user_and_spare_account(store: &Store) -> (i64, String, String) {
    let link = rc_link(store);
    let rows = admin::list_rows(store, &link).unwrap();
    let accounts = admin::stored_accounts(store, &link).unwrap();
    let key = |e: &str| e.trim().to_lowercase();
    let holders = |email: &str| {
        accounts
            .iter()
            .filter(|a| a.emails.iter().any(|e| key(e) == key(email)))
            .collect::<Vec<_>>()
    };
    let (user, matched) = rows
        .iter()
        .find_map(|r| {
            let found = holders(&r.email);
            (found.len() == 1 && found[0].active).then(|| (r.record_id, found[0].id.clone()))
        })
        .expect("a user with exactly one matching account");
    let spare = accounts
        .iter()
        .find(|a| a.active && a.emails.iter().all(|e| !rows.iter().any(|r| key(&r.email) == key(e))))
        .expect("an account no user's email matches");
    (user, matched, spare.id.clone())
}

/// The cron recipe (`ccsync pull users --select all`) against a slow CXone runs in one process
/// while the app (this test) maps a user by hand: the mapping commits at once, not after the
/// pull, and never fails with "database is locked".
#[tokio::test(flavor = "multi_thread")]
async fn a_slow_cron_pull_leaves_the_app_free_to_map_a_user_at_once() {
    let setup = Setup::new(300).await;
    setup.delay(AGENTS_PATH, 700);
    tokio::task::block_in_place(|| {
        let mut pull = setup.spawn(&[
            "pull",
            "users",
            "--select",
            "all",
            "--full",
            "--page-size",
            "50",
            "--pages-in-flight",
            "1",
        ]);
        // Two pages in: the pull is mid-download.
        setup.wait_for_requests(AGENTS_PATH, 2, &mut pull);

        let mut store = Store::open(&setup.db()).unwrap();
        let (user, _, spare) = matched_user_and_spare_account(&store);
        let started = Instant::now();
        // Confirmed: the spare account belongs to someone else by name.
        let link = rc_link(&store);
        let row = admin::map_user(&mut store, &link, user, &spare, true)
            .unwrap_or_else(|e| panic!("Map User failed during the pull: {e}"))
            .rows
            .remove(0);
        let took = started.elapsed();
        assert!(took < Duration::from_secs(1), "Map User waited {took:?} for the pull");
        assert_eq!(row.status, Some(MappingStatus::MappedManual));
        assert!(
            pull.still_running(),
            "the pull was still downloading when the mapping committed"
        );

        let output = pull.finish();
        assert!(output.status.success(), "{}", describe(&output));
        let result: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(result["fetched"].as_u64(), Some(300), "{result}");
        let after = admin::list_rows(&store, &rc_link(&store)).unwrap();
        let mapped = after.iter().find(|r| r.record_id == user).unwrap();
        assert_eq!(mapped.account_id.as_deref(), Some(spare.as_str()));
        assert!(store.job_locks().unwrap().is_empty(), "the pull released its lock");
    });
}

/// Every row of every table but `job_locks`, as text.
fn dump(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name <> 'job_locks' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut rows = Vec::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\" ORDER BY 1")).unwrap();
        let columns = stmt.column_count();
        let mut query = stmt.query([]).unwrap();
        while let Some(row) = query.next().unwrap() {
            let cells: Vec<String> = (0..columns).map(|i| format!("{:?}", row.get_ref(i).unwrap())).collect();
            rows.push(format!("{table}: {}", cells.join(" | ")));
        }
    }
    rows
}

/// `kill -9` of the cron pull mid-download, with changes upstream that it would have written
/// (a changed user, a user gone): every row of the store is as it was, and the lock the dead
/// pull left is taken over by the next pull.
#[tokio::test(flavor = "multi_thread")]
async fn a_pull_killed_midway_leaves_every_row_as_it_was_and_its_lock_is_taken_over() {
    let setup = Setup::new(300).await;
    setup.emulator.with_data(|data| {
        data.agents[3].first_name = "Zoë-Changed".into();
        data.agents[3].last_updated = "2099-01-01T00:00:00.000Z".into();
        data.agents.remove(7);
    });
    let before = dump(&setup.db());
    setup.delay(AGENTS_PATH, 300);
    tokio::task::block_in_place(|| {
        let mut pull = setup.spawn(&[
            "pull",
            "users",
            "--select",
            "all",
            "--full",
            "--page-size",
            "50",
            "--pages-in-flight",
            "1",
        ]);
        setup.wait_for_requests(AGENTS_PATH, 4, &mut pull);
        let pid = pull.pid();
        let mut child = pull.0.take().unwrap();
        child.kill().unwrap(); // SIGKILL on Unix, TerminateProcess on Windows
        let status = child.wait().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(status.signal(), Some(9), "{status}");
        }
        // Rust's Child::kill on Windows is TerminateProcess with exit code 1.
        #[cfg(windows)]
        assert_eq!(status.code(), Some(1), "{status}");

        let check: String = rusqlite::Connection::open(setup.db())
            .unwrap()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        assert_eq!(dump(&setup.db()), before, "every row exactly as before the killed pull");

        let store = Store::open(&setup.db()).unwrap();
        let left = store.job_locks().unwrap();
        assert_eq!(left.len(), 1, "{left:?}");
        assert_eq!((left[0].pid, left[0].holder.as_str()), (pid, "cli"));

        setup.emulator.set_faults(vec![]);
        let result = setup.ok(&["pull", "users", "--select", "all", "--full"]);
        assert_eq!(
            (result["updated"].as_u64(), result["missing_upstream"].as_u64()),
            (Some(1), Some(1)),
            "{result}"
        );
        assert!(store.job_locks().unwrap().is_empty(), "taken over, then released");
    });
}

/// Two Auto Sync runs for the same platform from two processes: while the first (a cron job)
/// lists the accounts, a second is refused with a sentence naming the first, and a manual
/// mapping the app makes meanwhile is not overwritten by the first run's write.
#[tokio::test(flavor = "multi_thread")]
async fn two_auto_syncs_from_two_processes_never_both_write() {
    let setup = Setup::new(300).await;
    setup.delay(RC_EXTENSIONS_PATH, 4000);
    tokio::task::block_in_place(|| {
        let mut first = setup.spawn(&["map", "auto", "--platform", "ringcentral"]);
        setup.wait_for_requests(RC_EXTENSIONS_PATH, 1, &mut first);

        let second = setup
            .command(&["map", "auto", "--platform", "ringcentral"])
            .output()
            .unwrap();
        assert_eq!(second.status.code(), Some(1), "{}", describe(&second));
        let refused: Value = serde_json::from_slice(&second.stdout).unwrap();
        assert_eq!(refused["error"]["code"], "busy", "{refused}");
        let message = refused["error"]["message"].as_str().unwrap();
        assert!(
            message
                .starts_with("A scheduled job from the command line, `ccsync map auto --platform ringcentral` (pid ")
                && message.contains(&format!("pid {},", first.pid()))
                && message.ends_with("is running; try again when it finishes."),
            "{message}"
        );

        // The app maps by hand, meanwhile, a user the running Auto Sync would map by email.
        let mut store = Store::open(&setup.db()).unwrap();
        let (user, by_email, spare) = matched_user_and_spare_account(&store);
        assert_ne!(by_email, spare);
        let started = Instant::now();
        let link = rc_link(&store);
        // The run holds its link's lock (one business unit and platform), not the platform's.
        let held: Vec<String> = store.job_locks().unwrap().into_iter().map(|l| l.name).collect();
        assert_eq!(held, [ccsync_core::store::locks::auto_sync_lock_name(link.id)]);
        admin::map_user(&mut store, &link, user, &spare, true).unwrap();
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(first.still_running());

        let output = first.finish();
        assert!(output.status.success(), "{}", describe(&output));
        let counts: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!(counts["manual_kept"].as_u64().unwrap() >= 1, "{counts}");
        let rows = admin::list_rows(&store, &rc_link(&store)).unwrap();
        let kept = rows.iter().find(|r| r.record_id == user).unwrap();
        assert_eq!(
            (kept.status, kept.account_id.as_deref()),
            (Some(MappingStatus::MappedManual), Some(spare.as_str())),
            "the manual mapping made during the run is kept"
        );
        let written: i64 = store
            .conn()
            .query_row(
                "SELECT count(*) FROM sync_runs WHERE kind = 'auto_sync' AND status = 'succeeded'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(written, 1, "only one of the two runs wrote");
        assert!(store.job_locks().unwrap().is_empty());
    });
}
