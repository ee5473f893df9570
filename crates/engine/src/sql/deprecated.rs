//! The 8.0 spellings a statement used, as the warning an 8.0 server gives for them.
//!
//! MySQL 8.0.22–8.0.26 deprecated `SLAVE` and `MASTER` in replication statements and 8.4.0
//! removed them. The console reads them anyway (so 8.0 habits and scripts work), and this
//! says what 8.4 wants instead, in the words of 8.0's `ER_WARN_DEPRECATED_SYNTAX` (1287):
//! `'SHOW SLAVE STATUS' is deprecated and will be removed in a future release. Please use
//! SHOW REPLICA STATUS instead`.

use super::lex::{self, Tok};
use std::fmt;

/// A note the mysql client prints after a statement (`Warning (Code 1287): …`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlWarning {
    pub code: u16,
    pub message: String,
}

impl fmt::Display for SqlWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Warning (Code {}): {}", self.code, self.message)
    }
}

/// 8.0 statement words and their 8.4 replacements, longest first.
const STATEMENTS: &[(&[&str], &str)] = &[
    (&["SHOW", "SLAVE", "STATUS"], "SHOW REPLICA STATUS"),
    (&["SHOW", "SLAVE", "HOSTS"], "SHOW REPLICAS"),
    (&["SHOW", "MASTER", "STATUS"], "SHOW BINARY LOG STATUS"),
    (&["SHOW", "MASTER", "LOGS"], "SHOW BINARY LOGS"),
    (&["CHANGE", "MASTER", "TO"], "CHANGE REPLICATION SOURCE TO"),
    (&["PURGE", "MASTER", "LOGS"], "PURGE BINARY LOGS"),
    (&["START", "SLAVE"], "START REPLICA"),
    (&["STOP", "SLAVE"], "STOP REPLICA"),
    (&["RESET", "SLAVE"], "RESET REPLICA"),
    (&["RESET", "MASTER"], "RESET BINARY LOGS AND GTIDS"),
];

/// The warning for the 8.0 spellings in one statement's text (a `Parsed::text`), if any:
/// its statement words, and each `MASTER_…` option (`MASTER_HOST` → `SOURCE_HOST`).
pub fn deprecated_spelling(text: &str) -> Option<SqlWarning> {
    let words: Vec<String> = lex::tokens(text)
        .iter()
        .filter(|t| t.tok == Tok::Word)
        .map(|t| text.get(t.start..t.end).unwrap_or("").to_ascii_uppercase())
        .collect();
    let mut old = Vec::new();
    let mut new = Vec::new();
    if let Some((words_8_0, instead)) = STATEMENTS.iter().find(|(w, _)| words.starts_with_words(w))
    {
        old.push(words_8_0.join(" "));
        new.push((*instead).to_string());
    }
    for w in &words {
        let renamed = match w.as_str() {
            "GET_MASTER_PUBLIC_KEY" => Some("GET_SOURCE_PUBLIC_KEY".to_string()),
            w if w.starts_with("MASTER_") => Some(w.replacen("MASTER_", "SOURCE_", 1)),
            _ => None,
        };
        if let Some(renamed) = renamed.filter(|_| !old.contains(w)) {
            old.push(w.clone());
            new.push(renamed);
        }
    }
    (!old.is_empty()).then(|| SqlWarning {
        code: 1287,
        message: format!(
            "'{}' is deprecated and will be removed in a future release. Please use {} instead",
            old.join(", "),
            new.join(", ")
        ),
    })
}

trait StartsWithWords {
    fn starts_with_words(&self, words: &[&str]) -> bool;
}

impl StartsWithWords for Vec<String> {
    fn starts_with_words(&self, words: &[&str]) -> bool {
        self.len() >= words.len() && self.iter().zip(words).all(|(a, b)| a == b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_8_0_spellings_are_named_with_their_8_4_replacements() {
        let w = deprecated_spelling("show slave status").unwrap();
        assert_eq!(
            w.to_string(),
            "Warning (Code 1287): 'SHOW SLAVE STATUS' is deprecated and will be removed in a \
             future release. Please use SHOW REPLICA STATUS instead"
        );
        let w = deprecated_spelling("CHANGE MASTER TO MASTER_HOST='db1', MASTER_LOG_POS=4");
        assert_eq!(
            w.unwrap().message,
            "'CHANGE MASTER TO, MASTER_HOST, MASTER_LOG_POS' is deprecated and will be removed \
             in a future release. Please use CHANGE REPLICATION SOURCE TO, SOURCE_HOST, \
             SOURCE_LOG_POS instead"
        );
        assert!(deprecated_spelling("RESET MASTER").is_some());
        assert!(
            deprecated_spelling("START SLAVE UNTIL MASTER_LOG_FILE='b', MASTER_LOG_POS=4")
                .is_some()
        );
    }

    #[test]
    fn the_8_4_spellings_have_no_warning() {
        for text in [
            "SHOW REPLICA STATUS",
            "CHANGE REPLICATION SOURCE TO SOURCE_HOST='master_db'",
            "RESET BINARY LOGS AND GTIDS",
            "SELECT * FROM kv",
        ] {
            assert_eq!(deprecated_spelling(text), None, "{text}");
        }
    }
}
