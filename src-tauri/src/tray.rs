//! Working in the background: while an Auto Sync schedule is on, closing the window hides it and
//! CC Sync stays in the system tray (menu: Open, Run Auto Sync now, the next run, Quit); with no
//! schedule on, closing quits. What is on and when it runs next is core's answer
//! (`schedule::overview`); this only shows it.

use std::sync::atomic::{AtomicBool, Ordering};

use ccsync_core::mapping::schedule::{self, Overview};
use ccsync_core::mapping::session::ScheduleEvent;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Wry};
use tauri_plugin_notification::NotificationExt;

use crate::state::AppState;

/// The argument the login item starts CC Sync with: straight to the tray when a schedule is on.
pub const BACKGROUND_ARG: &str = "--background";

pub struct Tray {
    icon: TrayIcon,
    next: MenuItem<Wry>,
    /// Whether closing the window keeps the app running (a schedule is on).
    keep_running: AtomicBool,
    /// Whether the "still running in the tray" notice was shown (once per launch).
    told: AtomicBool,
}

/// Builds the tray icon. Without one, closing the window quits (as with no schedule on): on a
/// Linux desktop without libayatana-appindicator the tray library panics, which is caught here.
pub fn try_install(app: &AppHandle) {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| install(app))) {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "no tray icon: closing the window will quit CC Sync"),
        Err(_) => tracing::warn!(
            "no tray icon (the system tray library could not be loaded): closing the window will quit CC Sync"
        ),
    }
}

/// Builds the tray icon, hidden until a schedule is on.
fn install(app: &AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open CC Sync", true, None::<&str>)?;
    let run = MenuItem::with_id(app, "run", "Run Auto Sync now", true, None::<&str>)?;
    let next = MenuItem::with_id(app, "next", "No Auto Sync scheduled", false, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &run, &next, &separator, &quit])?;
    let mut builder = TrayIconBuilder::with_id("ccsync")
        .tooltip("CC Sync")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "open" => show_window(app),
            "run" => run_now(app),
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    let icon = builder.build(app)?;
    icon.set_visible(false)?;
    app.manage(Tray {
        icon,
        next,
        keep_running: AtomicBool::new(false),
        told: AtomicBool::new(false),
    });
    Ok(())
}

impl Tray {
    fn show(&self, overview: &Overview) {
        self.keep_running.store(overview.any_on(), Ordering::SeqCst);
        if let Err(error) = self.next.set_text(overview.next_run_label_now()) {
            tracing::warn!(%error, "the tray's next run could not be updated");
        }
        if let Err(error) = self.icon.set_visible(overview.any_on()) {
            tracing::warn!(%error, "the tray icon could not be shown or hidden");
        }
    }
}

/// Reads the schedules again and updates the tray (after a schedule changed or a run).
pub fn refresh(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let (Some(state), Some(tray)) = (app.try_state::<AppState>(), app.try_state::<Tray>()) else {
            return;
        };
        let overview = schedule::overview(&state.store());
        match overview {
            Ok(overview) => tray.show(&overview),
            Err(error) => tracing::warn!(%error, "the schedules could not be read for the tray"),
        }
    });
}

/// Whether closing the window should keep CC Sync running in the tray.
pub fn keeps_running(app: &AppHandle) -> bool {
    app.try_state::<Tray>()
        .is_some_and(|tray| tray.keep_running.load(Ordering::SeqCst))
}

/// The window was closed while a schedule is on: say once where CC Sync went.
pub fn closed_to_tray(app: &AppHandle) {
    let Some(tray) = app.try_state::<Tray>() else { return };
    if !tray.told.swap(true, Ordering::SeqCst) {
        notify(
            app,
            "CC Sync is still running",
            "Auto Sync runs on its schedule from the tray. Quit from the tray icon's menu.",
        );
    }
}

/// What the schedule loop reports: a failed run as a notification, and the next run in the menu.
pub fn on_schedule_event(app: &AppHandle, event: ScheduleEvent<'_>) {
    match event {
        ScheduleEvent::Failed { target, error } => {
            let (title, body) = schedule::failure_notice(target, true, error);
            notify(app, &title, &body);
        }
        ScheduleEvent::Checked => refresh(app),
    }
}

pub fn show_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// "Run Auto Sync now" from the tray: every link (business unit and platform) whose schedule is on; a failure is a
/// notification, since the window may be closed.
fn run_now(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(state) = app.try_state::<AppState>() else {
            return;
        };
        match state.mapping.run_scheduled_now().await {
            Ok(outcomes) => {
                for (target, outcome) in outcomes {
                    if let Err(error) = outcome {
                        let (title, body) = schedule::failure_notice(&target, false, &error);
                        notify(&app, &title, &body);
                    }
                }
            }
            Err(error) => notify(&app, "Auto Sync could not start", &error.to_string()),
        }
        refresh(&app);
    });
}

fn notify(app: &AppHandle, title: &str, body: &str) {
    if let Err(error) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!(%error, title, "the desktop notification could not be shown");
    }
}
