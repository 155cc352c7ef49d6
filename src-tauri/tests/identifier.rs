//! On Windows the database folder is named by the app's identifier (see `ccsync_core::paths`), the
//! folder the uninstaller's "Delete the application data" removes; renaming the identifier in
//! tauri.conf.json without the core would leave people's data behind.

#[test]
fn the_windows_data_folder_is_the_app_identifier() {
    let config = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tauri.conf.json")).unwrap();
    let config: serde_json::Value = serde_json::from_str(&config).unwrap();
    assert_eq!(config["identifier"], ccsync_core::paths::WINDOWS_FOLDER);
}
