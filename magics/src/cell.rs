//! Splitting a cell into the parts the kernel runs in order: a cell magic with
//! its body, or a sequence of Lua chunks and line magics.

use crate::command::{CellMagic, LineMagic};
use crate::error::ParseError;
use crate::parse::{parse_cell_magic, parse_line_magic};

/// One step of a cell made of Lua and line magics.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Lua source. `first_line` is the 1-based cell line where it starts, so
    /// the kernel can report errors against cell lines.
    Lua { code: String, first_line: usize },
    Magic { magic: LineMagic, line: usize },
}

/// A parsed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// `%%name ...` on the first line; `body` is every following line.
    CellMagic { magic: CellMagic, body: String },
    Segments(Vec<Segment>),
}

/// Parses a whole cell. Lines are numbered from 1 in errors.
pub fn parse_cell(code: &str) -> Result<Cell, ParseError> {
    if code.trim_start().starts_with("%%") {
        let leading = code.len() - code.trim_start().len();
        let skipped_lines = code[..leading].matches('\n').count();
        let rest = &code[leading..];
        let (header, body) = rest.split_once('\n').unwrap_or((rest, ""));
        let magic = parse_cell_magic(header).map_err(|error| error.at_line(skipped_lines + 1))?;
        return Ok(Cell::CellMagic {
            magic,
            body: body.to_string(),
        });
    }

    let mut segments = Vec::new();
    let mut lua_lines: Vec<&str> = Vec::new();
    let mut lua_start = 1;
    for (index, line) in code.lines().enumerate() {
        let number = index + 1;
        // No Lua line starts with `%`, so indented magics are still magics.
        let line = if line.trim_start().starts_with('%') { line.trim_start() } else { line };
        if line.starts_with("%%") {
            let column = code.lines().nth(index).map_or(1, |raw| raw.len() - line.len() + 1);
            return Err(ParseError::new(
                column,
                format!("a line magic; a cell magic such as `{}` must be the first line of its own cell", first_word(line)),
                first_word(line),
            )
            .at_line(number));
        }
        if line.starts_with('%') {
            flush_lua(&mut segments, &mut lua_lines, lua_start);
            let magic = parse_line_magic(line).map_err(|error| error.at_line(number))?;
            segments.push(Segment::Magic {
                magic,
                line: number,
            });
            lua_start = number + 1;
        } else {
            lua_lines.push(line);
        }
    }
    flush_lua(&mut segments, &mut lua_lines, lua_start);
    Ok(Cell::Segments(segments))
}

fn first_word(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or(line)
}

fn flush_lua(segments: &mut Vec<Segment>, lines: &mut Vec<&str>, first_line: usize) {
    if lines.iter().all(|line| line.trim().is_empty()) {
        lines.clear();
        return;
    }
    segments.push(Segment::Lua {
        code: lines.join("\n"),
        first_line,
    });
    lines.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_mixes_lua_and_magics() {
        let cell = parse_cell("x = 1\n%ring 3\nprint(x)\nreturn x").unwrap();
        let Cell::Segments(segments) = cell else {
            panic!("expected segments")
        };
        assert_eq!(segments.len(), 3);
        assert_eq!(
            segments[0],
            Segment::Lua {
                code: "x = 1".into(),
                first_line: 1
            }
        );
        assert!(matches!(segments[1], Segment::Magic { line: 2, .. }));
        assert_eq!(
            segments[2],
            Segment::Lua {
                code: "print(x)\nreturn x".into(),
                first_line: 3
            }
        );
    }

    #[test]
    fn cell_magic_takes_the_body() {
        let cell = parse_cell("%%lua n*\nprint(1)\nprint(2)").unwrap();
        let Cell::CellMagic { body, .. } = cell else {
            panic!("expected a cell magic")
        };
        assert_eq!(body, "print(1)\nprint(2)");
    }

    #[test]
    fn cell_magic_after_first_line_is_explained() {
        let error = parse_cell("%ring 4\n%%lua all\nprint(1)").unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.expected.contains("must be the first line of its own cell"));
    }

    #[test]
    fn indented_magic_is_a_magic() {
        let Cell::Segments(segments) = parse_cell("  %nodes").unwrap() else {
            panic!("expected segments")
        };
        assert!(matches!(segments[0], Segment::Magic { .. }));
    }

    #[test]
    fn cell_error_names_the_line() {
        let error = parse_cell("print(1)\n%mesh 4by4").unwrap_err();
        assert_eq!(error.line, 2);
        assert_eq!(error.column, 7);
    }
}
