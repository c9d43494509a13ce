//! Remote procedure calls between nodes: `rpc.expose(name, fn)` offers a
//! procedure, `rpc.call(node, name, ...)` calls it over the same routes as
//! `sendto`, and `rpc.serve()` keeps a node serving calls. Each incoming
//! call runs as a process of the callee; its failure goes back to the caller
//! and does not fail the callee.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use mlua::{Function, Lua, MultiValue, Table, Value};
use serde_json::Value as Json;
use tokio::sync::oneshot;

use crate::api::{api_error, wait_duration, NodeContext, Waiting};
use crate::inbox::{Envelope, Kind};
use crate::process::ProcessEnd;
use crate::router::{self, Origin};
use crate::value::{json_to_lua, lua_to_json};

/// Milliseconds `rpc.call` waits for a reply unless `rpc.timeout(ms)` sets
/// another value.
pub const DEFAULT_RPC_TIMEOUT_MS: f64 = 5000.0;

/// Registry key of the table of exposed procedures.
const PROCEDURES: &str = "vnet.rpc.procedures";

pub(crate) fn install(lua: &Lua, context: &Arc<NodeContext>) -> mlua::Result<()> {
    lua.set_named_registry_value(PROCEDURES, lua.create_table()?)?;
    let rpc = lua.create_table()?;

    rpc.set(
        "expose",
        lua.create_function(|lua, (name, function): (String, Function)| {
            let procedures: Table = lua.named_registry_value(PROCEDURES)?;
            procedures.set(name, function)
        })?,
    )?;

    let ctx = context.clone();
    rpc.set(
        "timeout",
        lua.create_function(move |lua, ms: f64| {
            if !(ms.is_finite() && ms > 0.0) {
                return Err(api_error(lua, &ctx.node.name, format!("rpc.timeout needs a positive number of ms, got {ms}")));
            }
            *ctx.rpc_timeout_ms.lock().expect("timeout lock") = ms;
            Ok(())
        })?,
    )?;

    let ctx = context.clone();
    rpc.set(
        "serve",
        lua.create_async_function(move |lua, ()| {
            let ctx = ctx.clone();
            async move {
                ctx.touch(&lua);
                let _waiting = Waiting::new(&ctx);
                std::future::pending::<()>().await;
                Ok(())
            }
        })?,
    )?;

    let ctx = context.clone();
    let raw_call = lua.create_async_function(move |lua, (node, procedure, args): (String, String, MultiValue)| {
        let ctx = ctx.clone();
        async move {
            let outcome = call(&lua, &ctx, &node, &procedure, args).await;
            if let Err(message) = &outcome {
                *ctx.rpc_error.lock().expect("rpc error lock") = Some(message.clone());
            }
            outcome.map_err(mlua::Error::runtime)
        }
    })?;
    let ctx = context.clone();
    let last_error = lua.create_function(move |_, ()| Ok(ctx.rpc_error.lock().expect("rpc error lock").take()))?;
    lua.globals().set("rpc", rpc)?;

    // Errors of Rust functions reach Lua as userdata with mlua's traceback.
    // `rpc.call` failures are meant to be caught, so a Lua wrapper raises
    // the plain message instead, at the caller's line.
    let wrap: Function = lua
        .load(
            r#"
            local raw, last_error = ...
            return function(...)
                local results = table.pack(pcall(raw, ...))
                if results[1] then return table.unpack(results, 2, results.n) end
                error(last_error() or tostring(results[2]), 2)
            end
            "#,
        )
        .set_name("=rpc")
        .into_function()?;
    let call_function: Function = wrap.call((raw_call, last_error))?;
    let rpc: Table = lua.globals().get("rpc")?;
    rpc.set("call", call_function)?;
    Ok(())
}

/// Calls `procedure` on `node`; an error is the plain message to raise.
async fn call(lua: &Lua, ctx: &Arc<NodeContext>, node: &str, procedure: &str, args: MultiValue) -> Result<MultiValue, String> {
    let dest = {
        let graph = ctx.shared.graph.read().expect("graph lock");
        match graph.id_of(node) {
            Some(id) => id,
            None => return Err(graph.get(node).err().map(|error| error.to_string()).unwrap_or_default()),
        }
    };
    let arguments = lua.create_sequence_from(args).map_err(|error| error.to_string())?;
    let json = lua_to_json(&Value::Table(arguments))?;
    let bytes = crate::value::encoded_size(&json);
    let limit = ctx.shared.message_limit.load(Ordering::Relaxed);
    if bytes > limit {
        return Err(format!(
            "rpc `{procedure}` arguments of {bytes} bytes exceed the message size limit of {limit} bytes"
        ));
    }
    let call_id = ctx.next_call.fetch_add(1, Ordering::Relaxed);
    let (answer, reply) = oneshot::channel();
    ctx.pending.lock().expect("pending lock").insert(call_id, answer);

    let envelope = ctx.envelope(
        json,
        bytes,
        Kind::Call {
            caller: ctx.node.id,
            call_id,
            procedure: procedure.to_string(),
        },
    );
    if !router::route(&ctx.shared, &ctx.node, dest, envelope, Origin::Program) {
        ctx.pending.lock().expect("pending lock").remove(&call_id);
        return Err(format!("rpc `{procedure}` on `{node}` failed: no route from `{}` to `{node}`", ctx.node.name));
    }

    let timeout_ms = *ctx.rpc_timeout_ms.lock().expect("timeout lock");
    ctx.touch(lua);
    let _waiting = Waiting::new(ctx);
    let limit = wait_duration("rpc.call", timeout_ms)?.unwrap_or(Duration::MAX);
    let outcome = match limit {
        Duration::MAX => Ok(reply.await),
        limit => tokio::time::timeout(limit, reply).await,
    };
    ctx.pending.lock().expect("pending lock").remove(&call_id);
    let to_lua = |value: &Json| json_to_lua(lua, value).map_err(|error| error.to_string());
    match outcome {
        Ok(Ok(Ok(Json::Array(values)))) => {
            let values = values.iter().map(to_lua).collect::<Result<Vec<_>, _>>()?;
            Ok(MultiValue::from_vec(values))
        }
        Ok(Ok(Ok(other))) => Ok(MultiValue::from_vec(vec![to_lua(&other)?])),
        Ok(Ok(Err(message))) => Err(message),
        Ok(Err(_)) => Err(format!("rpc `{procedure}` on `{node}` failed: the reply was lost")),
        Err(_) => Err(format!(
            "rpc `{procedure}` on `{node}` timed out after {timeout_ms} ms; \
             is its program running, and does it call rpc.serve() or wait?"
        )),
    }
}

/// Starts the procedure an incoming call names as a process of this node;
/// the reply goes back to the caller when it ends.
pub(crate) fn serve_call(lua: &Lua, ctx: &Arc<NodeContext>, call: Envelope) {
    let Kind::Call { caller, call_id, procedure } = call.kind else { return };
    let fail = |message: String| router::reply(&ctx.shared, &ctx.node, caller, call_id, Err(message));

    let procedures: Table = match lua.named_registry_value(PROCEDURES) {
        Ok(table) => table,
        Err(error) => return fail(format!("rpc `{procedure}` on `{}` failed: {error}", ctx.node.name)),
    };
    let function = match procedures.get::<Value>(procedure.as_str()) {
        Ok(Value::Function(function)) => function,
        _ => {
            let mut names: Vec<String> = procedures.pairs::<String, Value>().flatten().map(|(name, _)| name).collect();
            names.sort();
            let offered = if names.is_empty() { "none".to_string() } else { names.join(", ") };
            return fail(format!(
                "node `{}` exposes no procedure `{procedure}`; it exposes: {offered}",
                ctx.node.name
            ));
        }
    };
    let args = match call.value {
        Json::Array(values) => values.iter().map(|value| json_to_lua(lua, value)).collect::<mlua::Result<Vec<_>>>(),
        other => json_to_lua(lua, &other).map(|value| vec![value]),
    };
    let args = match args {
        Ok(args) => MultiValue::from_vec(args),
        Err(error) => return fail(error.to_string()),
    };
    let started = crate::process::drive_function(lua, ctx, function, args, None, move |ctx, result| {
        let reply = match result {
            Ok(values) => values
                .iter()
                .map(lua_to_json)
                .collect::<Result<Vec<_>, _>>()
                .map(Json::Array)
                .map_err(|message| format!("rpc `{procedure}` on `{}` returned a value that cannot be sent: {message}", ctx.node.name)),
            Err(error) => Err(format!(
                "rpc `{procedure}` on `{}` failed: {}",
                ctx.node.name,
                crate::program::describe_error(&error, ctx)
            )),
        };
        router::reply(&ctx.shared, &ctx.node, caller, call_id, reply);
        ProcessEnd {
            main: false,
            label: format!("rpc {procedure}"),
            result: Ok(MultiValue::new()),
        }
    });
    if let Err(error) = started {
        tracing::warn!(node = %ctx.node.name, cause = %error, "rpc call could not start");
    }
}
