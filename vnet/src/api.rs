//! The node API that programs call: console, identity, ports, messages,
//! routing and time. Calls that wait are async functions, so a waiting
//! process occupies no thread.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mlua::{Lua, MultiValue, Value};
use serde_json::Value as Json;
use tokio::sync::{mpsc, oneshot};

use crate::console::{ConsoleLine, Stream};
use crate::inbox::{Envelope, Kind};
use crate::network::Shared;
use crate::node::{CallResult, Node};
use crate::process::ProcessFuture;
use crate::router::{self, Origin};
use crate::value::{encoded_size, json_to_lua, lua_to_json};

/// Everything the API functions of one program run share.
pub(crate) struct NodeContext {
    pub shared: Arc<Shared>,
    pub node: Arc<Node>,
    /// New processes for the node's task to drive.
    pub spawner: mpsc::UnboundedSender<ProcessFuture>,
    /// Pointers of the threads the task drives, for the hook.
    pub driven: Arc<Mutex<Vec<usize>>>,
    /// Instructions per thread since it last waited, for the instruction limit.
    pub budget: crate::vm::Budget,
    /// Hop count of the last message `recv` returned.
    pub last_hops: AtomicU32,
    pub pending: Arc<Mutex<HashMap<u64, oneshot::Sender<CallResult>>>>,
    pub next_call: AtomicU64,
    /// How long `rpc.call` waits for a reply, in ms.
    pub rpc_timeout_ms: Mutex<f64>,
    /// The message of the last failed `rpc.call`, for its Lua wrapper.
    pub rpc_error: Mutex<Option<String>>,
}

/// Marks a process as waiting for as long as it lives.
pub(crate) struct Waiting {
    node: Arc<Node>,
}

impl Waiting {
    /// Counts the calling process as waiting; `touch` has already restarted
    /// its instruction budget.
    pub(crate) fn new(context: &NodeContext) -> Waiting {
        context.node.waiting.fetch_add(1, Ordering::AcqRel);
        Waiting {
            node: context.node.clone(),
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.node.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Prefixes `message` with the chunk and line of the program that called
/// the API, as Lua does for its own errors; falls back to the node name.
pub(crate) fn api_error(lua: &Lua, node: &str, message: impl Into<String>) -> mlua::Error {
    let message = message.into();
    match caller_position(lua) {
        Some((chunk, line)) => mlua::Error::runtime(format!("{chunk}:{line}: {message}")),
        None => mlua::Error::runtime(format!("{node}: {message}")),
    }
}

/// Finds the innermost stack frame in the program's own code, skipping C
/// functions and the wrappers mlua puts around async functions.
fn caller_position(lua: &Lua) -> Option<(String, usize)> {
    (1..12).find_map(|level| {
        lua.inspect_stack(level, |debug| {
            let source = debug.source();
            let chunk = source.short_src?.to_string();
            if source.what == "C" || chunk.starts_with("__mlua") {
                return None;
            }
            Some((chunk, debug.current_line()?))
        })
        .flatten()
    })
}

/// Converts a wait in milliseconds from a program: `None` means forever
/// (infinity, or beyond about 31 years), a negative wait is no wait, and
/// NaN is an error that names the function.
pub(crate) fn wait_duration(function: &str, ms: f64) -> Result<Option<Duration>, String> {
    const FOREVER_MS: f64 = 1e12;
    if ms.is_nan() {
        return Err(format!("{function} needs a number of milliseconds, got nan"));
    }
    if ms >= FOREVER_MS {
        return Ok(None);
    }
    Ok(Some(Duration::from_secs_f64(ms.max(0.0) / 1000.0)))
}

impl NodeContext {
    /// Marks the start of a waiting call by the thread running in `lua`:
    /// restarts its instruction budget and publishes the VM's memory.
    pub(crate) fn touch(&self, lua: &Lua) {
        self.budget.reset(lua);
        self.node.memory.store(lua.used_memory(), Ordering::Relaxed);
    }

    pub(crate) fn publish(&self, stream: Stream, text: String) {
        self.shared.publish(
            &self.node,
            ConsoleLine {
                node: self.node.name.clone(),
                stream,
                text,
            },
        );
    }

    /// Converts a Lua value into a message value, checking its type and size.
    /// A nil message is rejected: `recv` returns nil for a timeout, so the
    /// receiver could not tell the two apart.
    pub(crate) fn message(&self, lua: &Lua, value: &Value) -> mlua::Result<(Json, usize)> {
        if value.is_nil() {
            return Err(api_error(
                lua,
                &self.node.name,
                "a message needs a value, but got nil (recv returns nil on a timeout); send `false` or a table instead",
            ));
        }
        let json = lua_to_json(value).map_err(|message| api_error(lua, &self.node.name, message))?;
        let bytes = encoded_size(&json);
        let limit = self.shared.message_limit.load(Ordering::Relaxed);
        if bytes > limit {
            return Err(api_error(
                lua,
                &self.node.name,
                format!(
                    "message of {bytes} bytes exceeds the message size limit of {}; \
                     send it in parts or raise the limit with net.message_limit(bytes)",
                    crate::vm::format_bytes(limit)
                ),
            ));
        }
        Ok((json, bytes))
    }

    pub(crate) fn envelope(&self, value: Json, bytes: usize, kind: Kind) -> Envelope {
        Envelope {
            port: String::new(),
            value,
            hops: 0,
            sent_at: Instant::now(),
            bytes,
            dest: None,
            kind,
        }
    }

    /// Finds the id of node `name`, or a Lua error listing the nodes.
    pub(crate) fn node_id(&self, lua: &Lua, name: &str) -> mlua::Result<u64> {
        let graph = self.shared.graph.read().expect("graph lock");
        match graph.id_of(name) {
            Some(id) => Ok(id),
            None => {
                let error = graph.get(name).err().map(|e| e.to_string()).unwrap_or_default();
                Err(api_error(lua, &self.node.name, error))
            }
        }
    }
}

pub(crate) fn install(lua: &Lua, context: &Arc<NodeContext>) -> mlua::Result<()> {
    let globals = lua.globals();

    let ctx = context.clone();
    globals.set(
        "print",
        lua.create_function(move |lua, args: MultiValue| {
            let tostring: mlua::Function = lua.globals().get("tostring")?;
            let mut parts = Vec::with_capacity(args.len());
            for arg in args {
                parts.push(tostring.call::<String>(arg)?);
            }
            ctx.publish(Stream::Stdout, parts.join("\t"));
            Ok(())
        })?,
    )?;

    let ctx = context.clone();
    globals.set(
        "me",
        lua.create_function(move |lua, ()| {
            let node = &ctx.node;
            let table = lua.create_table()?;
            table.set("name", node.name.as_str())?;
            table.set("id", node.id)?;
            table.set("x", node.position.0)?;
            table.set("y", node.position.1)?;
            table.set("vm", node.vm.as_str())?;
            Ok(table)
        })?,
    )?;

    let ctx = context.clone();
    globals.set(
        "ports",
        lua.create_function(move |_, linked: Option<bool>| {
            let ports = ctx.node.ports.read().expect("ports lock");
            let names: Vec<String> = ports
                .iter()
                .filter(|port| !linked.unwrap_or(false) || port.peer.is_some())
                .map(|port| port.name.clone())
                .collect();
            Ok(names)
        })?,
    )?;

    let ctx = context.clone();
    globals.set(
        "send",
        lua.create_function(move |lua, (port, value): (String, Value)| {
            let (json, bytes) = ctx.message(lua, &value)?;
            let envelope = ctx.envelope(json, bytes, Kind::Data);
            router::send_on_port(&ctx.shared, &ctx.node, &port, envelope, Origin::Program)
                .map_err(|error| api_error(lua, &ctx.node.name, error.to_string()))
        })?,
    )?;

    let ctx = context.clone();
    globals.set(
        "broadcast",
        lua.create_function(move |lua, value: Value| {
            let (json, bytes) = ctx.message(lua, &value)?;
            let linked: Vec<String> = {
                let ports = ctx.node.ports.read().expect("ports lock");
                ports.iter().filter(|port| port.peer.is_some()).map(|port| port.name.clone()).collect()
            };
            let mut count = 0;
            for port in linked {
                let envelope = ctx.envelope(json.clone(), bytes, Kind::Data);
                if router::send_on_port(&ctx.shared, &ctx.node, &port, envelope, Origin::Program).unwrap_or(false) {
                    count += 1;
                }
            }
            Ok(count)
        })?,
    )?;

    let ctx = context.clone();
    globals.set(
        "sendto",
        lua.create_function(move |lua, (name, value): (String, Value)| {
            let dest = ctx.node_id(lua, &name)?;
            let (json, bytes) = ctx.message(lua, &value)?;
            let envelope = ctx.envelope(json, bytes, Kind::Data);
            Ok(router::route(&ctx.shared, &ctx.node, dest, envelope, Origin::Program))
        })?,
    )?;

    let ctx = context.clone();
    globals.set(
        "hops",
        lua.create_function(move |_, ()| Ok(ctx.last_hops.load(Ordering::Relaxed)))?,
    )?;

    let ctx = context.clone();
    globals.set(
        "recv",
        lua.create_async_function(move |lua, (first, second): (Value, Value)| {
            let ctx = ctx.clone();
            async move {
                let second = match second {
                    Value::Nil => None,
                    Value::Integer(ms) => Some(ms as f64),
                    Value::Number(ms) => Some(ms),
                    other => {
                        return Err(api_error(
                            &lua,
                            &ctx.node.name,
                            format!("recv expects a timeout in ms as its second argument, got a {}", other.type_name()),
                        ))
                    }
                };
                let (port, timeout) = match first {
                    Value::Nil => (None, second),
                    Value::String(port) => (Some(port.to_str()?.to_string()), second),
                    Value::Integer(ms) => (None, Some(ms as f64)),
                    Value::Number(ms) => (None, Some(ms)),
                    other => {
                        return Err(api_error(
                            &lua,
                            &ctx.node.name,
                            format!("recv expects a port name or a timeout in ms, got a {}", other.type_name()),
                        ))
                    }
                };
                // Every receive counts as waiting for the instruction limit,
                // also when a message is already queued.
                ctx.touch(&lua);
                if let Some(port) = &port {
                    if !ctx.node.has_port(port) {
                        return Err(api_error(&lua, &ctx.node.name, ctx.node.unknown_port(port).to_string()));
                    }
                }
                let envelope = match ctx.node.inbox.take(port.as_deref()) {
                    Some(envelope) => Some(envelope),
                    None => {
                        let limit = match timeout {
                            Some(ms) => wait_duration("recv", ms).map_err(|message| api_error(&lua, &ctx.node.name, message))?,
                            None => None,
                        };
                        let _waiting = Waiting::new(&ctx);
                        let arrival = ctx.node.inbox.recv(port.as_deref());
                        match limit {
                            Some(limit) => tokio::time::timeout(limit, arrival).await.ok(),
                            None => Some(arrival.await),
                        }
                    }
                };
                match envelope {
                    Some(envelope) => {
                        ctx.last_hops.store(envelope.hops, Ordering::Relaxed);
                        let value = json_to_lua(&lua, &envelope.value)?;
                        Ok(MultiValue::from_vec(vec![value, Value::String(lua.create_string(&envelope.port)?)]))
                    }
                    None => Ok(MultiValue::new()),
                }
            }
        })?,
    )?;

    let ctx = context.clone();
    globals.set(
        "sleep",
        lua.create_async_function(move |lua, ms: Value| {
            let ctx = ctx.clone();
            async move {
                let ms = match ms {
                    Value::Integer(ms) => ms as f64,
                    Value::Number(ms) => ms,
                    other => {
                        return Err(api_error(&lua, &ctx.node.name, format!("sleep needs a number of milliseconds, got a {}", other.type_name())))
                    }
                };
                let limit = wait_duration("sleep", ms).map_err(|message| api_error(&lua, &ctx.node.name, message))?;
                ctx.touch(&lua);
                let _waiting = Waiting::new(&ctx);
                match limit {
                    Some(limit) => tokio::time::sleep(limit).await,
                    None => std::future::pending::<()>().await,
                }
                Ok(())
            }
        })?,
    )?;

    let ctx = context.clone();
    globals.set(
        "now",
        lua.create_function(move |_, ()| Ok(ctx.shared.epoch.elapsed().as_secs_f64() * 1000.0))?,
    )?;

    let ctx = context.clone();
    globals.set(
        "emit",
        lua.create_function(move |lua, (key, value): (Value, Value)| {
            let key = match key {
                Value::String(key) => key.to_str()?.to_string(),
                other => {
                    return Err(api_error(lua, &ctx.node.name, format!("emit needs a key string first, got a {}", other.type_name())))
                }
            };
            let value = match value {
                Value::Integer(value) => value as f64,
                Value::Number(value) if value.is_finite() => value,
                other => {
                    return Err(api_error(
                        lua,
                        &ctx.node.name,
                        format!("emit(\"{key}\", value) needs a finite number, got a {}", other.type_name()),
                    ))
                }
            };
            let now = ctx.shared.epoch.elapsed().as_secs_f64() * 1000.0;
            let mut series = ctx.node.series.lock().expect("series lock");
            let samples = series.entry(key).or_default();
            if samples.len() == crate::node::SERIES_CAPACITY {
                samples.pop_front();
            }
            samples.push_back((now, value));
            Ok(())
        })?,
    )?;

    crate::process::install(lua, context)?;
    crate::channel::install(lua, context)?;
    crate::rpc::install(lua, context)?;
    Ok(())
}
