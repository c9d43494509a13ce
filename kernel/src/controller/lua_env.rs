//! The controller VM: standard Lua 5.4 whose console functions speak Jupyter.
//! `print` and `io.write` go to stdout, `io.stderr:write` to stderr,
//! `io.read` requests input from the front end, and `display`, `update_display`
//! and `clear_output` publish rich output.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use mlua::{HookTriggers, Lua, MultiValue, StdLib, Table, Value, VmState};
use serde_json::Value as Json;

use super::{net_api, Shared};
use crate::iopub::{media, Outbox};
use crate::stdin::InputAsk;

/// Instructions between two checks of the interrupt flag.
const HOOK_INSTRUCTIONS: u32 = 10_000;

const STDOUT_KEY: &str = "vnetos.stdout";
const STDERR_KEY: &str = "vnetos.stderr";

/// True for `io.stdout` and `io.stderr`, which `write` returns for chaining:
/// a cell ending in `io.stderr:write(...)` should not display the file.
pub fn is_stream_file(lua: &Lua, value: &Value) -> bool {
    let Value::Table(table) = value else { return false };
    [STDOUT_KEY, STDERR_KEY].iter().any(|key| {
        lua.named_registry_value::<Table>(key)
            .is_ok_and(|file| file.to_pointer() == table.to_pointer())
    })
}

/// The error a Lua cell fails with when it is interrupted.
pub const INTERRUPTED: &str = "interrupted";

/// Memory the controller VM may allocate: enough for any analysis of a
/// network's results, and far from taking the machine down.
pub const CONTROLLER_MEMORY_LIMIT: usize = 1024 * 1024 * 1024;

pub fn create(shared: &Shared) -> mlua::Result<Lua> {
    let lua = Lua::new_with(StdLib::ALL_SAFE, mlua::LuaOptions::default())?;
    lua.set_memory_limit(CONTROLLER_MEMORY_LIMIT)?;
    install_output(&lua, shared)?;
    install_io(&lua, shared)?;
    install_display(&lua, shared)?;
    net_api::install(&lua, shared)?;

    let interrupt = shared.interrupt.clone();
    lua.set_global_hook(
        HookTriggers::new().every_nth_instruction(HOOK_INSTRUCTIONS),
        move |_, _| {
            if interrupt.load(Ordering::Acquire) {
                Err(mlua::Error::runtime(INTERRUPTED))
            } else {
                Ok(VmState::Continue)
            }
        },
    )?;
    Ok(lua)
}

/// Joins values as Lua's `print` does: `tostring` of each, tab-separated.
fn join_values(lua: &Lua, values: MultiValue, separator: &str) -> mlua::Result<String> {
    let tostring: mlua::Function = lua.globals().get("tostring")?;
    let mut parts = Vec::with_capacity(values.len());
    for value in values {
        parts.push(tostring.call::<String>(value)?);
    }
    Ok(parts.join(separator))
}

fn install_output(lua: &Lua, shared: &Shared) -> mlua::Result<()> {
    let print_shared = shared.clone();
    lua.globals().set(
        "print",
        lua.create_function(move |lua, values: MultiValue| {
            let line = join_values(lua, values, "\t")?;
            if let Some(outbox) = print_shared.outbox() {
                outbox.stdout(&format!("{line}\n"));
            }
            Ok(())
        })?,
    )?;
    Ok(())
}

/// Builds a file-like table whose `write` sends to one stream.
fn stream_file(lua: &Lua, shared: &Shared, stderr: bool) -> mlua::Result<Table> {
    let file = lua.create_table()?;
    let write_shared = shared.clone();
    file.set(
        "write",
        lua.create_function(move |lua, (this, values): (Value, MultiValue)| {
            let text = concat_writable(lua, values)?;
            if let Some(outbox) = write_shared.outbox() {
                if stderr {
                    outbox.stderr(&text);
                } else {
                    outbox.stdout(&text);
                }
            }
            Ok(this)
        })?,
    )?;
    file.set("flush", lua.create_function(|_, this: Value| Ok(this))?)?;
    file.set("close", lua.create_function(|_, _: MultiValue| Ok(true))?)?;
    Ok(file)
}

/// `io.write` accepts only strings and numbers, as in standard Lua.
fn concat_writable(lua: &Lua, values: MultiValue) -> mlua::Result<String> {
    let mut text = String::new();
    for (index, value) in values.into_iter().enumerate() {
        match &value {
            Value::String(s) => text.push_str(&s.to_str()?),
            Value::Integer(_) | Value::Number(_) => text.push_str(&join_values(lua, MultiValue::from_vec(vec![value]), "")?),
            other => {
                return Err(mlua::Error::runtime(format!(
                    "bad argument #{} to 'write' (string expected, got {})",
                    index + 1,
                    other.type_name()
                )))
            }
        }
    }
    Ok(text)
}

fn install_io(lua: &Lua, shared: &Shared) -> mlua::Result<()> {
    let io: Table = lua.globals().get("io")?;
    let stdout = stream_file(lua, shared, false)?;
    let stderr = stream_file(lua, shared, true)?;
    let write: mlua::Function = stdout.get("write")?;
    let stdout_for_write = stdout.clone();
    io.set(
        "write",
        lua.create_function(move |_, values: MultiValue| {
            let mut arguments = vec![Value::Table(stdout_for_write.clone())];
            arguments.extend(values);
            write.call::<Value>(MultiValue::from_vec(arguments))
        })?,
    )?;
    lua.set_named_registry_value(STDOUT_KEY, stdout.clone())?;
    lua.set_named_registry_value(STDERR_KEY, stderr.clone())?;
    io.set("stdout", stdout)?;
    io.set("stderr", stderr)?;

    let read_shared = shared.clone();
    let read = lua.create_function(move |lua, format: Option<Value>| read_input(lua, &read_shared, format))?;
    io.set("read", read.clone())?;
    let stdin = lua.create_table()?;
    stdin.set(
        "read",
        lua.create_function(move |_, (_this, format): (Value, Option<Value>)| read.call::<Value>(format))?,
    )?;
    io.set("stdin", stdin)?;
    Ok(())
}

/// A format of `io.read` this kernel supports.
enum ReadFormat {
    /// "l": a line without its newline.
    Line,
    /// "L": a line with its newline.
    LineWithNewline,
    /// "n": a number (an integer when the text is one), or nil.
    Number,
    /// A count: the first characters of the line, up to that many.
    Count(usize),
}

fn read_format(format: Option<Value>) -> mlua::Result<ReadFormat> {
    const EXPECTED: &str = "io.read: format must be \"l\", \"L\", \"n\" or a count";
    match format {
        None | Some(Value::Nil) => Ok(ReadFormat::Line),
        Some(Value::String(text)) => match text.to_str()?.trim_start_matches('*') {
            "l" => Ok(ReadFormat::Line),
            "L" => Ok(ReadFormat::LineWithNewline),
            "n" => Ok(ReadFormat::Number),
            other => Err(mlua::Error::runtime(format!(
                "{EXPECTED}, got \"{other}\" (reading all input with \"a\" is not supported by a notebook front end)"
            ))),
        },
        Some(Value::Integer(count)) if count >= 0 => Ok(ReadFormat::Count(count as usize)),
        Some(other) => Err(mlua::Error::runtime(format!("{EXPECTED}, got a {}", other.type_name()))),
    }
}

/// `io.read([format])`: requests one line from the front end and converts
/// it to `format`. The format is checked before the request is sent.
fn read_input(lua: &Lua, shared: &Shared, format: Option<Value>) -> mlua::Result<Value> {
    let format = read_format(format)?;
    let (outbox, allow_stdin) = {
        let cell = shared.cell.lock().expect("cell lock");
        match cell.as_ref() {
            Some(cell) => (cell.outbox.clone(), cell.allow_stdin),
            None => return Err(mlua::Error::runtime("io.read: no cell is running")),
        }
    };
    if !allow_stdin {
        return Err(mlua::Error::runtime(
            "io.read: this front end does not accept input (allow_stdin is false); pass the value in the cell instead",
        ));
    }
    let line = ask_input(shared, &outbox, "")?;
    match format {
        ReadFormat::Line => Ok(Value::String(lua.create_string(&line)?)),
        ReadFormat::LineWithNewline => Ok(Value::String(lua.create_string(format!("{line}\n"))?)),
        ReadFormat::Number => {
            let text = line.trim();
            if let Ok(integer) = text.parse::<i64>() {
                Ok(Value::Integer(integer))
            } else {
                Ok(text.parse::<f64>().map(Value::Number).unwrap_or(Value::Nil))
            }
        }
        ReadFormat::Count(count) => {
            let prefix: String = line.chars().take(count).collect();
            Ok(Value::String(lua.create_string(prefix)?))
        }
    }
}

fn ask_input(shared: &Shared, outbox: &Outbox, prompt: &str) -> mlua::Result<String> {
    let (reply, answer) = mpsc::channel();
    let ask = InputAsk {
        parent: outbox.parent().clone(),
        prompt: prompt.to_string(),
        password: false,
        reply,
    };
    if shared.stdin.send(ask).is_err() {
        return Err(mlua::Error::runtime("io.read: the stdin channel is closed"));
    }
    loop {
        if shared.interrupted() {
            return Err(mlua::Error::runtime(INTERRUPTED));
        }
        match answer.recv_timeout(Duration::from_millis(50)) {
            Ok(Ok(line)) => return Ok(line),
            Ok(Err(message)) => return Err(mlua::Error::runtime(format!("io.read: {message}"))),
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(mlua::Error::runtime("io.read: the stdin channel is closed"))
            }
        }
    }
}

/// Converts `display`'s argument into a MIME bundle: a string is plain text,
/// a table maps MIME types to content (strings, or tables sent as JSON).
fn bundle(lua: &Lua, value: Value) -> mlua::Result<jupyter_protocol::Media> {
    match value {
        Value::Table(table) => {
            let mut entries = Vec::new();
            for pair in table.pairs::<String, Value>() {
                let (mime, content) = pair?;
                let content = match content {
                    Value::String(text) => Json::String(text.to_str()?.to_string()),
                    other if mime.starts_with("text/") || mime.ends_with("+xml") => {
                        return Err(mlua::Error::runtime(format!(
                            "display: the content of {mime} must be a string, got a {}; use tostring(value)",
                            other.type_name()
                        )))
                    }
                    other => vnet::lua_to_json(&other).map_err(mlua::Error::runtime)?,
                };
                entries.push((mime, content));
            }
            if !entries.iter().any(|(mime, _)| mime == "text/plain") {
                let kinds: Vec<&str> = entries.iter().map(|(mime, _)| mime.as_str()).collect();
                let fallback = format!("<{}>", kinds.join(", "));
                entries.push(("text/plain".to_string(), Json::String(fallback)));
            }
            Ok(media(entries))
        }
        other => {
            let text = join_values(lua, MultiValue::from_vec(vec![other]), "")?;
            Ok(media([("text/plain".to_string(), Json::String(text))]))
        }
    }
}

fn install_display(lua: &Lua, shared: &Shared) -> mlua::Result<()> {
    let counter = std::sync::Arc::new(AtomicU64::new(0));

    let display_shared = shared.clone();
    lua.globals().set(
        "display",
        // Returns nothing, so a cell ending in display(...) shows the bundle
        // once; pass an id to update the display later.
        lua.create_function(move |lua, (value, id): (Value, Option<String>)| {
            let data = bundle(lua, value)?;
            let id = id.unwrap_or_else(|| format!("vnetos-{}", counter.fetch_add(1, Ordering::Relaxed)));
            if let Some(outbox) = display_shared.outbox() {
                outbox.display(data, Some(&id));
            }
            Ok(())
        })?,
    )?;

    let update_shared = shared.clone();
    lua.globals().set(
        "update_display",
        lua.create_function(move |lua, (id, value): (String, Value)| {
            let data = bundle(lua, value)?;
            if let Some(outbox) = update_shared.outbox() {
                outbox.update_display(data, &id);
            }
            Ok(())
        })?,
    )?;

    let clear_shared = shared.clone();
    lua.globals().set(
        "clear_output",
        lua.create_function(move |_, wait: Option<bool>| {
            if let Some(outbox) = clear_shared.outbox() {
                outbox.clear_output(wait.unwrap_or(false));
            }
            Ok(())
        })?,
    )?;
    Ok(())
}
