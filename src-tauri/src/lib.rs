//! The CC Sync window: each command turns a front-end call into a ccsync-core call. Logic lives in
//! ccsync-core; if a command grows past a few lines, it belongs there.

mod state;
mod tray;

use std::path::Path;
use std::sync::Arc;

use ccsync_core::chosen::ChosenPaths;
use ccsync_core::import::columns::ColumnMapping;
use ccsync_core::import::presets::Preview;
use ccsync_core::import::queue::ImportQueue;
use ccsync_core::import::{decode, Edited, ImportOptions, Mode, RowPage, Summary};
use ccsync_core::mapping::admin::{self, MapCheck};
use ccsync_core::mapping::auto_sync::{AutoSyncResult, PermissionGate};
use ccsync_core::mapping::links::{self, BusinessUnit, MappingLink};
use ccsync_core::mapping::rules::{AccountMatch, MappingRow};
use ccsync_core::mapping::schedule::{self, Schedule, ScheduleInfo};
use ccsync_core::mapping::session::MappingActionResult;
use ccsync_core::mapping::transfer::{self, ImportSummary};
use ccsync_core::model::{
    AppInfo, ApplyResult, AuditEntry, Connection, ConnectionDraft, Entity, ProgressEvent, SaveAndTest, Selection,
    StoredRecord, SyncPlan, SyncRun, TestOutcome,
};
use ccsync_core::passwords::{self, PasswordsSet, UserRef};
use ccsync_core::store::recovery::{self, Recovery, StoreProblem};
use ccsync_core::sync::PullOptions;
use ccsync_core::ApiError;
use secrecy::{ExposeSecret, SecretString};
use tauri::ipc::Channel;
use tauri::{Manager, State};
use tauri_plugin_autostart::{MacosLauncher, ManagerExt};
use tauri_plugin_dialog::{DialogExt, FilePath};
use tauri_plugin_opener::OpenerExt;

use crate::state::{reporter, AppState, Startup};

type CommandResult<T> = Result<T, ApiError>;

#[tauri::command]
async fn app_info(state: State<'_, AppState>) -> CommandResult<AppInfo> {
    Ok(state.info().await)
}

#[tauri::command]
async fn list_connections(state: State<'_, AppState>) -> CommandResult<Vec<Connection>> {
    Ok(state.connections.list().await?)
}

#[tauri::command]
async fn create_connection(state: State<'_, AppState>, draft: ConnectionDraft) -> CommandResult<Connection> {
    Ok(state.connections.create(draft).await?)
}

#[tauri::command]
async fn update_connection(
    state: State<'_, AppState>,
    id: String,
    draft: ConnectionDraft,
) -> CommandResult<Connection> {
    Ok(state.connections.update(&id, draft).await?)
}

/// "Save and test" in the form: tests the draft first; saves it when the test passes or the admin
/// chose "Save anyway" (`keep_if_failed`).
#[tauri::command]
async fn save_and_test_connection(
    state: State<'_, AppState>,
    id: Option<String>,
    draft: ConnectionDraft,
    keep_if_failed: bool,
) -> CommandResult<SaveAndTest> {
    Ok(state
        .connections
        .save_and_test(id.as_deref(), draft, keep_if_failed)
        .await?)
}

#[tauri::command]
async fn delete_connection(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    Ok(state.connections.delete(&id).await?)
}

#[tauri::command]
async fn test_connection(state: State<'_, AppState>, id: String) -> CommandResult<TestOutcome> {
    Ok(state.connections.test(&id).await?)
}

/// The Webex Integration sign-in: core binds the loopback redirect and waits; the system browser
/// opens the authorize URL.
#[tauri::command]
async fn webex_sign_in(app: tauri::AppHandle, state: State<'_, AppState>, id: String) -> CommandResult<TestOutcome> {
    let open = |url: &str| {
        app.opener().open_url(url, None::<&str>).map_err(|e| {
            ccsync_core::Error::Internal(format!("the browser could not be opened for the Webex sign-in ({e})"))
        })
    };
    let timeout = ccsync_core::vendor::webex_oauth::SIGN_IN_TIMEOUT;
    let cancel = state.webex_sign_in.begin();
    Ok(state.connections.webex_sign_in(&id, open, timeout, &cancel).await?)
}

#[tauri::command]
fn cancel_webex_sign_in(state: State<'_, AppState>) {
    state.webex_sign_in.cancel();
}

#[tauri::command]
async fn start_demo_tenant(state: State<'_, AppState>) -> CommandResult<Connection> {
    Ok(state.demo.start(&state.connections).await?)
}

#[tauri::command]
fn open_log_folder(app: tauri::AppHandle, state: State<'_, AppState>) -> CommandResult<()> {
    app.opener()
        .open_path(state.log_dir.to_string_lossy(), None::<&str>)
        .map_err(|e| {
            ApiError::from(ccsync_core::Error::Internal(format!(
                "the log folder {} could not be opened ({e}); open it in your file manager",
                state.log_dir.display()
            )))
        })
}

#[tauri::command]
async fn fetch_plan(
    state: State<'_, AppState>,
    connection_id: String,
    entity: Entity,
    full: bool,
    on_progress: Channel<ProgressEvent>,
) -> CommandResult<SyncPlan> {
    let options = PullOptions {
        full,
        ..PullOptions::default()
    };
    Ok(state
        .pull
        .prepare(&connection_id, entity, &options, &reporter(on_progress))
        .await?)
}

#[tauri::command]
async fn apply_plan(
    state: State<'_, AppState>,
    plan_id: String,
    selection: Selection,
    on_progress: Channel<ProgressEvent>,
) -> CommandResult<ApplyResult> {
    Ok(state
        .pull
        .apply(&plan_id, selection, Arc::new(reporter(on_progress)))
        .await?)
}

#[tauri::command]
fn cancel_sync(state: State<'_, AppState>) {
    state.pull.cancel();
}

#[tauri::command]
fn cancel_auto_sync(state: State<'_, AppState>, link_id: i64) {
    state.mapping.cancel(link_id);
}

#[tauri::command]
fn discard_plan(state: State<'_, AppState>, plan_id: String) {
    state.pull.discard(&plan_id);
}

// `async`: off the window thread (the store may be busy with a long write).
#[tauri::command(async)]
fn list_records(state: State<'_, AppState>, entity: Entity) -> CommandResult<Vec<StoredRecord>> {
    Ok(state.store().list_records(entity)?)
}

// `async`: off the window thread (the store may be busy with a long write).
#[tauri::command(async)]
fn export_records(
    state: State<'_, AppState>,
    chosen: State<'_, Arc<ChosenPaths>>,
    entity: Entity,
    path: String,
) -> CommandResult<usize> {
    let path = chosen.check(&path)?;
    Ok(ccsync_core::sync::export_records(&state.store(), entity, &path)?)
}

/// Whether a typed temporary password passes the rule (asked before the save dialog opens).
#[tauri::command]
fn check_temporary_password(password: SecretString) -> CommandResult<()> {
    Ok(passwords::check_typed(password.expose_secret())?)
}

/// Sets temporary passwords and writes them to the chosen file, their only copy.
// `async`: off the window thread (hashing takes a moment per user).
#[tauri::command(async)]
fn set_temporary_passwords(
    state: State<'_, AppState>,
    chosen: State<'_, Arc<ChosenPaths>>,
    users: Vec<UserRef>,
    typed: Option<SecretString>,
    path: String,
) -> CommandResult<PasswordsSet> {
    let path = chosen.check(&path)?;
    Ok(passwords::set_temporary_passwords(
        state.shared_store(),
        &users,
        typed,
        &path,
    )?)
}

// `async`: off the window thread (the store may be busy with a long write).
#[tauri::command(async)]
fn list_runs(state: State<'_, AppState>) -> CommandResult<Vec<SyncRun>> {
    Ok(state.store().list_runs(500)?)
}

// `async`: off the window thread (the store may be busy with a long write).
#[tauri::command(async)]
fn run_audit(state: State<'_, AppState>, run_id: i64) -> CommandResult<Vec<AuditEntry>> {
    Ok(state.store().run_audit(run_id)?)
}

/// Every business unit (CXone connection) with its mapping links; the obvious links are made here.
#[tauri::command(async)]
fn mapping_units(state: State<'_, AppState>) -> CommandResult<Vec<BusinessUnit>> {
    Ok(links::units(&state.store())?)
}

/// Links a business unit to a RingCentral or Webex connection (or changes its link for that platform).
#[tauri::command(async)]
fn link_business_unit(
    state: State<'_, AppState>,
    cxone_connection_id: String,
    external_connection_id: String,
) -> CommandResult<MappingLink> {
    let link = links::link(&state.store(), &cxone_connection_id, &external_connection_id)?;
    state.mapping.forget_indexes();
    Ok(link)
}

#[tauri::command(async)]
fn list_mappings(state: State<'_, AppState>, link_id: i64) -> CommandResult<Vec<MappingRow>> {
    let store = state.store();
    Ok(admin::list_rows(&store, &links::get(&store, link_id)?)?)
}

#[tauri::command]
async fn run_auto_sync(
    state: State<'_, AppState>,
    link_id: i64,
    on_progress: Channel<ProgressEvent>,
) -> CommandResult<AutoSyncResult> {
    Ok(state.mapping.run_now(link_id, &reporter(on_progress)).await?)
}

#[tauri::command(async)]
fn check_map_user(
    state: State<'_, AppState>,
    link_id: i64,
    record_id: i64,
    account_id: String,
) -> CommandResult<MapCheck> {
    Ok(state.mapping.check_map(link_id, record_id, &account_id)?)
}

#[tauri::command(async)]
fn map_user(
    state: State<'_, AppState>,
    link_id: i64,
    record_id: i64,
    account_id: String,
    confirmed: bool,
) -> CommandResult<MappingActionResult> {
    Ok(state.mapping.map_user(link_id, record_id, &account_id, confirmed)?)
}

#[tauri::command(async)]
fn unmap_user(state: State<'_, AppState>, link_id: i64, record_id: i64) -> CommandResult<MappingActionResult> {
    Ok(state.mapping.unmap_user(link_id, record_id)?)
}

#[tauri::command(async)]
fn retry_user(state: State<'_, AppState>, link_id: i64, record_id: i64) -> CommandResult<MappingActionResult> {
    Ok(state.mapping.retry_user(link_id, record_id)?)
}

#[tauri::command(async)]
fn undo_mapping_change(state: State<'_, AppState>, undo_id: u64) -> CommandResult<MappingActionResult> {
    Ok(state.mapping.undo(undo_id)?)
}

#[tauri::command(async)]
fn search_accounts(
    state: State<'_, AppState>,
    link_id: i64,
    query: String,
    limit: usize,
    for_user: Option<i64>,
) -> CommandResult<Vec<AccountMatch>> {
    Ok(state.mapping.search(link_id, &query, limit.min(200), for_user)?)
}

#[tauri::command(async)]
fn get_permission_gate(state: State<'_, AppState>) -> CommandResult<PermissionGate> {
    Ok(PermissionGate::load(&state.store())?)
}

#[tauri::command(async)]
fn set_permission_gate(state: State<'_, AppState>, gate: PermissionGate) -> CommandResult<PermissionGate> {
    Ok(gate.save(&state.store())?)
}

#[tauri::command(async)]
fn get_schedule(state: State<'_, AppState>, link_id: i64) -> CommandResult<ScheduleInfo> {
    Ok(schedule::schedule_info(&state.store(), link_id)?)
}

#[tauri::command(async)]
fn set_schedule(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    link_id: i64,
    schedule: Schedule,
) -> CommandResult<ScheduleInfo> {
    let info = schedule::set_schedule(&state.store(), link_id, &schedule)?;
    tray::refresh(&app);
    Ok(info)
}

/// Whether CC Sync starts at login (the system's own record: a login item, an autostart entry).
#[tauri::command(async)]
fn get_autostart(app: tauri::AppHandle) -> CommandResult<bool> {
    app.autolaunch().is_enabled().map_err(|e| autostart_error("read", &e))
}

/// Turns Start at login on or off; the state afterwards, as the system has it.
#[tauri::command(async)]
fn set_autostart(app: tauri::AppHandle, enabled: bool) -> CommandResult<bool> {
    let launcher = app.autolaunch();
    let changed = if enabled { launcher.enable() } else { launcher.disable() };
    changed.map_err(|e| autostart_error("changed", &e))?;
    launcher.is_enabled().map_err(|e| autostart_error("read", &e))
}

fn autostart_error(what: &str, error: &dyn std::fmt::Display) -> ApiError {
    ApiError::from(ccsync_core::Error::Internal(format!(
        "the Start at login setting could not be {what} ({error})"
    )))
}

#[tauri::command(async)]
fn export_mappings(
    state: State<'_, AppState>,
    chosen: State<'_, Arc<ChosenPaths>>,
    link_id: i64,
    path: String,
) -> CommandResult<usize> {
    let path = chosen.check(&path)?;
    let store = state.store();
    Ok(transfer::export_mappings(&store, &links::get(&store, link_id)?, &path)?)
}

#[tauri::command(async)]
fn plan_mapping_import(
    state: State<'_, AppState>,
    chosen: State<'_, Arc<ChosenPaths>>,
    link_id: i64,
    path: String,
) -> CommandResult<ImportSummary> {
    let file = open_csv(&chosen.check(&path)?)?;
    let store = state.store();
    Ok(transfer::plan(&store, &links::get(&store, link_id)?, file)?)
}

#[tauri::command(async)]
fn commit_mapping_import(
    state: State<'_, AppState>,
    chosen: State<'_, Arc<ChosenPaths>>,
    link_id: i64,
    path: String,
) -> CommandResult<u32> {
    let file = open_csv(&chosen.check(&path)?)?;
    let imported = {
        let mut store = state.store();
        let link = links::get(&store, link_id)?;
        let plan = transfer::plan(&store, &link, file)?;
        transfer::commit(&mut store, &link, &plan)?
    };
    state.mapping.forget_indexes();
    Ok(imported)
}

#[tauri::command(async)]
fn import_enqueue(
    state: State<'_, AppState>,
    chosen: State<'_, Arc<ChosenPaths>>,
    paths: Vec<String>,
) -> CommandResult<ImportQueue> {
    for path in &paths {
        chosen.check(path)?;
    }
    Ok(state.import.enqueue(&paths))
}

#[tauri::command(async)]
fn import_queue(state: State<'_, AppState>) -> ImportQueue {
    state.import.queue()
}

#[tauri::command(async)]
fn import_finish(state: State<'_, AppState>, path: String) -> ImportQueue {
    state.import.finish(&path)
}

#[tauri::command(async)]
fn import_preview(
    state: State<'_, AppState>,
    chosen: State<'_, Arc<ChosenPaths>>,
    path: String,
    delimiter: Option<String>,
) -> CommandResult<Preview> {
    let delimiter = decode::typed_delimiter(delimiter.as_deref())?;
    Ok(state.import.preview(&chosen.check(&path)?, delimiter)?)
}

// A command's parameters are the front end's named arguments, plus the states it reads.
#[allow(clippy::too_many_arguments)]
#[tauri::command]
async fn import_plan(
    state: State<'_, AppState>,
    chosen: State<'_, Arc<ChosenPaths>>,
    path: String,
    mappings: Vec<ColumnMapping>,
    mode: Mode,
    region: String,
    delimiter: Option<String>,
    on_progress: Channel<ProgressEvent>,
) -> CommandResult<Summary> {
    let options = ImportOptions {
        mappings: Some(mappings),
        ..ImportOptions::typed(mode, Some(&region), delimiter.as_deref())?
    };
    let path = chosen.check(&path)?;
    let import = state.import.clone();
    Ok(blocking(move || import.plan(&path, &options, &reporter(on_progress))).await?)
}

#[tauri::command]
fn import_cancel(state: State<'_, AppState>) {
    state.import.cancel();
}

#[tauri::command(async)]
fn import_page(state: State<'_, AppState>, offset: u64, limit: u64, problems_only: bool) -> CommandResult<RowPage> {
    Ok(state.import.page(offset, limit, problems_only)?)
}

#[tauri::command(async)]
fn import_edit(state: State<'_, AppState>, index: u64, column: usize, value: String) -> CommandResult<Edited> {
    Ok(state.import.edit(index, column, &value)?)
}

#[tauri::command]
async fn import_commit(state: State<'_, AppState>, on_progress: Channel<ProgressEvent>) -> CommandResult<Summary> {
    let import = state.import.clone();
    Ok(blocking(move || import.commit(&reporter(on_progress))).await?)
}

#[tauri::command(async)]
fn import_write_errors(
    state: State<'_, AppState>,
    chosen: State<'_, Arc<ChosenPaths>>,
    path: String,
) -> CommandResult<usize> {
    Ok(state.import.write_errors(&chosen.check(&path)?)?)
}

#[tauri::command(async)]
fn import_save_preset(state: State<'_, AppState>, name: String, mappings: Vec<ColumnMapping>) -> CommandResult<()> {
    Ok(state.import.save_preset(&name, &mappings)?)
}

#[tauri::command(async)]
fn export_users(state: State<'_, AppState>, chosen: State<'_, Arc<ChosenPaths>>, path: String) -> CommandResult<usize> {
    let path = chosen.check(&path)?;
    Ok(ccsync_core::import::export::export_users(&state.store(), &path)?)
}

/// Asks where to save a CSV file (the choice is remembered as one the window may write). The
/// suggested name is made valid on Windows; the dialog starts where `save_dialog_folder` says.
#[tauri::command(async)]
fn choose_save_path(
    app: tauri::AppHandle,
    chosen: State<'_, Arc<ChosenPaths>>,
    default_name: String,
) -> Option<String> {
    let mut dialog = app
        .dialog()
        .file()
        .set_file_name(ccsync_core::os::safe_file_name(&default_name, "export.csv"))
        .add_filter("CSV file", &["csv"]);
    if let Some(folder) = chosen.save_dialog_folder() {
        dialog = dialog.set_directory(folder);
    }
    let picked = dialog.blocking_save_file();
    remember(&chosen, picked.into_iter()).pop()
}

/// Asks for a CSV file to open.
#[tauri::command(async)]
fn choose_open_csv(app: tauri::AppHandle, chosen: State<'_, Arc<ChosenPaths>>) -> Option<String> {
    let picked = app
        .dialog()
        .file()
        .add_filter("CSV file", &["csv"])
        .blocking_pick_file();
    remember(&chosen, picked.into_iter()).pop()
}

/// Asks for user files to import.
#[tauri::command(async)]
fn choose_import_files(app: tauri::AppHandle, chosen: State<'_, Arc<ChosenPaths>>) -> Vec<String> {
    let picked = app
        .dialog()
        .file()
        .add_filter("User files", &ccsync_core::import::queue::EXTENSIONS)
        .blocking_pick_files();
    remember(&chosen, picked.into_iter().flatten())
}

fn remember(chosen: &ChosenPaths, picked: impl Iterator<Item = FilePath>) -> Vec<String> {
    picked
        .filter_map(|file| file.into_path().ok())
        .map(|path| {
            chosen.allow(&path);
            path.display().to_string()
        })
        .collect()
}

/// Makes the app's state available to the commands and starts the schedules (which keep running
/// while the window is closed to the tray).
fn serve(app: &tauri::AppHandle, state: AppState) {
    let handle = app.clone();
    tauri::async_runtime::spawn(
        state
            .mapping
            .clone()
            .run_schedules(move |event| tray::on_schedule_event(&handle, event)),
    );
    app.manage(state);
    tray::refresh(app);
}

fn store_problem(database_path: &Path, error: &ccsync_core::Error) -> StoreProblem {
    tracing::error!(%error, db = %database_path.display(), "the database could not be opened");
    recovery::diagnose(database_path, error)
}

/// Why the store could not be opened at launch; `None` when the app runs normally.
#[tauri::command]
fn startup_problem(startup: State<'_, Startup>) -> Option<StoreProblem> {
    startup.problem()
}

/// Carries out the admin's way out, then opens the store again: `None` when the app now runs.
#[tauri::command]
async fn recover_store(
    app: tauri::AppHandle,
    startup: State<'_, Startup>,
    choice: Recovery,
) -> CommandResult<Option<StoreProblem>> {
    recovery::recover(&startup.database_path, choice)?;
    let problem = match AppState::start(false).await {
        Ok(state) => {
            serve(&app, state);
            None
        }
        Err(error) => Some(store_problem(&startup.database_path, &error)),
    };
    startup.set(problem.clone());
    Ok(problem)
}

#[tauri::command]
fn open_data_folder(app: tauri::AppHandle, startup: State<'_, Startup>) -> CommandResult<()> {
    let folder = startup.database_path.parent().unwrap_or(Path::new("."));
    app.opener()
        .open_path(folder.to_string_lossy(), None::<&str>)
        .map_err(|e| {
            ApiError::from(ccsync_core::Error::Internal(format!(
                "the data folder {} could not be opened ({e}); open it in your file manager",
                folder.display()
            )))
        })
}

/// Runs long store work on a blocking thread, keeping the async runtime free.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> ccsync_core::Result<T> + Send + 'static,
) -> ccsync_core::Result<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| ccsync_core::Error::Internal(format!("the import stopped unexpectedly: {e}")))?
}

fn open_csv(path: &Path) -> Result<std::io::BufReader<std::fs::File>, ApiError> {
    let file = std::fs::File::open(path)
        .map_err(|e| ccsync_core::Error::InvalidInput(format!("{} cannot be opened: {e}.", path.display())))?;
    Ok(std::io::BufReader::new(file))
}

fn allow_dropped(chosen: &ChosenPaths, paths: &[std::path::PathBuf]) {
    for path in paths {
        chosen.allow(path);
    }
}

/// Starts the app. `--demo` (or `CCSYNC_DEMO=1`) opens straight into the demo tenant when no
/// connection exists yet.
pub fn run() {
    // Some GPU drivers (NVIDIA) show a blank WebKitGTK window with the DMA-BUF renderer.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
    state::start_logging();
    let want_demo = std::env::args().any(|a| a == "--demo") || std::env::var("CCSYNC_DEMO").is_ok_and(|v| v == "1");
    // Started at login: straight to the tray when a schedule is on.
    let background = std::env::args().any(|a| a == tray::BACKGROUND_ARG);

    tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::init(
            MacosLauncher::LaunchAgent,
            Some(vec![tray::BACKGROUND_ARG]),
        ))
        .manage(Arc::new(ChosenPaths::default()))
        // Files dropped on the window are files the admin chose.
        .on_window_event(|window, event| match event {
            tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) => {
                allow_dropped(window.state::<Arc<ChosenPaths>>().inner(), paths);
            }
            // A schedule is on: the window hides and CC Sync keeps running in the tray.
            tauri::WindowEvent::CloseRequested { api, .. } if tray::keeps_running(window.app_handle()) => {
                api.prevent_close();
                let _ = window.hide();
                tray::closed_to_tray(window.app_handle());
            }
            _ => {}
        })
        .on_webview_event(|webview, event| {
            if let tauri::WebviewEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                allow_dropped(webview.state::<Arc<ChosenPaths>>().inner(), paths);
            }
        })
        .setup(move |app| {
            tray::try_install(app.handle());
            let database_path = ccsync_core::paths::database_path(None)?;
            let problem = match tauri::async_runtime::block_on(AppState::start(want_demo)) {
                Ok(state) => {
                    serve(app.handle(), state);
                    None
                }
                // The window still opens, and says what happened and what can be done.
                Err(error) => Some(store_problem(&database_path, &error)),
            };
            // The window starts hidden; it stays so only when started at login with a schedule on.
            let schedule_on = app
                .try_state::<AppState>()
                .is_some_and(|state| schedule::overview(&state.store()).is_ok_and(|o| o.any_on()));
            if !(background && schedule_on) {
                tray::show_window(app.handle());
            }
            app.manage(Startup {
                database_path,
                problem: std::sync::Mutex::new(problem),
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            startup_problem,
            choose_save_path,
            choose_open_csv,
            choose_import_files,
            recover_store,
            open_data_folder,
            app_info,
            list_connections,
            create_connection,
            update_connection,
            save_and_test_connection,
            delete_connection,
            test_connection,
            webex_sign_in,
            cancel_webex_sign_in,
            start_demo_tenant,
            open_log_folder,
            fetch_plan,
            apply_plan,
            cancel_sync,
            cancel_auto_sync,
            discard_plan,
            list_records,
            export_records,
            check_temporary_password,
            set_temporary_passwords,
            list_runs,
            run_audit,
            mapping_units,
            link_business_unit,
            list_mappings,
            run_auto_sync,
            check_map_user,
            map_user,
            unmap_user,
            retry_user,
            undo_mapping_change,
            search_accounts,
            get_permission_gate,
            set_permission_gate,
            get_schedule,
            set_schedule,
            get_autostart,
            set_autostart,
            export_mappings,
            plan_mapping_import,
            commit_mapping_import,
            import_enqueue,
            import_queue,
            import_finish,
            import_preview,
            import_plan,
            import_cancel,
            import_page,
            import_edit,
            import_commit,
            import_write_errors,
            import_save_preset,
            export_users
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|error| {
            tracing::error!(%error, "the app stopped");
            eprintln!("CC Sync could not start: {error}");
            std::process::exit(1);
        });
}
