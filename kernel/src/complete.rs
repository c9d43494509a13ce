//! Completion and inspection. On a magic line they offer magic names,
//! options and node names; in Lua they offer globals, keywords and the
//! members of tables reached by a dotted name, read from the controller VM.
//! Cursor positions count Unicode code points, as the protocol requires.

use jupyter_protocol::{CompleteReply, InspectReply};
use mlua::{Lua, Table, Value};
use serde_json::Value as Json;
use vnet::Network;
use vnetos_magics::{find_magic, MAGICS};

use crate::api_docs::API_DOCS;
use crate::iopub::media;

const LUA_KEYWORDS: &[&str] = &[
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in", "local", "nil",
    "not", "or", "repeat", "return", "then", "true", "until", "while",
];

/// Names a node program can call, offered in `%%lua` cells.
const NODE_API: &[&str] = &[
    "print", "me", "ports", "send", "broadcast", "sendto", "hops", "recv", "sleep", "now", "spawn", "chan", "select",
    "after", "rpc", "emit", "string", "table", "math", "coroutine", "utf8", "os", "pairs", "ipairs", "tostring", "tonumber",
    "type", "error", "pcall", "assert", "select", "next", "setmetatable", "getmetatable", "rawget", "rawset",
];

/// True when the cursor is in the body of a `%%lua` cell.
fn in_program_body(code: &str, line_start: usize) -> bool {
    code.trim_start().starts_with("%%lua") && line_start > code.len() - code.trim_start().len()
}

/// Returns the line around `cursor`: its characters, where it starts, and
/// the cursor's offset in it.
fn line_at(code: &str, cursor: usize) -> (Vec<char>, usize, usize) {
    let chars: Vec<char> = code.chars().collect();
    let cursor = cursor.min(chars.len());
    let start = chars[..cursor].iter().rposition(|c| *c == '\n').map_or(0, |index| index + 1);
    let end = chars[cursor..].iter().position(|c| *c == '\n').map_or(chars.len(), |index| cursor + index);
    (chars[start..end].to_vec(), start, cursor - start)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

pub fn complete(lua: &Lua, network: &Network, code: &str, cursor: usize) -> CompleteReply {
    let (line, line_start, offset) = line_at(code, cursor);
    let before: String = line[..offset].iter().collect();
    let (word_start, matches) = if before.trim_start().starts_with('%') {
        complete_magic(network, &before)
    } else if in_program_body(code, line_start) {
        complete_program(network, &before)
    } else {
        complete_lua(lua, network, &before)
    };
    let mut matches = matches;
    matches.sort();
    matches.dedup();
    CompleteReply {
        matches,
        cursor_start: line_start + word_start,
        cursor_end: line_start + offset,
        ..Default::default()
    }
}

/// Returns the offset in `before` where the replaced word starts, and the
/// candidates for it.
fn complete_magic(network: &Network, before: &str) -> (usize, Vec<String>) {
    let word_start = before.rfind(char::is_whitespace).map_or(0, |index| index + 1);
    let word = &before[word_start..];
    let char_start = before[..word_start].chars().count();
    if word_start == 0 {
        let names = MAGICS
            .iter()
            .map(|spec| spec.invocation())
            .filter(|name| name.starts_with(word))
            .collect();
        return (char_start, names);
    }
    let magic_name = before.split_whitespace().next().unwrap_or("");
    let Some(spec) = find_magic(magic_name) else {
        return (char_start, Vec::new());
    };
    if word.starts_with('-') {
        let options = spec.options.iter().filter(|option| option.starts_with(word)).map(|s| s.to_string()).collect();
        return (char_start, options);
    }
    let position = before.split_whitespace().count() - usize::from(!word.is_empty());
    if position == 1 && spec.name == "help" {
        let names = MAGICS.iter().map(|spec| spec.name.to_string()).filter(|name| name.starts_with(word)).collect();
        return (char_start, names);
    }
    if position == 1 && !spec.subcommands.is_empty() {
        let subcommands = spec.subcommands.iter().filter(|s| s.starts_with(word)).map(|s| s.to_string()).collect();
        return (char_start, subcommands);
    }
    if let Some((node, port)) = word.split_once(':') {
        let ports = network
            .node(node)
            .map(|info| info.ports.into_iter().map(|p| p.name).filter(|name| name.starts_with(port)).collect())
            .unwrap_or_default();
        let port_start = char_start + node.chars().count() + 1;
        return (port_start, ports);
    }
    // After a comma in a target list, complete the part after it.
    let part_start = word.rfind(',').map_or(0, |index| index + 1);
    let part = &word[part_start..];
    let mut names: Vec<String> = network.node_names().into_iter().filter(|name| name.starts_with(part)).collect();
    if "all".starts_with(part) && spec.name == "lua" {
        names.push("all".into());
    }
    (char_start + word[..part_start].chars().count(), names)
}

/// Completion in a node program: the node API, Lua keywords and, inside a
/// string, node and port names.
fn complete_program(network: &Network, before: &str) -> (usize, Vec<String>) {
    let chars: Vec<char> = before.chars().collect();
    let quotes = chars.iter().filter(|c| **c == '"').count();
    if quotes % 2 == 1 {
        let start = chars.iter().rposition(|c| *c == '"').map_or(0, |index| index + 1);
        let partial: String = chars[start..].iter().collect();
        let mut names: Vec<String> = network.node_names();
        names.extend(["north", "east", "south", "west", "prev", "next"].map(String::from));
        return (start, names.into_iter().filter(|name| name.starts_with(&partial)).collect());
    }
    let mut start = chars.len();
    while start > 0 && is_word_char(chars[start - 1]) {
        start -= 1;
    }
    let partial: String = chars[start..].iter().collect();
    let names = NODE_API
        .iter()
        .chain(LUA_KEYWORDS)
        .filter(|name| name.starts_with(&partial))
        .map(|name| name.to_string())
        .collect();
    (start, names)
}

fn complete_lua(lua: &Lua, network: &Network, before: &str) -> (usize, Vec<String>) {
    let chars: Vec<char> = before.chars().collect();

    // Inside a string literal, offer node names: net.result("n0_...
    let quotes = chars.iter().filter(|c| **c == '"').count();
    if quotes % 2 == 1 {
        let start = chars.iter().rposition(|c| *c == '"').map_or(0, |index| index + 1);
        let partial: String = chars[start..].iter().collect();
        let names = network.node_names().into_iter().filter(|name| name.starts_with(&partial)).collect();
        return (start, names);
    }

    let mut start = chars.len();
    while start > 0 && (is_word_char(chars[start - 1]) || chars[start - 1] == '.' || chars[start - 1] == ':') {
        start -= 1;
    }
    let expression: String = chars[start..].iter().collect();
    match expression.rfind(['.', ':']) {
        Some(split) => {
            let path = &expression[..split];
            let partial = &expression[split + 1..];
            let member_start = start + expression[..=split].chars().count();
            let members = table_at(lua, path).map(|table| keys_with_prefix(&table, partial)).unwrap_or_default();
            (member_start, members)
        }
        None => {
            let mut names = keys_with_prefix(&lua.globals(), &expression);
            names.extend(LUA_KEYWORDS.iter().filter(|k| k.starts_with(&expression)).map(|k| k.to_string()));
            (start, names)
        }
    }
}

/// Follows a dotted name from the globals, without calling anything.
fn table_at(lua: &Lua, path: &str) -> Option<Table> {
    let mut table = lua.globals();
    for part in path.split(['.', ':']) {
        match table.raw_get::<Value>(part).ok()? {
            Value::Table(inner) => table = inner,
            _ => return None,
        }
    }
    Some(table)
}

fn keys_with_prefix(table: &Table, prefix: &str) -> Vec<String> {
    table
        .pairs::<Value, Value>()
        .flatten()
        .filter_map(|(key, _)| match key {
            Value::String(name) => Some(name.to_string_lossy()),
            _ => None,
        })
        .filter(|name| name.starts_with(prefix) && !name.starts_with("__"))
        .collect()
}

pub fn inspect(lua: &Lua, network: &Network, code: &str, cursor: usize) -> InspectReply {
    let (line, _, offset) = line_at(code, cursor);
    let text = inspect_text(lua, network, &line, offset);
    match text {
        Some(text) => InspectReply {
            found: true,
            data: media([("text/plain".to_string(), Json::String(text))]),
            ..Default::default()
        },
        None => InspectReply::default(),
    }
}

fn inspect_text(lua: &Lua, network: &Network, line: &[char], offset: usize) -> Option<String> {
    let text: String = line.iter().collect();
    let is_name_char = |c: char| is_word_char(c) || c == '.' || c == '%' || c == '-';
    let offset = offset.min(line.len());
    let mut start = offset;
    while start > 0 && is_name_char(line[start - 1]) {
        start -= 1;
    }
    let mut end = offset;
    while end < line.len() && is_name_char(line[end]) {
        end += 1;
    }
    let word: String = line[start..end].iter().collect();

    if text.starts_with('%') && start == 0 {
        return find_magic(&word).map(|spec| spec.help());
    }
    if text.starts_with('%') || word.starts_with('%') {
        if let Some(spec) = find_magic(&word) {
            return Some(spec.help());
        }
    }
    if let Some((_, doc)) = API_DOCS.iter().find(|(name, _)| *name == word) {
        return Some(doc.to_string());
    }
    if let Ok(info) = network.node(&word) {
        let ports: Vec<String> = info
            .ports
            .iter()
            .map(|port| match &port.peer {
                Some((node, peer_port)) => format!("{} -> {node}:{peer_port}", port.name),
                None => format!("{} (unlinked)", port.name),
            })
            .collect();
        let mut text = format!(
            "node {} (id {}, {} VM) at {},{}\nstate: {}\nports: {}\nmessages: {} sent, {} received",
            info.name,
            info.id,
            info.vm.as_str(),
            info.position.0,
            info.position.1,
            info.state.as_str(),
            ports.join(", "),
            info.stats.sent,
            info.stats.received
        );
        if let Some(error) = info.error {
            text.push_str(&format!("\nerror: {error}"));
        }
        return Some(text);
    }
    let word = word.trim_start_matches('%');
    let (path, name) = match word.rfind('.') {
        Some(split) => (&word[..split], &word[split + 1..]),
        None => ("", word),
    };
    let table = if path.is_empty() { Some(lua.globals()) } else { table_at(lua, path) };
    let value: Value = table?.raw_get(name).ok()?;
    match value {
        Value::Nil => None,
        Value::Function(_) => Some(format!("{word}: function")),
        Value::Table(table) => {
            let mut keys = keys_with_prefix(&table, "");
            keys.sort();
            Some(format!("{word}: table with fields {}", keys.join(", ")))
        }
        other => Some(format!(
            "{word}: {} = {}",
            other.type_name(),
            crate::controller::repr_value(&other)
        )),
    }
}

/// is_complete: magic lines are complete as typed; Lua is incomplete when the
/// parser stops at the end of the input, invalid on any other syntax error.
pub fn is_complete(code: &str) -> jupyter_protocol::IsCompleteReply {
    use jupyter_protocol::IsCompleteReply;
    if code.trim_start().starts_with("%%") {
        return match vnetos_magics::parse_cell(code) {
            Ok(vnetos_magics::Cell::CellMagic { body, .. }) => lua_status(&body),
            Ok(_) => IsCompleteReply::complete(),
            Err(_) => IsCompleteReply::invalid(),
        };
    }
    if vnetos_magics::parse_cell(code).is_err() {
        return IsCompleteReply::invalid();
    }
    let lua_only: Vec<&str> =
        code.lines().map(|line| if line.trim_start().starts_with('%') { "" } else { line }).collect();
    lua_status(&lua_only.join("\n"))
}

/// complete, incomplete (the parser stopped at the end) or invalid Lua.
fn lua_status(source: &str) -> jupyter_protocol::IsCompleteReply {
    use jupyter_protocol::IsCompleteReply;
    let lua = Lua::new_with(mlua::StdLib::NONE, mlua::LuaOptions::default()).expect("an empty Lua VM");
    let source = source.to_string();
    let as_expression = format!("return {source}");
    if lua.load(as_expression).into_function().is_ok() {
        return IsCompleteReply::complete();
    }
    match lua.load(source).into_function() {
        Ok(_) => IsCompleteReply::complete(),
        Err(mlua::Error::SyntaxError {
            incomplete_input: true, ..
        }) => IsCompleteReply::incomplete("  ".to_string()),
        Err(_) => IsCompleteReply::invalid(),
    }
}
