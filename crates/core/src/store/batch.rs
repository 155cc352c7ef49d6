//! Many rows to an INSERT. Every INSERT into a table with a `CHECK (x IN (…))` constraint
//! (records, audit, mappings, external_accounts) builds a temporary b-tree for the list, once per
//! statement: written one statement per row, 100,000 rows spent more on that than on the rows
//! themselves (BENCHMARKS.md, issue 15).

use rusqlite::types::ToSql;
use rusqlite::{Connection, Row};

/// Rows per statement: 100 rows of a dozen parameters stay far below SQLite's limit on them.
pub const ROWS_PER_STATEMENT: usize = 100;

/// Runs `{insert} {row}, {row}, … {tail}` over `items`, [`ROWS_PER_STATEMENT`] to a statement, in
/// order. `row` is one row's `VALUES` tuple with `?` placeholders, bound from `params(item)`;
/// `on_row` sees each row a `RETURNING` tail gives back.
pub fn insert_many<'p, T, const N: usize>(
    conn: &Connection,
    insert: &str,
    row: &str,
    tail: &str,
    items: &'p [T],
    params: impl Fn(&'p T) -> [&'p dyn ToSql; N],
    mut on_row: impl FnMut(&Row<'_>) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    for chunk in items.chunks(ROWS_PER_STATEMENT) {
        let rows = vec![row; chunk.len()].join(", ");
        // Full chunks share one cached statement; a last, shorter one is prepared once.
        let mut statement = conn.prepare_cached(&format!("{insert} {rows} {tail}"))?;
        let mut index = 0;
        for item in chunk {
            for param in params(item) {
                index += 1;
                statement.raw_bind_parameter(index, param)?;
            }
        }
        let mut returned = statement.raw_query();
        while let Some(row) = returned.next()? {
            on_row(row)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_written_in_order_whatever_the_count() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('a', 'b', 'c')))")
            .unwrap();
        for count in [
            0,
            1,
            ROWS_PER_STATEMENT - 1,
            ROWS_PER_STATEMENT,
            2 * ROWS_PER_STATEMENT + 7,
        ] {
            conn.execute("DELETE FROM t", []).unwrap();
            let items: Vec<i64> = (0..count as i64).collect();
            let mut ids = Vec::new();
            insert_many(
                &conn,
                "INSERT INTO t (n, kind) VALUES",
                "(?, 'b')",
                "RETURNING id",
                &items,
                |n| [n],
                |row| {
                    ids.push(row.get::<_, i64>(0)?);
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(ids.len(), count);
            let stored: Vec<i64> = conn
                .prepare("SELECT n FROM t ORDER BY id")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert_eq!(stored, items, "{count} rows");
        }
    }

    #[test]
    fn a_failing_row_fails_the_statement() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (n INTEGER NOT NULL UNIQUE)")
            .unwrap();
        let error = insert_many(
            &conn,
            "INSERT INTO t (n) VALUES",
            "(?)",
            "",
            &[1, 2, 1],
            |n| [n],
            |_| Ok(()),
        )
        .unwrap_err();
        assert!(error.to_string().contains("UNIQUE"), "{error}");
        let count: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(count, 0, "the statement is undone whole");
    }
}
