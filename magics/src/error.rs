//! The parse error of a magic line, with the position a user needs to fix it.

use std::fmt;

/// A magic line that does not parse. `line` and `column` are 1-based and
/// count characters of the cell, so the message points at the exact token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub expected: String,
    pub found: String,
    /// The magic whose `%help` shows the right form, when one was recognised.
    pub magic: Option<String>,
}

impl ParseError {
    pub(crate) fn new(column: usize, expected: impl Into<String>, found: impl Into<String>) -> Self {
        ParseError {
            line: 1,
            column,
            expected: expected.into(),
            found: found.into(),
            magic: None,
        }
    }

    pub(crate) fn for_magic(mut self, name: &str) -> Self {
        self.magic.get_or_insert_with(|| name.to_string());
        self
    }

    pub(crate) fn at_line(mut self, line: usize) -> Self {
        self.line = line;
        self
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let found = if self.found.is_empty() {
            "the end of the line".to_string()
        } else {
            format!("`{}`", self.found)
        };
        write!(
            f,
            "line {}, column {}: expected {}, found {}",
            self.line, self.column, self.expected, found
        )?;
        if let Some(magic) = &self.magic {
            write!(f, " (see `%help {magic}`)")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}
