//! Message values are JSON-shaped: nil, booleans, numbers, strings, arrays and
//! maps. Converting here, rather than through a generic serializer, lets the
//! error name the Lua type that cannot travel and catch tables that contain
//! themselves.

use mlua::{Lua, Table, Value};
use serde_json::{Map, Number, Value as Json};

/// Deepest nesting of tables a message may have.
const MAX_DEPTH: usize = 64;

/// Converts a Lua value into JSON, or explains which part cannot be sent.
pub fn lua_to_json(value: &Value) -> Result<Json, String> {
    let mut path = Vec::new();
    convert(value, &mut path)
}

fn convert(value: &Value, path: &mut Vec<*const std::ffi::c_void>) -> Result<Json, String> {
    match value {
        Value::Nil => Ok(Json::Null),
        Value::Boolean(flag) => Ok(Json::Bool(*flag)),
        Value::Integer(integer) => Ok(Json::Number((*integer).into())),
        Value::Number(number) => Number::from_f64(*number)
            .map(Json::Number)
            .ok_or_else(|| format!("the number {number} has no JSON form; send a finite number")),
        Value::String(text) => text
            .to_str()
            .map(|text| Json::String(text.to_string()))
            .map_err(|_| "a string that is not valid UTF-8; encode binary data first".to_string()),
        Value::Table(table) => convert_table(table, path),
        other => Err(format!(
            "a value of type {} cannot be sent; messages carry booleans, numbers, strings and tables of those",
            other.type_name()
        )),
    }
}

fn convert_table(table: &Table, path: &mut Vec<*const std::ffi::c_void>) -> Result<Json, String> {
    let pointer = table.to_pointer();
    if path.contains(&pointer) {
        return Err("a table that contains itself (a cycle) cannot be sent".to_string());
    }
    if path.len() == MAX_DEPTH {
        return Err(format!("tables nested deeper than {MAX_DEPTH} levels cannot be sent"));
    }
    path.push(pointer);

    let mut items: Vec<(i64, Value)> = Vec::new();
    let mut fields: Vec<(String, Value)> = Vec::new();
    for pair in table.pairs::<Value, Value>() {
        let (key, item) = pair.map_err(|error| error.to_string())?;
        match key {
            Value::Integer(index) if index >= 1 => items.push((index, item)),
            Value::String(text) => fields.push((text.to_string_lossy(), item)),
            other => {
                return Err(format!(
                    "a table key {} cannot be sent; use string keys, or positive integer keys for an array",
                    describe_key(&other)
                ))
            }
        }
    }

    let result = if !items.is_empty() && !fields.is_empty() {
        return Err(
            "a table with both array items and named keys cannot be sent; put the items in a field, as in {items = {...}}"
                .to_string(),
        );
    } else if !items.is_empty() {
        // Holes become null (nil on arrival), as long as the array is not
        // mostly holes.
        let largest = items.iter().map(|(index, _)| *index).max().unwrap_or(0) as usize;
        if largest > 2 * items.len() + 16 {
            return Err(format!(
                "a sparse array (largest index {largest}, {} items) cannot be sent; use string keys for it",
                items.len()
            ));
        }
        let mut array = vec![Json::Null; largest];
        for (index, item) in &items {
            array[*index as usize - 1] = convert(item, path)?;
        }
        Json::Array(array)
    } else {
        let mut map = Map::new();
        for (key, item) in &fields {
            map.insert(key.clone(), convert(item, path)?);
        }
        Json::Object(map)
    };
    path.pop();
    Ok(result)
}

/// Returns the size of `value` encoded as JSON, in bytes, without building
/// the encoded text.
pub fn encoded_size(value: &Json) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // serde_json fails only on writer errors and non-string map keys, and
    // this writer never fails and `Value` maps have string keys.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

fn describe_key(key: &Value) -> String {
    match key {
        Value::Integer(index) => format!("{index}"),
        Value::Number(number) => format!("{number}"),
        other => format!("of type {}", other.type_name()),
    }
}

/// Converts JSON into a Lua value of the given VM.
pub fn json_to_lua(lua: &Lua, value: &Json) -> mlua::Result<Value> {
    Ok(match value {
        Json::Null => Value::Nil,
        Json::Bool(flag) => Value::Boolean(*flag),
        Json::Number(number) => match number.as_i64() {
            Some(integer) => Value::Integer(integer),
            None => Value::Number(number.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(text) => Value::String(lua.create_string(text)?),
        Json::Array(items) => {
            let table = lua.create_table_with_capacity(items.len(), 0)?;
            for (index, item) in items.iter().enumerate() {
                table.raw_set(index + 1, json_to_lua(lua, item)?)?;
            }
            Value::Table(table)
        }
        Json::Object(map) => {
            let table = lua.create_table_with_capacity(0, map.len())?;
            for (key, item) in map {
                table.raw_set(key.as_str(), json_to_lua(lua, item)?)?;
            }
            Value::Table(table)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(lua: &Lua, code: &str) -> Value {
        lua.load(code).eval().unwrap()
    }

    #[test]
    fn value_round_trips_tables() {
        let lua = Lua::new();
        let value = eval(&lua, "return {id = 3, path = {1, 2, 'x'}, ok = true}");
        let json = lua_to_json(&value).unwrap();
        assert_eq!(json, serde_json::json!({"id": 3, "path": [1, 2, "x"], "ok": true}));
        let back = json_to_lua(&lua, &json).unwrap();
        assert_eq!(lua_to_json(&back).unwrap(), json);
    }

    #[test]
    fn value_rejects_function_naming_type() {
        let lua = Lua::new();
        let error = lua_to_json(&eval(&lua, "return {f = print}")).unwrap_err();
        assert!(error.contains("type function"), "{error}");
    }

    #[test]
    fn value_keeps_holes_and_rejects_mixed() {
        let lua = Lua::new();
        let holes = lua_to_json(&eval(&lua, "return {1, 2, nil, 4}")).unwrap();
        assert_eq!(holes, serde_json::json!([1, 2, null, 4]));
        let error = lua_to_json(&eval(&lua, "return {a = 1, [1] = 2}")).unwrap_err();
        assert!(error.contains("both array items and named keys"), "{error}");
        let error = lua_to_json(&eval(&lua, "return {[1000] = 1}")).unwrap_err();
        assert!(error.contains("sparse array (largest index 1000, 1 items)"), "{error}");
        let error = lua_to_json(&eval(&lua, "return {[0.5] = 1}")).unwrap_err();
        assert!(error.contains("a table key 0.5 cannot be sent"), "{error}");
        assert_eq!(lua_to_json(&eval(&lua, "return {}")).unwrap(), serde_json::json!({}));
    }

    #[test]
    fn value_rejects_cycle() {
        let lua = Lua::new();
        let error = lua_to_json(&eval(&lua, "local t = {} t.self = t return t")).unwrap_err();
        assert!(error.contains("cycle"), "{error}");
    }
}
