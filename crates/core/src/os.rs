//! The rules that differ between Windows, macOS and Linux, as pure functions of an [`Os`], so
//! each is unit-tested on every platform's terms from any machine. The real code passes
//! [`Os::current`].

/// The desktop a rule is applied for. Other Unixes follow the Linux (freedesktop) rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    MacOs,
    Windows,
}

impl Os {
    /// The platform this build runs on.
    pub const fn current() -> Os {
        if cfg!(windows) {
            Os::Windows
        } else if cfg!(target_os = "macos") {
            Os::MacOs
        } else {
            Os::Linux
        }
    }

    /// The characters that separate folders in a path: Windows accepts both slashes.
    fn separators(self) -> &'static [char] {
        match self {
            Os::Windows => &['\\', '/'],
            Os::Linux | Os::MacOs => &['/'],
        }
    }
}

/// The last part of `path` as written on `os` (`C:\Users\amy\users.csv`,
/// `\\server\share\users.csv`, `\\?\C:\users.csv` and `/home/amy/users.csv` all give `users.csv`);
/// `path` itself when it has no separator. For naming a file to the admin and checking its type.
pub fn file_name(os: Os, path: &str) -> &str {
    let separators = os.separators();
    let trimmed = path.trim_end_matches(separators);
    let last = trimmed.rsplit(separators).next().unwrap_or(trimmed);
    // `C:users.csv` (relative to drive C's current folder) names `users.csv`.
    let last = match (os, last.split_once(':')) {
        (Os::Windows, Some((drive, rest))) if drive.len() == 1 && drive.chars().all(|c| c.is_ascii_alphabetic()) => {
            rest
        }
        _ => last,
    };
    if last.is_empty() {
        path
    } else {
        last
    }
}

/// The extension of `path`'s file name (`csv` for `C:\data\users.CSV` gives `CSV`), without the
/// dot; none for `.hidden`, `users` or `users.`.
pub fn extension(os: Os, path: &str) -> Option<&str> {
    let name = file_name(os, path);
    match name.rfind('.') {
        Some(dot) if dot > 0 && dot + 1 < name.len() => Some(&name[dot + 1..]),
        _ => None,
    }
}

/// Characters no Windows file name may hold (besides control characters).
const WINDOWS_FORBIDDEN: &[char] = &['<', '>', ':', '"', '/', '\\', '|', '?', '*'];
/// Device names Windows reserves, with or without an extension (`CON`, `nul.csv`…).
const WINDOWS_RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2",
    "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// `name` made into a file name every desktop accepts, so a name CC Sync suggests in a Save dialog
/// (from a timestamp, an imported file, a record type) never fails on Windows: characters Windows
/// forbids (`2026-12-02T01:02:03` has colons) and control characters become `-`, trailing dots and
/// spaces go, a reserved device name (`CON`, `nul.csv`) gets a `_` after it, and an empty result
/// becomes `fallback`. The same rule on every platform: a file saved on Linux may be copied to Windows.
pub fn safe_file_name(name: &str, fallback: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| {
            if c.is_control() || WINDOWS_FORBIDDEN.contains(&c) {
                '-'
            } else {
                c
            }
        })
        .collect();
    let trimmed = replaced.trim().trim_end_matches(['.', ' ']);
    if trimmed.is_empty() || trimmed.chars().all(|c| c == '.' || c == '-') {
        return fallback.to_owned();
    }
    let stem_end = trimmed.find('.').unwrap_or(trimmed.len());
    let stem = trimmed[..stem_end].trim_end();
    if WINDOWS_RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem)) {
        return format!("{stem}_{}", &trimmed[stem_end..]);
    }
    trimmed.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_paths_name_their_file_in_every_shape() {
        let w = Os::Windows;
        for path in [
            r"C:\Users\amy\Documents\users.csv",
            r"C:/Users/amy/Documents/users.csv",
            r"\\server\share\exports\users.csv",
            r"\\?\C:\Users\amy\users.csv",
            r"\\?\UNC\server\share\users.csv",
            r"C:users.csv",
            r"users.csv",
            r"D:\mixed/folder\users.csv",
        ] {
            assert_eq!(file_name(w, path), "users.csv", "{path}");
            assert_eq!(extension(w, path), Some("csv"), "{path}");
        }
        assert_eq!(extension(w, r"C:\data\USERS.CSV"), Some("CSV"));
        assert_eq!(file_name(w, r"C:\data\exports\"), "exports");
        assert_eq!(
            extension(w, r"C:\data.d\users"),
            None,
            "a dot in a folder is no extension"
        );
        assert_eq!(extension(w, r"C:\data\.csv"), None);
        assert_eq!(extension(w, r"C:\data\users."), None);
        assert_eq!(file_name(w, r"C:\"), r"C:\", "a bare drive names itself");
    }

    #[test]
    fn unix_paths_split_only_on_slashes() {
        for os in [Os::Linux, Os::MacOs] {
            assert_eq!(file_name(os, "/home/amy/users.csv"), "users.csv");
            assert_eq!(extension(os, "/home/amy/users.final.csv"), Some("csv"));
            // A backslash and a colon are ordinary characters in a Unix file name.
            assert_eq!(file_name(os, r"/tmp/a\b.csv"), r"a\b.csv");
            assert_eq!(file_name(os, "/tmp/C:users.csv"), "C:users.csv");
            assert_eq!(extension(os, "/home/amy/.csv"), None);
            assert_eq!(extension(os, "/home/amy.d/users"), None);
            assert_eq!(file_name(os, "/"), "/");
        }
    }

    #[test]
    fn suggested_file_names_are_valid_on_windows() {
        assert_eq!(
            safe_file_name("records-2026-12-02T01:02:03Z.csv", "export.csv"),
            "records-2026-12-02T01-02-03Z.csv"
        );
        assert_eq!(
            safe_file_name(r#"a<b>c"d/e\f|g?h*i.csv"#, "x.csv"),
            "a-b-c-d-e-f-g-h-i.csv"
        );
        assert_eq!(safe_file_name("tab\there\n.csv", "x.csv"), "tab-here-.csv");
        assert_eq!(safe_file_name("users.csv. . ", "x.csv"), "users.csv");
        assert_eq!(safe_file_name("  ", "export.csv"), "export.csv");
        assert_eq!(safe_file_name("...", "export.csv"), "export.csv");
        assert_eq!(safe_file_name("::", "export.csv"), "export.csv");
        for reserved in ["CON", "con", "NUL.csv", "nul.tar.gz", "com1.csv", "LPT9", "Aux .csv"] {
            let safe = safe_file_name(reserved, "x.csv");
            let stem = safe.split('.').next().unwrap().trim_end();
            assert!(
                !WINDOWS_RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem)),
                "{reserved} → {safe}"
            );
        }
        assert_eq!(safe_file_name("nul.csv", "x.csv"), "nul_.csv");
        assert_eq!(safe_file_name("CON", "x.csv"), "CON_");
        // Names that only look like reserved ones, and accents, stay as they are.
        for fine in [
            "console.csv",
            "nullable.csv",
            "com10.csv",
            "Müller-errors.csv",
            "temporary-passwords-2026-12-02.csv",
        ] {
            assert_eq!(safe_file_name(fine, "x.csv"), fine);
        }
    }
}
