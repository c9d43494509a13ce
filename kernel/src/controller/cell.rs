//! Running one cell: parse it into Lua chunks and magics, run them in order,
//! route node output into the cell while it runs, and turn the outcome into
//! an execute_result or one error message.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use jupyter_protocol::ErrorOutput;
use mlua::{Lua, MultiValue};
use vnet::{ConsoleLine, Stream};
use vnetos_magics::{parse_cell, Cell, Segment};

use super::lua_env::{is_stream_file, INTERRUPTED};
use super::repr::repr;
use super::{magic, CellContext, ExecuteOutcome, Shared};
use crate::iopub::{plain, Outbox};

/// The chunk name of cell code, so Lua errors read `cell:3: ...`.
pub const CELL_CHUNK: &str = "cell";

/// A failure that ends the cell, with the error name Jupyter shows.
pub struct CellError {
    pub ename: &'static str,
    pub message: String,
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl CellError {
    pub fn new(ename: &'static str, message: impl Into<String>) -> Self {
        CellError {
            ename,
            message: message.into(),
        }
    }

    pub fn interrupted() -> Self {
        CellError::new(
            "Interrupted",
            "the cell was interrupted; programs it started were stopped",
        )
    }
}

pub fn execute(
    lua: &Lua,
    shared: &Shared,
    code: &str,
    outbox: Outbox,
    execution_count: usize,
    allow_stdin: bool,
) -> ExecuteOutcome {
    shared.interrupt.store(false, Ordering::Release);
    *shared.cell.lock().expect("cell lock") = Some(CellContext {
        outbox: outbox.clone(),
        allow_stdin,
    });
    shared.watched.lock().expect("watched lock").clear();
    shared.started.lock().expect("started lock").clear();
    let sink_outbox = outbox.clone();
    let watched = shared.watched.clone();
    shared.network.set_console_sink(Some(Arc::new(move |line: &ConsoleLine| {
        if watched.lock().expect("watched lock").contains(&line.node) {
            stream_line(&sink_outbox, line);
        }
    })));

    let result = run_cell(lua, shared, code, &outbox, execution_count);
    if result.is_err() && shared.interrupted() {
        stop_started(shared);
    }

    // Detach the cell before replying: from here on node output stays in the
    // node consoles and cannot land in this cell.
    shared.network.set_console_sink(None);
    *shared.cell.lock().expect("cell lock") = None;

    match result {
        Ok(result) => ExecuteOutcome::Ok { result },
        Err(error) => {
            let error = if shared.interrupted() {
                CellError::interrupted()
            } else {
                error
            };
            let output = error_output(&error);
            outbox.error(&output);
            ExecuteOutcome::Error(output)
        }
    }
}

/// Stops the programs this cell started that still run, after an interrupt.
fn stop_started(shared: &Shared) {
    let names: Vec<String> = std::mem::take(&mut *shared.started.lock().expect("started lock"));
    let running: Vec<String> = names
        .into_iter()
        .filter(|name| shared.network.node(name).is_ok_and(|node| !node.state.is_finished()))
        .collect();
    shared.network.stop(&running);
    shared.network.wait(&running, Some(std::time::Duration::from_secs(1)), &|| false);
}

fn stream_line(outbox: &Outbox, line: &ConsoleLine) {
    let text = format!("{}: {}\n", line.node, line.text);
    match line.stream {
        Stream::Stdout => outbox.stdout(&text),
        Stream::Stderr => outbox.stderr(&text),
    }
}

fn error_output(error: &CellError) -> ErrorOutput {
    let mut traceback = vec![format!("\x1b[0;31m{}\x1b[0m: {}", error.ename, first_line(&error.message))];
    traceback.extend(error.message.lines().skip(1).map(str::to_string));
    ErrorOutput {
        ename: error.ename.to_string(),
        evalue: error.message.clone(),
        traceback,
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Runs the parts of a cell in order; returns the text of its execute_result.
fn run_cell(
    lua: &Lua,
    shared: &Shared,
    code: &str,
    outbox: &Outbox,
    execution_count: usize,
) -> Result<Option<String>, CellError> {
    let cell = parse_cell(code).map_err(|error| CellError::new("MagicError", error.to_string()))?;
    match cell {
        Cell::CellMagic { magic, body } => magic::run_cell_magic(shared, &magic, &body).map(|()| None),
        Cell::Segments(segments) => {
            let mut result = None;
            let count = segments.len();
            for (index, segment) in segments.into_iter().enumerate() {
                let last = index + 1 == count;
                match segment {
                    Segment::Magic { magic, .. } => magic::run_line_magic(lua, shared, &magic)?,
                    Segment::Lua { code, first_line } => {
                        let values = run_lua(lua, &code, first_line, last)?;
                        let only_files = values.iter().all(|value| is_stream_file(lua, value));
                        if last && !values.is_empty() && !only_files {
                            let text: Vec<String> = values.iter().map(repr).collect();
                            let text = text.join("\t");
                            outbox.execute_result(execution_count, plain(&text));
                            result = Some(text);
                        }
                    }
                }
            }
            Ok(result)
        }
    }
}

/// Runs a Lua chunk that starts at `first_line` of the cell. When it is the
/// last part of the cell and its last line is an expression, that
/// expression's values are returned.
fn run_lua(lua: &Lua, code: &str, first_line: usize, last: bool) -> Result<MultiValue, CellError> {
    let padding = "\n".repeat(first_line.saturating_sub(1));
    let as_written = format!("{padding}{code}");
    let chunk_name = format!("={CELL_CHUNK}");

    let function = if last {
        let with_return = expression_form(code).map(|code| format!("{padding}{code}"));
        with_return
            .and_then(|source| lua.load(source).set_name(&chunk_name).into_function().ok())
            .map(Ok)
            .unwrap_or_else(|| lua.load(&as_written).set_name(&chunk_name).into_function())
    } else {
        lua.load(&as_written).set_name(&chunk_name).into_function()
    };
    let function = function.map_err(|error| lua_error(&error))?;
    function.call::<MultiValue>(()).map_err(|error| lua_error(&error))
}

/// The chunk with `return` before its last line, if that line could be an
/// expression; the caller falls back to the chunk as written when this form
/// does not compile.
fn expression_form(code: &str) -> Option<String> {
    let trimmed = code.trim_end();
    let (head, last) = match trimmed.rfind('\n') {
        Some(index) => (&trimmed[..=index], &trimmed[index + 1..]),
        None => ("", trimmed),
    };
    let statement = last.trim();
    let keyword = statement.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or("");
    const STATEMENTS: &[&str] = &[
        "local", "return", "end", "if", "for", "while", "repeat", "until", "function", "do", "goto", "break", "else",
        "elseif",
    ];
    if statement.is_empty() || STATEMENTS.contains(&keyword) || statement.starts_with("--") {
        return None;
    }
    Some(format!("{head}return {statement}"))
}

fn lua_error(error: &mlua::Error) -> CellError {
    let message = describe(error);
    if message.ends_with(INTERRUPTED) {
        return CellError::interrupted();
    }
    CellError::new("LuaError", message)
}

/// Builds the Lua message, keeping mlua's traceback only for frames in the cell.
fn describe(error: &mlua::Error) -> String {
    match error {
        mlua::Error::CallbackError { cause, traceback } => with_cell_frames(describe(cause), traceback.lines()),
        mlua::Error::RuntimeError(message) | mlua::Error::SyntaxError { message, .. } => {
            let mut lines = message.lines();
            let first = lines.next().unwrap_or("").to_string();
            with_cell_frames(first, lines)
        }
        mlua::Error::WithContext { cause, .. } => describe(cause),
        mlua::Error::MemoryError(_) => format!(
            "the controller's memory limit of {} MiB was reached; the cell's data was freed and the kernel goes on",
            super::lua_env::CONTROLLER_MEMORY_LIMIT / (1024 * 1024)
        ),
        other => other.to_string(),
    }
}

/// Appends the traceback lines that point into the cell, if there are any.
fn with_cell_frames<'a>(mut message: String, traceback: impl Iterator<Item = &'a str>) -> String {
    let prefix = format!("{CELL_CHUNK}:");
    // A lone "in main chunk" frame repeats the line the message already names.
    let frames: Vec<&str> = traceback
        .filter(|line| line.trim_start().starts_with(&prefix) && !line.ends_with("in main chunk"))
        .collect();
    if !frames.is_empty() {
        message.push_str("\nstack traceback:");
        for frame in frames {
            message.push('\n');
            message.push_str(frame);
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expression_form_returns_last_line() {
        assert_eq!(expression_form("x = 1\nx + 1").as_deref(), Some("x = 1\nreturn x + 1"));
        assert_eq!(expression_form("1 + 1").as_deref(), Some("return 1 + 1"));
        assert_eq!(expression_form("local x = 1"), None);
        assert_eq!(expression_form("f()\nend"), None);
    }
}
