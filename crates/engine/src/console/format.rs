//! Result sets and OK packets printed as the `mysql` command-line client prints them:
//! a `+----+` table (numbers right-aligned, text left-aligned, `NULL` for a missing value),
//! or with `\G` one `*** n. row ***` block per row with the column names right-aligned;
//! then `n rows in set (0.00 sec)` or `Empty set (0.00 sec)` (client/mysql.cc:
//! `print_table_data`, `print_table_data_vertically`, `com_go`).

use crate::time::Duration;

/// A result set: column names and rows of cells (`None` is SQL NULL).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResultSet {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// A column's name and whether it holds numbers (right-aligned in a table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub numeric: bool,
}

impl ResultSet {
    pub fn new(columns: &[(&str, bool)]) -> Self {
        ResultSet {
            columns: columns
                .iter()
                .map(|(name, numeric)| Column {
                    name: (*name).to_string(),
                    numeric: *numeric,
                })
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row of as many cells as there are columns.
    pub fn push(&mut self, row: Vec<Option<String>>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }
}

/// `(0.01 sec)`: the client's timer, here the simulated time the statement took.
pub fn elapsed(d: Duration) -> String {
    let centis = (d.as_micros() + 5_000) / 10_000;
    format!("({}.{:02} sec)", centis / 100, centis % 100)
}

/// The whole answer to a query: the table (or vertical rows) and the count line.
pub fn result(rs: &ResultSet, vertical: bool, took: Duration) -> String {
    if rs.rows.is_empty() {
        return format!("Empty set {}", elapsed(took));
    }
    let body = if vertical {
        vertical_rows(rs)
    } else {
        table(rs)
    };
    let n = rs.rows.len();
    let rows = if n == 1 { "row" } else { "rows" };
    format!("{body}{n} {rows} in set {}", elapsed(took))
}

/// `Query OK, 1 row affected (0.00 sec)`, with the `Records:` or `Rows matched:` info line
/// MySQL adds for multi-row INSERTs and UPDATEs.
pub fn ok(affected: u64, info: Option<&str>, took: Duration) -> String {
    let rows = if affected == 1 { "row" } else { "rows" };
    let head = format!("Query OK, {affected} {rows} affected {}", elapsed(took));
    match info {
        Some(info) => format!("{head}\n{info}"),
        None => head,
    }
}

/// `Query OK, 0 rows affected, 1 warning (0.00 sec)`.
pub fn ok_warned(warnings: u64, took: Duration) -> String {
    let plural = if warnings == 1 { "warning" } else { "warnings" };
    format!(
        "Query OK, 0 rows affected, {warnings} {plural} {}",
        elapsed(took)
    )
}

fn widths(rs: &ResultSet) -> Vec<usize> {
    rs.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rs.rows
                .iter()
                .map(|r| cell(&r[i]).chars().count())
                .max()
                .unwrap_or(0)
                .max(c.name.chars().count())
        })
        .collect()
}

fn cell(c: &Option<String>) -> &str {
    c.as_deref().unwrap_or("NULL")
}

fn table(rs: &ResultSet) -> String {
    let widths = widths(rs);
    let rule: String = widths.iter().fold("+".to_string(), |mut s, w| {
        s.push_str(&"-".repeat(w + 2));
        s.push('+');
        s
    });
    let line = |cells: Vec<(&str, bool)>| {
        let mut s = "|".to_string();
        for ((text, right), w) in cells.into_iter().zip(&widths) {
            let pad = " ".repeat(w - text.chars().count());
            if right {
                s.push_str(&format!(" {pad}{text} |"));
            } else {
                s.push_str(&format!(" {text}{pad} |"));
            }
        }
        s
    };
    let header = line(
        rs.columns
            .iter()
            .map(|c| (c.name.as_str(), false))
            .collect(),
    );
    let mut out = format!("{rule}\n{header}\n{rule}\n");
    for r in &rs.rows {
        let cells = r
            .iter()
            .zip(&rs.columns)
            .map(|(v, c)| (cell(v), c.numeric))
            .collect();
        out.push_str(&line(cells));
        out.push('\n');
    }
    out.push_str(&rule);
    out.push('\n');
    out
}

fn vertical_rows(rs: &ResultSet) -> String {
    let name_width = rs
        .columns
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (i, r) in rs.rows.iter().enumerate() {
        let stars = "*".repeat(27);
        out.push_str(&format!("{stars} {}. row {stars}\n", i + 1));
        for (v, c) in r.iter().zip(&rs.columns) {
            out.push_str(&format!("{:>name_width$}: {}\n", c.name, cell(v)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::ms;

    fn kv() -> ResultSet {
        let mut rs = ResultSet::new(&[("id", true), ("val", true)]);
        rs.push(vec![Some("1".into()), Some("10".into())]);
        rs.push(vec![Some("12".into()), None]);
        rs
    }

    #[test]
    fn a_table_as_the_mysql_client_draws_it() {
        let text = result(&kv(), false, ms(13));
        assert_eq!(
            text,
            "+----+------+\n\
             | id | val  |\n\
             +----+------+\n\
             |  1 |   10 |\n\
             | 12 | NULL |\n\
             +----+------+\n\
             2 rows in set (0.01 sec)"
        );
    }

    #[test]
    fn vertical_rows_align_the_names_to_the_right() {
        let mut rs = ResultSet::new(&[("Replica_IO_State", false), ("SQL_Delay", true)]);
        rs.push(vec![
            Some("Waiting for source to send event".into()),
            Some("0".into()),
        ]);
        let text = result(&rs, true, Duration::ZERO);
        assert_eq!(
            text,
            "*************************** 1. row ***************************\n\
             Replica_IO_State: Waiting for source to send event\n       \
             SQL_Delay: 0\n\
             1 row in set (0.00 sec)"
        );
    }

    #[test]
    fn no_rows_is_an_empty_set_and_ok_counts_rows() {
        let empty = ResultSet::new(&[("id", true)]);
        assert_eq!(
            result(&empty, false, Duration::ZERO),
            "Empty set (0.00 sec)"
        );
        assert_eq!(
            ok(1, None, Duration::ZERO),
            "Query OK, 1 row affected (0.00 sec)"
        );
        assert_eq!(
            ok(2, Some("Records: 2  Duplicates: 0  Warnings: 0"), ms(1_500)),
            "Query OK, 2 rows affected (1.50 sec)\nRecords: 2  Duplicates: 0  Warnings: 0"
        );
    }
}
