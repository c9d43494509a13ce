//! Text form of Lua values for `execute_result`: numbers and booleans as Lua
//! prints them, strings quoted, tables as constructors (keys sorted, nesting
//! and size bounded so a large table cannot flood the notebook).

use mlua::{Table, Value};

const MAX_DEPTH: usize = 4;
const MAX_ENTRIES: usize = 50;

pub fn repr(value: &Value) -> String {
    let mut seen = Vec::new();
    repr_at(value, 0, &mut seen)
}

fn repr_at(value: &Value, depth: usize, seen: &mut Vec<*const std::ffi::c_void>) -> String {
    match value {
        Value::Nil => "nil".into(),
        Value::Boolean(flag) => flag.to_string(),
        Value::Integer(integer) => integer.to_string(),
        Value::Number(number) => format_number(*number),
        Value::String(text) => format!("{:?}", text.to_string_lossy()),
        Value::Table(table) => repr_table(table, depth, seen),
        other => format!("{}: {:?}", other.type_name(), other.to_pointer()),
    }
}

/// Formats a float as Lua's `%.14g` does, keeping a `.0` on whole numbers.
fn format_number(number: f64) -> String {
    if number.is_nan() {
        return if number.is_sign_negative() { "-nan".into() } else { "nan".into() };
    }
    if number.is_infinite() {
        return if number > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if number == number.trunc() && number.abs() < 1e15 {
        return format!("{number:.1}");
    }
    let text = format!("{number:.14e}");
    let parsed: f64 = text.parse().unwrap_or(number);
    let plain = parsed.to_string();
    if plain.len() <= 17 {
        plain
    } else {
        format!("{parsed:e}")
    }
}

fn repr_table(table: &Table, depth: usize, seen: &mut Vec<*const std::ffi::c_void>) -> String {
    let pointer = table.to_pointer();
    if seen.contains(&pointer) {
        return "<cycle>".into();
    }
    if depth >= MAX_DEPTH {
        return "{...}".into();
    }
    seen.push(pointer);

    let length = table.raw_len();
    let mut parts = Vec::new();
    for index in 1..=length.min(MAX_ENTRIES) {
        let item: Value = table.raw_get(index).unwrap_or(Value::Nil);
        parts.push(repr_at(&item, depth + 1, seen));
    }
    let mut keyed: Vec<(String, Value)> = Vec::new();
    for (key, item) in table.pairs::<Value, Value>().flatten() {
        let in_sequence = matches!(key, Value::Integer(i) if i >= 1 && (i as usize) <= length);
        if in_sequence {
            continue;
        }
        let key_text = match &key {
            Value::String(text) => {
                let text = text.to_string_lossy();
                if is_identifier(&text) {
                    text
                } else {
                    format!("[{text:?}]")
                }
            }
            other => format!("[{}]", repr_at(other, MAX_DEPTH, seen)),
        };
        keyed.push((key_text, item));
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let total = length + keyed.len();
    for (key, item) in keyed.into_iter().take(MAX_ENTRIES.saturating_sub(parts.len())) {
        parts.push(format!("{key} = {}", repr_at(&item, depth + 1, seen)));
    }
    if total > parts.len() {
        parts.push(format!("... {} more", total - parts.len()));
    }
    seen.pop();
    format!("{{{}}}", parts.join(", "))
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlua::Lua;

    fn show(code: &str) -> String {
        let lua = Lua::new();
        repr(&lua.load(code).eval::<Value>().unwrap())
    }

    #[test]
    fn repr_of_scalars() {
        assert_eq!(show("1 + 1"), "2");
        assert_eq!(show("1 / 2"), "0.5");
        assert_eq!(show("2.0"), "2.0");
        assert_eq!(show("'hi'"), "\"hi\"");
        assert_eq!(show("nil"), "nil");
    }

    #[test]
    fn repr_of_tables() {
        assert_eq!(show("{1, 2, x = 'a', ['b c'] = true}"), "{1, 2, [\"b c\"] = true, x = \"a\"}");
        assert_eq!(show("local t = {} t.t = t return t"), "{t = <cycle>}");
    }
}
