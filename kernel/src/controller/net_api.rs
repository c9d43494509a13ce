//! The `net` table of the controller VM: read the network from plain Lua
//! cells, for checks and summaries that no magic covers.

use std::time::Duration;

use mlua::{Lua, Table, Value};
use vnet::{LinkProps, WaitOutcome};
use vnetos_magics::Selector;

use super::Shared;

fn network_error(error: vnet::Error) -> mlua::Error {
    mlua::Error::runtime(error.to_string())
}

/// Resolves the targets of `net.FUNCTION`: a selector string such as "n*"
/// or an array of node names.
fn targets(shared: &Shared, function: &str, value: Value) -> mlua::Result<Vec<String>> {
    match value {
        Value::String(text) => {
            let text = text.to_str()?.to_string();
            let selector = Selector::parse(&text, 1)
                .map_err(|error| mlua::Error::runtime(format!("net.{function}: invalid targets `{text}`: {error}")))?;
            super::magic::resolve_targets(shared, &selector).map_err(|error| mlua::Error::runtime(error.message))
        }
        Value::Table(list) => {
            let names: Vec<String> = list.sequence_values::<String>().collect::<mlua::Result<_>>()?;
            for name in &names {
                shared.network.node(name).map_err(network_error)?;
            }
            Ok(names)
        }
        other => Err(mlua::Error::runtime(format!(
            "net.{function} needs targets such as \"n*\" or {{\"n1\", \"n2\"}}, got a {}",
            other.type_name()
        ))),
    }
}

/// Rejects keys of an options table that `net.FUNCTION` does not know, so a
/// misspelled option is not silently ignored.
fn check_keys(function: &str, options: &Table, known: &[&str]) -> mlua::Result<()> {
    for pair in options.pairs::<Value, Value>() {
        let (key, _) = pair?;
        let name = match &key {
            Value::String(text) => text.to_str()?.to_string(),
            other => format!("{other:?}"),
        };
        if !known.contains(&name.as_str()) {
            return Err(mlua::Error::runtime(format!(
                "net.{function}: unknown option `{name}`; the options are {}",
                known.join(", ")
            )));
        }
    }
    Ok(())
}

/// Reads an optional number option, naming the option when it is not one.
fn number_option(function: &str, options: &Table, key: &str) -> mlua::Result<Option<f64>> {
    match options.get::<Value>(key)? {
        Value::Nil => Ok(None),
        Value::Integer(number) => Ok(Some(number as f64)),
        Value::Number(number) => Ok(Some(number)),
        other => Err(mlua::Error::runtime(format!(
            "net.{function}: option `{key}` needs a number, got a {}",
            other.type_name()
        ))),
    }
}

/// Reads a count argument, naming the function when it is not a positive integer.
fn count_argument(function: &str, what: &str, value: Value) -> mlua::Result<usize> {
    match value {
        Value::Integer(count) if count >= 0 => Ok(count as usize),
        Value::Number(count) if count >= 0.0 && count.fract() == 0.0 => Ok(count as usize),
        other => Err(mlua::Error::runtime(format!(
            "net.{function} needs {what} as a whole number of 0 or more, got {}",
            match other {
                Value::Integer(number) => number.to_string(),
                Value::Number(number) => number.to_string(),
                other => format!("a {}", other.type_name()),
            }
        ))),
    }
}

/// Reads `prefix` from an options table, "n" by default.
fn prefix_of(options: &Option<Table>) -> mlua::Result<String> {
    match options {
        Some(options) => Ok(options.get::<Option<String>>("prefix")?.unwrap_or_else(|| "n".to_string())),
        None => Ok("n".to_string()),
    }
}

/// Splits "node:port".
fn endpoint(function: &str, text: &str) -> mlua::Result<(String, String)> {
    text.split_once(':')
        .filter(|(node, port)| !node.is_empty() && !port.is_empty())
        .map(|(node, port)| (node.to_string(), port.to_string()))
        .ok_or_else(|| mlua::Error::runtime(format!("net.{function} needs NODE:PORT such as \"n0:p0\", got \"{text}\"")))
}

/// Checks the node name argument of `net.FUNCTION`.
fn node_name(function: &str, value: Value) -> mlua::Result<String> {
    match value {
        Value::String(name) => Ok(name.to_str()?.to_string()),
        other => Err(mlua::Error::runtime(format!(
            "net.{function} needs a node name such as \"n0\", got {}; net.nodes() lists the names",
            if other.is_nil() { "nothing".to_string() } else { format!("a {}", other.type_name()) }
        ))),
    }
}

pub fn install(lua: &Lua, shared: &Shared) -> mlua::Result<()> {
    let net = lua.create_table()?;

    let network = shared.network.clone();
    net.set(
        "nodes",
        lua.create_function(move |_, ()| Ok(network.node_names()))?,
    )?;

    let network = shared.network.clone();
    net.set(
        "node",
        lua.create_function(move |lua, name: Value| {
            let info = network.node(&node_name("node", name)?).map_err(network_error)?;
            node_table(lua, &info)
        })?,
    )?;

    let network = shared.network.clone();
    net.set(
        "result",
        lua.create_function(move |lua, name: Value| {
            let result = network.result(&node_name("result", name)?).map_err(network_error)?;
            match result {
                Some(json) => vnet::json_to_lua(lua, &json),
                None => Ok(Value::Nil),
            }
        })?,
    )?;

    let network = shared.network.clone();
    net.set(
        "log",
        lua.create_function(move |_, (name, count): (Value, Option<usize>)| {
            let lines = network.console_tail(&node_name("log", name)?, count.unwrap_or(20)).map_err(network_error)?;
            Ok(lines.into_iter().map(|line| line.text).collect::<Vec<_>>())
        })?,
    )?;

    let network = shared.network.clone();
    net.set(
        "seed",
        lua.create_function(move |_, seed: Value| {
            match seed {
                Value::Nil => {}
                Value::Integer(seed) if seed >= 0 => network.set_seed(seed as u64),
                other => {
                    return Err(mlua::Error::runtime(format!(
                        "net.seed needs a whole number of 0 or more, got {}",
                        match other {
                            Value::Integer(number) => number.to_string(),
                            other => format!("a {}", other.type_name()),
                        }
                    )))
                }
            }
            Ok(network.seed())
        })?,
    )?;

    let network = shared.network.clone();
    net.set(
        "message_limit",
        lua.create_function(move |_, bytes: Option<usize>| {
            if let Some(bytes) = bytes {
                if bytes == 0 {
                    return Err(mlua::Error::runtime("net.message_limit needs a size in bytes of at least 1"));
                }
                network.set_message_limit(bytes);
            }
            Ok(network.message_limit())
        })?,
    )?;

    let network = shared.network.clone();
    net.set(
        "limits",
        lua.create_function(move |lua, (name, changes): (Value, Option<Table>)| {
            let name = node_name("limits", name)?;
            let mut limits = network.node(&name).map_err(network_error)?.limits;
            if let Some(changes) = changes {
                check_keys("limits", &changes, &["memory_mib", "instructions"])?;
                if let Some(mib) = number_option("limits", &changes, "memory_mib")? {
                    if !(mib >= 1.0 && mib.is_finite()) {
                        return Err(mlua::Error::runtime(format!("net.limits: memory_mib must be at least 1, got {mib}")));
                    }
                    limits.memory = (mib * 1024.0 * 1024.0) as usize;
                }
                if let Some(instructions) = number_option("limits", &changes, "instructions")? {
                    if !(instructions >= 1.0 && instructions.is_finite()) {
                        return Err(mlua::Error::runtime(format!(
                            "net.limits: instructions must be at least 1, got {instructions}"
                        )));
                    }
                    limits.instructions = instructions as u64;
                }
                network.set_limits(&name, limits).map_err(network_error)?;
            }
            let table = lua.create_table()?;
            table.set("memory_mib", limits.memory as f64 / (1024.0 * 1024.0))?;
            table.set("instructions", limits.instructions)?;
            Ok(table)
        })?,
    )?;

    install_building(lua, &net, shared)?;
    install_running(lua, &net, shared)?;
    lua.globals().set("net", net)?;
    Ok(())
}

fn node_table(lua: &Lua, info: &vnet::NodeInfo) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    table.set("name", info.name.as_str())?;
    table.set("id", info.id)?;
    table.set("x", info.position.0)?;
    table.set("y", info.position.1)?;
    table.set("vm", info.vm.as_str())?;
    table.set("state", info.state.as_str())?;
    table.set("error", info.error.clone())?;
    table.set("sent", info.stats.sent)?;
    table.set("received", info.stats.received)?;
    table.set("dropped", info.stats.dropped)?;
    table.set("memory", info.memory)?;
    let ports = lua.create_table()?;
    for port in &info.ports {
        let peer = port.peer.as_ref().map(|(node, port)| format!("{node}:{port}"));
        ports.set(port.name.as_str(), peer.unwrap_or_default())?;
    }
    table.set("ports", ports)?;
    Ok(table)
}

/// `net.add`, `net.remove`, `net.link`, `net.unlink`, the generators and
/// `net.reset`: building a network from Lua.
fn install_building(lua: &Lua, net: &Table, shared: &Shared) -> mlua::Result<()> {
    let network = shared.network.clone();
    net.set(
        "add",
        lua.create_function(move |_, (name, options): (Value, Option<Table>)| {
            let name = node_name("add", name)?;
            let (mut x, mut y, mut ports) = (network.len() as f64, 0.0, vec!["p0".to_string()]);
            if let Some(options) = options {
                check_keys("add", &options, &["x", "y", "ports"])?;
                x = number_option("add", &options, "x")?.unwrap_or(x);
                y = number_option("add", &options, "y")?.unwrap_or(y);
                match options.get::<Value>("ports")? {
                    Value::Nil => {}
                    Value::Table(list) => ports = list.sequence_values::<String>().collect::<mlua::Result<_>>()?,
                    other => {
                        return Err(mlua::Error::runtime(format!(
                            "net.add: option `ports` needs an array of names such as {{\"p0\", \"p1\"}}, got a {}",
                            other.type_name()
                        )))
                    }
                }
            }
            network.add_node(&name, (x, y), &ports).map_err(network_error)?;
            Ok(name)
        })?,
    )?;

    let network = shared.network.clone();
    net.set(
        "remove",
        lua.create_function(move |_, name: Value| network.remove_node(&node_name("remove", name)?).map_err(network_error))?,
    )?;

    let network = shared.network.clone();
    net.set(
        "link",
        lua.create_function(move |_, (a, b, options): (String, String, Option<Table>)| {
            let a = endpoint("link", &a)?;
            let b = endpoint("link", &b)?;
            let mut props = LinkProps::default();
            if let Some(options) = options {
                check_keys("link", &options, &["latency", "jitter", "loss"])?;
                props.latency_ms = number_option("link", &options, "latency")?.unwrap_or(0.0);
                props.jitter_ms = number_option("link", &options, "jitter")?.unwrap_or(0.0);
                props.loss = number_option("link", &options, "loss")?.unwrap_or(0.0);
            }
            network.link_with((&a.0, &a.1), (&b.0, &b.1), props).map_err(network_error)
        })?,
    )?;

    let network = shared.network.clone();
    net.set(
        "unlink",
        lua.create_function(move |_, text: String| {
            let (node, port) = endpoint("unlink", &text)?;
            network.unlink(&node, &port).map_err(network_error)
        })?,
    )?;

    let network = shared.network.clone();
    net.set(
        "mesh",
        lua.create_function(move |_, (rows, cols, options): (Value, Value, Option<Table>)| {
            let rows = count_argument("mesh", "a row count", rows)?;
            let cols = count_argument("mesh", "a column count", cols)?;
            if rows == 0 || cols == 0 {
                return Err(mlua::Error::runtime("net.mesh needs at least 1 row and 1 column"));
            }
            if let Some(options) = &options {
                check_keys("mesh", options, &["prefix", "torus"])?;
            }
            let torus = options.as_ref().map(|o| o.get::<Option<bool>>("torus")).transpose()?.flatten().unwrap_or(false);
            network.add_mesh(rows, cols, &prefix_of(&options)?, torus).map_err(network_error)
        })?,
    )?;

    for (name, minimum) in [("ring", 2usize), ("star", 2), ("line", 2)] {
        let network = shared.network.clone();
        net.set(
            name,
            lua.create_function(move |_, (count, options): (Value, Option<Table>)| {
                let count = count_argument(name, "a node count", count)?;
                if let Some(options) = &options {
                    check_keys(name, options, &["prefix"])?;
                }
                if count < minimum {
                    return Err(mlua::Error::runtime(format!("net.{name} needs at least {minimum} nodes, got {count}")));
                }
                let prefix = prefix_of(&options)?;
                let added = match name {
                    "ring" => network.add_ring(count, &prefix),
                    "star" => network.add_star(count, &prefix),
                    _ => network.add_line(count, &prefix),
                };
                added.map_err(network_error)
            })?,
        )?;
    }

    let network = shared.network.clone();
    net.set(
        "random",
        lua.create_function(move |_, (count, degree, options): (Value, Value, Option<Table>)| {
            let count = count_argument("random", "a node count", count)?;
            let degree = count_argument("random", "a degree", degree)?;
            if let Some(options) = &options {
                check_keys("random", options, &["prefix"])?;
            }
            if count < 2 || degree == 0 || degree >= count {
                return Err(mlua::Error::runtime(format!(
                    "net.random needs at least 2 nodes and a degree from 1 to count - 1, got {count} nodes, degree {degree}"
                )));
            }
            network.add_random(count, degree, &prefix_of(&options)?).map_err(network_error)
        })?,
    )?;

    let network = shared.network.clone();
    net.set("reset", lua.create_function(move |_, ()| {
        network.reset();
        Ok(())
    })?)?;
    Ok(())
}

/// `net.start`, `net.wait`, `net.stop`, `net.stats` and `net.draw`.
fn install_running(lua: &Lua, net: &Table, shared: &Shared) -> mlua::Result<()> {
    let start_shared = shared.clone();
    net.set(
        "start",
        lua.create_function(move |_, (selection, code): (Value, String)| {
            let names = targets(&start_shared, "start", selection)?;
            let network = &start_shared.network;
            network
                .check_program("program", &code)
                .map_err(|error| mlua::Error::runtime(error.to_string()))?;
            network.start_program(&names, "program", &code).map_err(network_error)?;
            start_shared.started(&names);
            Ok(names)
        })?,
    )?;

    let rerun_shared = shared.clone();
    net.set(
        "rerun",
        lua.create_function(move |_, selection: Value| {
            let names = targets(&rerun_shared, "rerun", selection)?;
            let network = &rerun_shared.network;
            // Nodes that share a program start together, so their inboxes
            // are emptied before any of them sends.
            let mut groups: Vec<(String, Vec<String>)> = Vec::new();
            for name in &names {
                let Some(program) = network.program_of(name) else { continue };
                match groups.iter_mut().find(|(source, _)| *source == program) {
                    Some((_, members)) => members.push(name.clone()),
                    None => groups.push((program, vec![name.clone()])),
                }
            }
            let mut started = Vec::new();
            for (program, members) in groups {
                network.start_program(&members, "program", &program).map_err(network_error)?;
                rerun_shared.started(&members);
                started.extend(members);
            }
            Ok(started)
        })?,
    )?;

    let wait_shared = shared.clone();
    net.set(
        "wait",
        lua.create_function(move |_, (selection, seconds): (Option<Value>, Option<f64>)| {
            let names = match selection {
                None | Some(Value::Nil) => wait_shared.network.node_names(),
                Some(value) => targets(&wait_shared, "wait", value)?,
            };
            let timeout = match seconds {
                None => None,
                Some(seconds) if seconds.is_nan() || seconds < 0.0 => {
                    return Err(mlua::Error::runtime(format!("net.wait needs a number of seconds of 0 or more, got {seconds}")))
                }
                Some(seconds) => Duration::try_from_secs_f64(seconds).ok(),
            };
            wait_shared.watch(&names);
            let outcome = wait_shared.network.wait(&names, timeout, &|| wait_shared.interrupted());
            Ok(match outcome {
                WaitOutcome::Finished => "finished",
                WaitOutcome::TimedOut => "timed out",
                WaitOutcome::Aborted => return Err(mlua::Error::runtime(super::lua_env::INTERRUPTED)),
            })
        })?,
    )?;

    let stop_shared = shared.clone();
    net.set(
        "stop",
        lua.create_function(move |_, selection: Value| {
            let names = targets(&stop_shared, "stop", selection)?;
            stop_shared.network.stop(&names);
            stop_shared.network.wait(&names, Some(Duration::from_secs(1)), &|| false);
            Ok(names.len())
        })?,
    )?;

    let network = shared.network.clone();
    net.set(
        "stats",
        lua.create_function(move |lua, name: Value| {
            let name = node_name("stats", name)?;
            let info = network.node(&name).map_err(network_error)?;
            let mut samples = network.latency_samples(&name).map_err(network_error)?;
            samples.sort_by(f64::total_cmp);
            let table = lua.create_table()?;
            table.set("sent", info.stats.sent)?;
            table.set("received", info.stats.received)?;
            table.set("dropped", info.stats.dropped)?;
            table.set("forwarded", info.stats.forwarded)?;
            table.set("bytes_sent", info.stats.bytes_sent)?;
            table.set("bytes_received", info.stats.bytes_received)?;
            table.set("latency_ms", samples.get(samples.len() / 2).copied())?;
            Ok(table)
        })?,
    )?;

    let draw_shared = shared.clone();
    net.set(
        "draw",
        lua.create_function(move |_, ()| {
            let network = &draw_shared.network;
            let svg = crate::render::topology::svg(&network.nodes(), &network.links());
            if let Some(outbox) = draw_shared.outbox() {
                outbox.display(svg, None);
            }
            Ok(())
        })?,
    )?;
    Ok(())
}
