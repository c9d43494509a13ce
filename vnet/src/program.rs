//! Running a node's program: one fresh Lua VM per run, the node API installed
//! as globals, and the program driven as a coroutine on the network runtime.
//! Calls that wait (`recv`, `sleep`) are async functions, so a waiting node
//! occupies no thread, and an instruction hook preempts a busy node.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mlua::{HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Value, VmState};

use crate::console::{ConsoleLine, Stream};
use crate::error::Error;
use crate::inbox::Envelope;
use crate::network::Shared;
use crate::node::{Node, NodeState};
use crate::stop::StopSignal;
use crate::value::{json_to_lua, lua_to_json};

/// Instructions between two runs of the hook that checks the stop flag and,
/// on the program's own thread, yields to let other nodes run.
const HOOK_INSTRUCTIONS: u32 = 10_000;

/// Memory one node's VM may allocate.
pub const DEFAULT_MEMORY_LIMIT: usize = 64 * 1024 * 1024;

/// The message a program stopped by the user fails with.
const STOPPED: &str = "program stopped";

/// Compiles `source` without running it.
pub(crate) fn check(label: &str, source: &str) -> Result<(), Error> {
    let lua = Lua::new_with(StdLib::NONE, LuaOptions::default()).map_err(|error| load_error(label, &error))?;
    lua.load(source)
        .set_name(format!("={label}"))
        .into_function()
        .map(|_| ())
        .map_err(|error| load_error(label, &error))
}

fn load_error(node: &str, error: &mlua::Error) -> Error {
    Error::Load {
        node: node.to_string(),
        message: describe_error(error),
    }
}

/// Starts `source` as the program of `node`, stopping the run before it.
pub(crate) fn start(
    runtime: &tokio::runtime::Runtime,
    shared: Arc<Shared>,
    node: Arc<Node>,
    chunk: &str,
    source: &str,
) -> Result<(), Error> {
    let signal = StopSignal::new();
    let main_thread = Arc::new(AtomicUsize::new(0));
    let lua = create_vm(&shared, &node, &signal, &main_thread).map_err(|error| load_error(&node.name, &error))?;
    let function = lua
        .load(source)
        .set_name(format!("={chunk}"))
        .into_function()
        .map_err(|error| load_error(&node.name, &error))?;
    let thread = lua.create_thread(function).map_err(|error| load_error(&node.name, &error))?;
    main_thread.store(thread.to_pointer() as usize, Ordering::Release);

    {
        let mut run = node.run.lock().expect("run lock");
        if let Some(previous) = run.replace(signal.clone()) {
            previous.stop();
        }
        *node.result.lock().expect("result lock") = None;
        *node.error.lock().expect("error lock") = None;
        node.set_state(NodeState::Running);
    }
    tracing::debug!(node = %node.name, vm = "lua", "program started");

    runtime.spawn(async move {
        let outcome = match thread.into_async::<MultiValue>(()) {
            Ok(running) => tokio::select! {
                biased;
                _ = signal.stopped() => Err(mlua::Error::runtime(STOPPED)),
                result = running => result,
            },
            Err(error) => Err(error),
        };
        finish(&shared, &node, &signal, outcome);
        // The task owns the VM, so the VM is freed when the run ends.
        drop(lua);
    });
    Ok(())
}

/// Records how a run ended, unless a newer run of the node replaced it.
fn finish(shared: &Shared, node: &Node, signal: &StopSignal, outcome: mlua::Result<MultiValue>) {
    let mut run = node.run.lock().expect("run lock");
    let current = run.as_ref().is_some_and(|active| active.same_run(signal));
    if !current {
        return;
    }
    *run = None;

    let state = match outcome {
        Ok(values) => {
            let first = values.into_iter().next().unwrap_or(Value::Nil);
            match lua_to_json(&first) {
                Ok(json) => *node.result.lock().expect("result lock") = Some(json),
                Err(message) => publish(shared, node, Stream::Stderr, format!("result not kept: {message}")),
            }
            NodeState::Done
        }
        Err(_) if signal.is_stopped() => NodeState::Stopped,
        Err(error) => {
            let message = describe_error(&error);
            tracing::info!(node = %node.name, error = %message, "program failed");
            publish(shared, node, Stream::Stderr, format!("error: {message}"));
            *node.error.lock().expect("error lock") = Some(message);
            NodeState::Failed
        }
    };
    node.set_state(state);
    drop(run);
    tracing::debug!(node = %node.name, state = state.as_str(), "program ended");
    shared.notify_finished();
}

/// Converts an mlua error into the message shown to the user.
pub(crate) fn describe_error(error: &mlua::Error) -> String {
    match error {
        mlua::Error::RuntimeError(message) | mlua::Error::SyntaxError { message, .. } => {
            // mlua appends the Lua traceback; the first part is the message.
            message.split("\nstack traceback:").next().unwrap_or(message).to_string()
        }
        mlua::Error::CallbackError { cause, .. } => describe_error(cause),
        mlua::Error::MemoryError(_) => format!(
            "memory limit of {} MiB reached",
            DEFAULT_MEMORY_LIMIT / (1024 * 1024)
        ),
        mlua::Error::WithContext { cause, .. } => describe_error(cause),
        other => other.to_string(),
    }
}

fn publish(shared: &Shared, node: &Node, stream: Stream, text: String) {
    shared.publish(
        node,
        ConsoleLine {
            node: node.name.clone(),
            stream,
            text,
        },
    );
}

fn create_vm(
    shared: &Arc<Shared>,
    node: &Arc<Node>,
    signal: &StopSignal,
    main_thread: &Arc<AtomicUsize>,
) -> mlua::Result<Lua> {
    let libraries = StdLib::COROUTINE | StdLib::TABLE | StdLib::STRING | StdLib::UTF8 | StdLib::MATH | StdLib::OS;
    let lua = Lua::new_with(libraries, LuaOptions::default())?;
    restrict_os(&lua)?;
    install_api(&lua, shared, node)?;
    lua.set_memory_limit(DEFAULT_MEMORY_LIMIT)?;

    let signal = signal.clone();
    let main_thread = main_thread.clone();
    let stopped_calls = AtomicUsize::new(0);
    lua.set_global_hook(
        HookTriggers::new().every_nth_instruction(HOOK_INSTRUCTIONS),
        move |lua, _debug| {
            let on_main_thread = lua.current_thread().to_pointer() as usize == main_thread.load(Ordering::Acquire);
            if signal.is_stopped() {
                // A `pcall` in a loop can catch an error, and Lua ignores a
                // yield inside a C call. So a stopped main thread gets both in
                // turn, and the first yield that lands returns control to the
                // task, which then ends the run.
                let call = stopped_calls.fetch_add(1, Ordering::Relaxed);
                if on_main_thread && call % 2 == 1 {
                    return Ok(VmState::Yield);
                }
                return Err(mlua::Error::runtime(STOPPED));
            }
            // Yielding inside a coroutine the program made itself would
            // return control to the program's own `coroutine.resume`.
            if on_main_thread {
                Ok(VmState::Yield)
            } else {
                Ok(VmState::Continue)
            }
        },
    )?;
    Ok(lua)
}

/// Keeps the clock functions of `os` and removes those that reach the host
/// (exit, execute, files, environment).
fn restrict_os(lua: &Lua) -> mlua::Result<()> {
    let os: Table = lua.globals().get("os")?;
    for name in ["exit", "execute", "remove", "rename", "tmpname", "getenv", "setlocale"] {
        os.set(name, Value::Nil)?;
    }
    Ok(())
}

/// Prefixes `message` with the chunk and line that called the API, as Lua
/// does for its own errors; falls back to the node name.
fn api_error(lua: &Lua, node: &str, message: String) -> mlua::Error {
    let place = lua
        .inspect_stack(1, |debug| {
            let chunk = debug.source().short_src.map(|name| name.to_string());
            chunk.zip(debug.current_line())
        })
        .flatten();
    match place {
        Some((chunk, line)) => mlua::Error::runtime(format!("{chunk}:{line}: {message}")),
        None => mlua::Error::runtime(format!("{node}: {message}")),
    }
}

fn install_api(lua: &Lua, shared: &Arc<Shared>, node: &Arc<Node>) -> mlua::Result<()> {
    let globals = lua.globals();

    let (print_shared, print_node) = (shared.clone(), node.clone());
    globals.set(
        "print",
        lua.create_function(move |lua, args: MultiValue| {
            let tostring: mlua::Function = lua.globals().get("tostring")?;
            let mut parts = Vec::with_capacity(args.len());
            for arg in args {
                parts.push(tostring.call::<String>(arg)?);
            }
            publish(&print_shared, &print_node, Stream::Stdout, parts.join("\t"));
            Ok(())
        })?,
    )?;

    let me_node = node.clone();
    globals.set(
        "me",
        lua.create_function(move |lua, ()| {
            let table = lua.create_table()?;
            table.set("name", me_node.name.as_str())?;
            table.set("id", me_node.id)?;
            table.set("x", me_node.position.0)?;
            table.set("y", me_node.position.1)?;
            table.set("vm", me_node.vm.as_str())?;
            Ok(table)
        })?,
    )?;

    let ports_node = node.clone();
    globals.set(
        "ports",
        lua.create_function(move |_, linked: Option<bool>| {
            let ports = ports_node.ports.read().expect("ports lock");
            let names: Vec<String> = ports
                .iter()
                .filter(|port| !linked.unwrap_or(false) || port.peer.is_some())
                .map(|port| port.name.clone())
                .collect();
            Ok(names)
        })?,
    )?;

    let send_node = node.clone();
    globals.set(
        "send",
        lua.create_function(move |lua, (port, value): (String, Value)| {
            let json = lua_to_json(&value).map_err(|message| api_error(lua, &send_node.name, message))?;
            send(&send_node, &port, json).map_err(|error| api_error(lua, &send_node.name, error.to_string()))
        })?,
    )?;

    let broadcast_node = node.clone();
    globals.set(
        "broadcast",
        lua.create_function(move |lua, value: Value| {
            let json = lua_to_json(&value).map_err(|message| api_error(lua, &broadcast_node.name, message))?;
            let linked: Vec<String> = {
                let ports = broadcast_node.ports.read().expect("ports lock");
                ports.iter().filter(|port| port.peer.is_some()).map(|port| port.name.clone()).collect()
            };
            let mut count = 0;
            for port in linked {
                if send(&broadcast_node, &port, json.clone()).unwrap_or(false) {
                    count += 1;
                }
            }
            Ok(count)
        })?,
    )?;

    let recv_node = node.clone();
    globals.set(
        "recv",
        lua.create_async_function(move |lua, (first, second): (Value, Option<f64>)| {
            let node = recv_node.clone();
            async move {
                let (port, timeout) = match first {
                    Value::Nil => (None, second),
                    Value::String(port) => (Some(port.to_str()?.to_string()), second),
                    Value::Integer(ms) => (None, Some(ms as f64)),
                    Value::Number(ms) => (None, Some(ms)),
                    other => {
                        return Err(api_error(
                            &lua,
                            &node.name,
                            format!("recv expects a port name or a timeout in ms, got a {}", other.type_name()),
                        ))
                    }
                };
                if let Some(port) = &port {
                    if !node.port_names().contains(port) {
                        return Err(api_error(&lua, &node.name, node.unknown_port(port).to_string()));
                    }
                }
                let waiting = node.inbox.recv(port.as_deref());
                let envelope: Option<Envelope> = match timeout {
                    Some(ms) => tokio::time::timeout(duration_ms(ms), waiting).await.ok(),
                    None => Some(waiting.await),
                };
                match envelope {
                    Some(envelope) => {
                        node.received.fetch_add(1, Ordering::Relaxed);
                        let value = json_to_lua(&lua, &envelope.value)?;
                        Ok(MultiValue::from_vec(vec![value, Value::String(lua.create_string(&envelope.port)?)]))
                    }
                    None => Ok(MultiValue::new()),
                }
            }
        })?,
    )?;

    globals.set(
        "sleep",
        lua.create_async_function(|_, ms: f64| async move {
            tokio::time::sleep(duration_ms(ms)).await;
            Ok(())
        })?,
    )?;

    let now_shared = shared.clone();
    globals.set(
        "now",
        lua.create_function(move |_, ()| Ok(now_shared.epoch.elapsed().as_secs_f64() * 1000.0))?,
    )?;
    Ok(())
}

fn duration_ms(ms: f64) -> Duration {
    if ms.is_finite() && ms > 0.0 {
        Duration::from_secs_f64(ms / 1000.0)
    } else {
        Duration::ZERO
    }
}

/// Queues `value` on the link at `port`. Returns whether it was delivered; a
/// port with no link drops the message and counts it.
fn send(node: &Node, port: &str, value: serde_json::Value) -> Result<bool, Error> {
    let peer = {
        let ports = node.ports.read().expect("ports lock");
        let Some(found) = ports.iter().find(|p| p.name == port) else {
            drop(ports);
            return Err(node.unknown_port(port));
        };
        found
            .peer
            .as_ref()
            .and_then(|peer| Some((peer.node.upgrade()?, peer.port.clone())))
    };
    node.sent.fetch_add(1, Ordering::Relaxed);
    match peer {
        Some((peer, peer_port)) => {
            peer.inbox.deliver(Envelope { port: peer_port, value });
            Ok(true)
        }
        None => {
            node.dropped.fetch_add(1, Ordering::Relaxed);
            Ok(false)
        }
    }
}
