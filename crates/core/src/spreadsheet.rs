//! Cells made safe for spreadsheets: every CSV CC Sync writes (records, users, mappings, error
//! files) escapes what Excel would run as a formula, and reading our own files back undoes it.

/// Makes a cell safe to open in a spreadsheet: `=`, `+`, `-`, `@`, tab and CR start formulas there.
pub fn escape_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Our own exports escape formula starts with an apostrophe; reading one back removes it, so an
/// export imports unchanged.
pub fn unescape_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::escape_formula;

    #[test]
    fn formula_starts_are_escaped_and_the_rest_kept() {
        assert_eq!(escape_formula("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(escape_formula("@cmd"), "'@cmd");
        assert_eq!(escape_formula("-1"), "'-1");
        assert_eq!(escape_formula("José"), "José");
        assert_eq!(escape_formula(""), "");
    }
}
