//! Starting and ending a node's program run: a fresh Lua VM per run, the
//! node API installed as globals, and one task on the network runtime that
//! drives the program and its processes. The task owns the VM, so the VM is
//! freed when the run ends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use mlua::{Lua, LuaOptions, MultiValue, StdLib, Value};
use tokio::sync::mpsc;

use crate::api::{self, NodeContext};
use crate::console::{ConsoleLine, Stream};
use crate::error::Error;
use crate::network::Shared;
use crate::node::{Node, NodeState, RunHandle};
use crate::process::{self, RunEnd};
use crate::rpc::DEFAULT_RPC_TIMEOUT_MS;
use crate::stop::StopSignal;
use crate::value::lua_to_json;
use crate::vm::{self, HookState};

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
        message: describe_plain(error),
    }
}

/// Starts `source` as the program of `node`, stopping the run before it.
/// Errors name lines as `chunk:LINE`.
// NOTE: a fresh VM per run costs about 0.15 to 0.3 ms (BENCHMARKS.md), above
// the 50 us target; a pool of VMs prepared ahead would be needed to meet it.
pub(crate) fn start(
    runtime: &tokio::runtime::Runtime,
    shared: Arc<Shared>,
    node: Arc<Node>,
    chunk: &str,
    source: &str,
) -> Result<(), Error> {
    let signal = StopSignal::new();
    let (spawner, spawned) = mpsc::unbounded_channel();
    let (calls_sender, calls) = mpsc::unbounded_channel();
    let (evals_sender, evals) = mpsc::unbounded_channel();
    let pending = Arc::new(Mutex::new(HashMap::new()));
    let limits = *node.limits.lock().expect("limits lock");
    let context = Arc::new(NodeContext {
        shared: shared.clone(),
        node: node.clone(),
        spawner,
        driven: Arc::new(Mutex::new(Vec::new())),
        budget: crate::vm::Budget::default(),
        last_hops: AtomicU32::new(0),
        pending: pending.clone(),
        next_call: AtomicU64::new(1),
        rpc_timeout_ms: Mutex::new(DEFAULT_RPC_TIMEOUT_MS),
        rpc_error: Mutex::new(None),
    });

    let load = |error: mlua::Error| load_error(&node.name, &error);
    let lua = vm::create(HookState {
        signal: signal.clone(),
        driven: context.driven.clone(),
        budget: context.budget.clone(),
        limits,
        node: node.clone(),
    })
    .map_err(load)?;
    api::install(&lua, &context).map_err(load)?;
    let function = lua.load(source).set_name(format!("={chunk}")).into_function().map_err(load)?;

    {
        let mut run = node.run.lock().expect("run lock");
        if let Some(previous) = run.replace(RunHandle {
            signal: signal.clone(),
            calls: calls_sender,
            evals: evals_sender,
            pending,
        }) {
            previous.signal.stop();
        }
        *node.result.lock().expect("result lock") = None;
        *node.error.lock().expect("error lock") = None;
        *node.program.lock().expect("program lock") = Some(source.to_string());
        node.series.lock().expect("series lock").clear();
        node.live.store(0, Ordering::Release);
        node.waiting.store(0, Ordering::Release);
        node.set_state(NodeState::Running);
    }
    process::start_process(&lua, &context, function, MultiValue::new(), true, "program".into(), None).map_err(load)?;
    tracing::debug!(node = %node.name, vm = "lua", "program started");

    runtime.spawn(async move {
        // A panic in the runtime must end this run as failed, not leave the
        // node shown as running for good.
        let driving = std::panic::AssertUnwindSafe(process::drive(&lua, &context, &signal, spawned, calls, evals));
        let end = futures_util::FutureExt::catch_unwind(driving).await.unwrap_or_else(|panic| {
            let detail = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|text| text.to_string()))
                .unwrap_or_default();
            tracing::error!(node = %node.name, panic = %detail, "node task panicked");
            RunEnd::Failed(String::new(), mlua::Error::runtime(format!("internal error in the node runtime: {detail}")))
        });
        node.memory.store(lua.used_memory(), Ordering::Relaxed);
        finish(&context, &signal, end);
        let shared = context.shared.clone();
        drop(context);
        let reaper = shared.reaper.lock().expect("reaper lock").clone();
        if let Err(returned) = reaper.send(lua) {
            drop(returned.0);
        }
    });
    Ok(())
}

/// Records how a run ended, unless a newer run of the node replaced it.
fn finish(context: &NodeContext, signal: &StopSignal, end: RunEnd) {
    let node = &context.node;
    let mut run = node.run.lock().expect("run lock");
    let current = run.as_ref().is_some_and(|active| active.signal.same_run(signal));
    if !current {
        return;
    }
    *run = None;

    let state = match end {
        RunEnd::Done(values) => {
            let first = values.into_iter().next().unwrap_or(Value::Nil);
            match lua_to_json(&first) {
                Ok(json) => *node.result.lock().expect("result lock") = Some(json),
                Err(message) => publish(context, Stream::Stderr, format!("result not kept: {message}")),
            }
            NodeState::Done
        }
        RunEnd::Stopped => NodeState::Stopped,
        RunEnd::Failed(label, error) => {
            let mut message = describe_error(&error, context);
            if !label.is_empty() {
                message = format!("{label}: {message}");
            }
            tracing::info!(node = %node.name, error = %message, "program failed");
            publish(context, Stream::Stderr, format!("error: {message}"));
            *node.error.lock().expect("error lock") = Some(message);
            NodeState::Failed
        }
    };
    node.live.store(0, Ordering::Release);
    node.waiting.store(0, Ordering::Release);
    node.set_state(state);
    drop(run);
    tracing::debug!(node = %node.name, state = state.as_str(), "program ended");
    context.shared.notify_finished();
}

/// Converts an mlua error into the message shown to the user, naming the
/// node's limit when one was hit.
pub(crate) fn describe_error(error: &mlua::Error, context: &NodeContext) -> String {
    match error {
        mlua::Error::MemoryError(_) => {
            let limit = context.node.limits.lock().expect("limits lock").memory;
            vm::memory_limit_message(limit)
        }
        mlua::Error::CallbackError { cause, .. } | mlua::Error::WithContext { cause, .. } => {
            describe_error(cause, context)
        }
        other => describe_plain(other),
    }
}

fn describe_plain(error: &mlua::Error) -> String {
    match error {
        mlua::Error::RuntimeError(message) | mlua::Error::SyntaxError { message, .. } => {
            // mlua appends the Lua traceback; the first part is the message.
            message.split("\nstack traceback:").next().unwrap_or(message).to_string()
        }
        mlua::Error::CallbackError { cause, .. } | mlua::Error::WithContext { cause, .. } => describe_plain(cause),
        other => other.to_string(),
    }
}

fn publish(context: &NodeContext, stream: Stream, text: String) {
    context.shared.publish(
        &context.node,
        ConsoleLine {
            node: context.node.name.clone(),
            stream,
            text,
        },
    );
}
