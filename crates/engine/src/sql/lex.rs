//! Splits console text into tokens, as MySQL's lexer (`sql/sql_lex.cc`) and the mysql
//! client's line reader (`client/mysql.cc`, which cuts statements at `;` and `\G`) do.
//!
//! Every token keeps its byte span in the input, so a syntax error can quote the text from
//! the offending token on, as the server's "near '…'" does. The lexer never fails: a stray
//! character, an unterminated string or comment becomes a [`Tok::Bad`] token that the parser
//! reports where it stands.

/// What a token is; its text is the input between `start` and `end`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// An unquoted word: a keyword or an identifier (letters, digits, `_`, `$`, non-ASCII).
    Word,
    /// A `` `quoted` `` identifier, unquoted.
    QuotedIdent(String),
    /// A `'string'` or `"string"`, with escapes and doubled quotes resolved.
    Str(String),
    /// Digits, with an optional fractional part (`4`, `0.5`).
    Num,
    /// An operator or punctuation mark.
    Punct(&'static str),
    /// `;` (or `\g`) or `\G`: the end of a statement; `vertical` for `\G`.
    End { vertical: bool },
    /// Something MySQL could not read: the statement fails here.
    Bad,
}

/// A token and where it stands in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// Operators and marks, longest first so `<=` wins over `<`.
const PUNCTS: &[&str] = &[
    "<=>", "@@", ":=", "<=", ">=", "<>", "!=", "=", "<", ">", "(", ")", ",", ".", "*", "-", "+",
    "@", "/", "%",
];

/// Every token of `src`, comments and white space dropped.
pub(crate) fn tokens(src: &str) -> Vec<Token> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        in_versioned_comment: false,
        out: Vec::new(),
    };
    while lexer.step() {}
    lexer.out
}

struct Lexer<'a> {
    src: &'a str,
    /// Always on a char boundary: the lexer steps over whole chars.
    pos: usize,
    /// Inside `/*! … */`: MySQL reads the text as code, so its closing `*/` is skipped.
    in_versioned_comment: bool,
    out: Vec<Token>,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        let src: &'a str = self.src;
        src.get(self.pos..).unwrap_or("")
    }

    fn push(&mut self, tok: Tok, start: usize) {
        self.out.push(Token {
            tok,
            start,
            end: self.pos,
        });
    }

    /// Reads one token (or skips white space / a comment); false at the end of input.
    fn step(&mut self) -> bool {
        let rest = self.rest();
        let Some(c) = rest.chars().next() else {
            return false;
        };
        let start = self.pos;
        if c.is_whitespace() {
            self.pos += c.len_utf8();
        } else if self.comment(rest) {
        } else if c == '\'' || c == '"' {
            let tok = self.quoted(c).map_or(Tok::Bad, Tok::Str);
            self.push(tok, start);
        } else if c == '`' {
            let tok = self.quoted('`').map_or(Tok::Bad, Tok::QuotedIdent);
            self.push(tok, start);
        } else if c == ';' {
            self.pos += 1;
            self.push(Tok::End { vertical: false }, start);
        } else if c == '\\' {
            self.backslash(rest, start);
        } else if is_word_char(c) {
            self.word_or_number(start);
        } else if let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(**p)) {
            self.pos += p.len();
            self.push(Tok::Punct(p), start);
        } else {
            self.pos += c.len_utf8();
            self.push(Tok::Bad, start);
        }
        true
    }

    /// Skips a `#`, `-- ` or `/* */` comment at the cursor; true if there was one.
    fn comment(&mut self, rest: &'a str) -> bool {
        let bytes = rest.as_bytes();
        let dash_dash = rest.starts_with("--")
            && bytes
                .get(2)
                .is_none_or(|b| b.is_ascii_whitespace() || b.is_ascii_control());
        if rest.starts_with('#') || dash_dash {
            self.pos += rest.find('\n').unwrap_or(rest.len());
        } else if self.in_versioned_comment && rest.starts_with("*/") {
            self.in_versioned_comment = false;
            self.pos += 2;
        } else if let Some(body) = rest.strip_prefix("/*!") {
            // `/*!80000 code */`: the server runs the code (from any version up to its own).
            let digits = body.bytes().take_while(u8::is_ascii_digit).count();
            self.in_versioned_comment = true;
            self.pos += 3 + digits;
        } else if let Some(body) = rest.strip_prefix("/*") {
            match body.find("*/") {
                Some(i) => self.pos += i + 4,
                None => {
                    let start = self.pos;
                    self.pos = self.src.len();
                    self.push(Tok::Bad, start);
                }
            }
        } else {
            return false;
        }
        true
    }

    /// Reads a quoted string or identifier; `None` if it never closes (it runs to the end).
    fn quoted(&mut self, quote: char) -> Option<String> {
        let mut text = String::new();
        let mut chars = self.rest().char_indices().skip(1).peekable();
        while let Some((i, c)) = chars.next() {
            if c == quote {
                if chars.peek().is_some_and(|&(_, next)| next == quote) {
                    chars.next();
                    text.push(quote);
                    continue;
                }
                self.pos += i + 1;
                return Some(text);
            }
            if c == '\\' && quote != '`' {
                match chars.next() {
                    Some((_, e)) => push_escape(&mut text, e),
                    None => break,
                }
                continue;
            }
            text.push(c);
        }
        self.pos = self.src.len();
        None
    }

    /// `\G` and `\g` end a statement (the mysql client's commands); any other is an error.
    fn backslash(&mut self, rest: &str, start: usize) {
        let next = rest[1..].chars().next();
        self.pos += 1 + next.map_or(0, char::len_utf8);
        let tok = match next {
            Some('G') => Tok::End { vertical: true },
            Some('g') => Tok::End { vertical: false },
            _ => Tok::Bad,
        };
        self.push(tok, start);
    }

    /// A run of word characters: a number if all digits (then an optional `.digits`).
    fn word_or_number(&mut self, start: usize) {
        let len: usize = self
            .rest()
            .chars()
            .take_while(|&c| is_word_char(c))
            .map(char::len_utf8)
            .sum();
        let word = &self.rest()[..len];
        self.pos += len;
        if !word.bytes().all(|b| b.is_ascii_digit()) {
            self.push(Tok::Word, start);
            return;
        }
        let rest = self.rest();
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            self.pos += 1 + digits;
        }
        self.push(Tok::Num, start);
    }
}

/// The characters of an unquoted identifier (MySQL also allows any non-ASCII letter).
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || (!c.is_ascii() && !c.is_whitespace())
}

/// A backslash escape in a string, as MySQL resolves it (`\%` and `\_` keep the backslash).
fn push_escape(text: &mut String, e: char) {
    match e {
        'n' => text.push('\n'),
        't' => text.push('\t'),
        'r' => text.push('\r'),
        'b' => text.push('\u{8}'),
        '0' => text.push('\0'),
        'Z' => text.push('\u{1a}'),
        '%' | '_' => {
            text.push('\\');
            text.push(e);
        }
        other => text.push(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        tokens(src).into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn words_numbers_strings_and_marks() {
        let src = "SELECT @@GLOBAL.x, 'a''b', \"c\\nd\", `my id`, 0.5 >= 7";
        assert_eq!(
            kinds(src),
            vec![
                Tok::Word,
                Tok::Punct("@@"),
                Tok::Word,
                Tok::Punct("."),
                Tok::Word,
                Tok::Punct(","),
                Tok::Str("a'b".into()),
                Tok::Punct(","),
                Tok::Str("c\nd".into()),
                Tok::Punct(","),
                Tok::QuotedIdent("my id".into()),
                Tok::Punct(","),
                Tok::Num,
                Tok::Punct(">="),
                Tok::Num,
            ]
        );
    }

    #[test]
    fn comments_are_dropped_and_terminators_kept() {
        let src = "BEGIN -- a comment\n; # another\n/* and */ COMMIT\\G ROLLBACK\\g";
        assert_eq!(
            kinds(src),
            vec![
                Tok::Word,
                Tok::End { vertical: false },
                Tok::Word,
                Tok::End { vertical: true },
                Tok::Word,
                Tok::End { vertical: false },
            ]
        );
        // `--` without a space is two minus signs, as in MySQL.
        assert_eq!(
            kinds("1--2"),
            vec![Tok::Num, Tok::Punct("-"), Tok::Punct("-"), Tok::Num]
        );
    }

    #[test]
    fn a_versioned_comment_is_code() {
        assert_eq!(kinds("/*!80000 COMMIT */"), vec![Tok::Word]);
    }

    #[test]
    fn unterminated_strings_and_comments_and_stray_characters_are_bad_tokens() {
        assert_eq!(kinds("'abc"), vec![Tok::Bad]);
        assert_eq!(kinds("`abc"), vec![Tok::Bad]);
        assert_eq!(kinds("/* abc"), vec![Tok::Bad]);
        assert_eq!(kinds("a ? b"), vec![Tok::Word, Tok::Bad, Tok::Word]);
        assert_eq!(kinds("\\q"), vec![Tok::Bad]);
        let t = tokens("x 'é");
        assert_eq!((t[1].start, t[1].end), (2, 5));
    }

    #[test]
    fn spans_cover_multibyte_text() {
        let t = tokens("héllo 'wörld'");
        assert_eq!((t[0].start, t[0].end), (0, 6));
        assert_eq!(t[1].tok, Tok::Str("wörld".into()));
        assert_eq!((t[1].start, t[1].end), (7, 15));
    }
}
