//! The `net` table of the controller VM: read the network from plain Lua
//! cells, for checks and summaries that no magic covers.

use mlua::{Lua, Table, Value};

use super::Shared;

fn network_error(error: vnet::Error) -> mlua::Error {
    mlua::Error::runtime(error.to_string())
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
        lua.create_function(move |_, seed: Option<u64>| {
            if let Some(seed) = seed {
                network.set_seed(seed);
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
                if let Some(mib) = changes.get::<Option<f64>>("memory_mib")? {
                    if !(mib >= 1.0) {
                        return Err(mlua::Error::runtime(format!("net.limits: memory_mib must be at least 1, got {mib}")));
                    }
                    limits.memory = (mib * 1024.0 * 1024.0) as usize;
                }
                if let Some(instructions) = changes.get::<Option<u64>>("instructions")? {
                    limits.instructions = instructions.max(1);
                }
                network.set_limits(&name, limits).map_err(network_error)?;
            }
            let table = lua.create_table()?;
            table.set("memory_mib", limits.memory as f64 / (1024.0 * 1024.0))?;
            table.set("instructions", limits.instructions)?;
            Ok(table)
        })?,
    )?;

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
