//! Target selectors pick nodes by name: `n1`, `n1,n3`, the glob `n*`, the
//! range `n[0-15]` and `all`. A selector is parsed once and then matched
//! against the names the network has.

use crate::error::ParseError;

/// One comma-separated part of a selector.
#[derive(Debug, Clone, PartialEq)]
enum Pattern {
    All,
    Exact(String),
    /// A glob where `*` matches any run of characters and `?` one character.
    Glob(String),
    /// `prefix[lo-hi]suffix`, matching the decimal numbers lo..=hi.
    Range {
        prefix: String,
        low: u64,
        high: u64,
        suffix: String,
    },
}

/// A parsed target selector.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    text: String,
    patterns: Vec<Pattern>,
}

impl Selector {
    /// Parses `text`; `column` is where it starts in the line, for errors.
    pub fn parse(text: &str, column: usize) -> Result<Selector, ParseError> {
        let mut patterns = Vec::new();
        let mut offset = 0;
        for part in text.split(',') {
            let part_column = column + offset;
            offset += part.chars().count() + 1;
            let pattern = parse_pattern(part, part_column).map_err(|mut error| {
                if part.is_empty() {
                    error.found = text.to_string();
                }
                error
            })?;
            patterns.push(pattern);
        }
        Ok(Selector {
            text: text.to_string(),
            patterns,
        })
    }

    /// Returns the selector as the user wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn matches(&self, name: &str) -> bool {
        self.patterns.iter().any(|pattern| pattern_matches(pattern, name))
    }

    /// Names that the selector names exactly (not by glob, range or `all`),
    /// so a caller can report the ones that do not exist.
    pub fn exact_names(&self) -> Vec<&str> {
        self.patterns
            .iter()
            .filter_map(|pattern| match pattern {
                Pattern::Exact(name) => Some(name.as_str()),
                _ => None,
            })
            .collect()
    }
}

fn parse_pattern(part: &str, column: usize) -> Result<Pattern, ParseError> {
    const EXPECTED: &str = "a node name, a glob such as `n*`, a range such as `n[0-15]` or `all`";
    if part.is_empty() {
        return Err(ParseError::new(
            column,
            "a node name after each `,` (a target list has no spaces, as in `n1,n3`)",
            "",
        ));
    }
    if part == "all" {
        return Ok(Pattern::All);
    }
    if let Some(open) = part.find('[') {
        return parse_range(part, open, column);
    }
    if let Some(bad) = part.chars().position(|c| !is_name_char(c) && c != '*' && c != '?') {
        return Err(ParseError::new(column + bad, EXPECTED, part));
    }
    if part.contains(['*', '?']) {
        Ok(Pattern::Glob(part.to_string()))
    } else {
        Ok(Pattern::Exact(part.to_string()))
    }
}

fn parse_range(part: &str, open: usize, column: usize) -> Result<Pattern, ParseError> {
    const EXPECTED: &str = "a range such as `n[0-15]`";
    let close = part[open..]
        .find(']')
        .map(|index| open + index)
        .ok_or_else(|| ParseError::new(column + part.len(), "`]` closing the range", ""))?;
    let inner = &part[open + 1..close];
    let (low, high) = inner
        .split_once('-')
        .and_then(|(low, high)| Some((low.parse::<u64>().ok()?, high.parse::<u64>().ok()?)))
        .ok_or_else(|| ParseError::new(column + open + 1, EXPECTED, inner))?;
    if low > high {
        return Err(ParseError::new(
            column + open + 1,
            "a range whose first number is not larger than its last",
            inner,
        ));
    }
    Ok(Pattern::Range {
        prefix: part[..open].to_string(),
        low,
        high,
        suffix: part[close + 1..].to_string(),
    })
}

/// Characters allowed in node and port names.
pub(crate) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'
}

fn pattern_matches(pattern: &Pattern, name: &str) -> bool {
    match pattern {
        Pattern::All => true,
        Pattern::Exact(exact) => exact == name,
        Pattern::Glob(glob) => glob_matches(glob.as_bytes(), name.as_bytes()),
        Pattern::Range {
            prefix,
            low,
            high,
            suffix,
        } => name
            .strip_prefix(prefix.as_str())
            .and_then(|rest| rest.strip_suffix(suffix.as_str()))
            .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|digits| digits.parse::<u64>().ok())
            .is_some_and(|number| (*low..=*high).contains(&number)),
    }
}

fn glob_matches(glob: &[u8], name: &[u8]) -> bool {
    match (glob.first(), name.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob_matches(&glob[1..], name) || (!name.is_empty() && glob_matches(glob, &name[1..]))
        }
        (Some(b'?'), Some(_)) => glob_matches(&glob[1..], &name[1..]),
        (Some(g), Some(n)) if g == n => glob_matches(&glob[1..], &name[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selector(text: &str) -> Selector {
        Selector::parse(text, 1).unwrap()
    }

    #[test]
    fn selector_exact_and_list() {
        let list = selector("n1,n3");
        assert!(list.matches("n1"));
        assert!(list.matches("n3"));
        assert!(!list.matches("n2"));
        assert_eq!(list.exact_names(), vec!["n1", "n3"]);
    }

    #[test]
    fn selector_glob() {
        let glob = selector("n*");
        assert!(glob.matches("n0_0"));
        assert!(glob.matches("n"));
        assert!(!glob.matches("m1"));
        assert!(selector("n?_1").matches("n3_1"));
        assert!(!selector("n?_1").matches("n13_1"));
    }

    #[test]
    fn selector_range() {
        let range = selector("n[0-15]");
        assert!(range.matches("n0"));
        assert!(range.matches("n15"));
        assert!(!range.matches("n16"));
        assert!(!range.matches("nx"));
        assert!(selector("s[2-3]_0").matches("s3_0"));
    }

    #[test]
    fn selector_all() {
        assert!(selector("all").matches("anything"));
    }

    #[test]
    fn selector_rejects_bad_range() {
        let error = Selector::parse("n[5-1]", 7).unwrap_err();
        assert_eq!(error.column, 9);
        let error = Selector::parse("n[a-b]", 1).unwrap_err();
        assert_eq!(error.found, "a-b");
    }

    #[test]
    fn selector_rejects_empty_part() {
        let error = Selector::parse("n1,", 10).unwrap_err();
        assert_eq!(error.column, 13);
    }
}
