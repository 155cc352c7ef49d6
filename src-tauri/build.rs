fn main() {
    // Declaring the app's commands makes them subject to the capability file, so the window can
    // call exactly these and nothing else.
    let commands = &[
        "app_info",
        "list_connections",
        "create_connection",
        "update_connection",
        "delete_connection",
        "test_connection",
        "start_demo_tenant",
        "open_log_folder",
        "fetch_plan",
        "apply_plan",
        "cancel_sync",
        "discard_plan",
        "list_records",
        "export_records",
        "list_runs",
        "run_audit",
        "list_mappings",
        "run_auto_sync",
        "map_user",
        "unmap_user",
        "retry_user",
        "search_accounts",
        "get_schedule",
        "set_schedule",
        "export_mappings",
        "plan_mapping_import",
        "commit_mapping_import",
        "import_enqueue",
        "import_queue",
        "import_finish",
        "import_preview",
        "import_plan",
        "import_cancel",
        "import_page",
        "import_edit",
        "import_commit",
        "import_write_errors",
        "import_save_preset",
        "export_users",
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("the Tauri build step succeeds");
}
