//! Processes inside a node, CSP style. The program is the main process;
//! `spawn(fn, ...)` starts more, and incoming RPC calls run as processes too.
//! One task per node drives them all, so the processes of a node never run
//! at the same time and a node's VM is only touched from its own task. The
//! node is done when every process has ended, and a process that fails
//! fails the node.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use futures_util::stream::{FuturesUnordered, StreamExt};
use mlua::{Function, Lua, MultiValue, UserData, UserDataMethods};
use tokio::sync::{mpsc, watch};

use crate::api::{api_error, NodeContext, Waiting};
use crate::inbox::Envelope;
use crate::stop::StopSignal;

/// The end of one process. `main` marks the program itself.
pub(crate) struct ProcessEnd {
    pub main: bool,
    pub label: String,
    pub result: mlua::Result<MultiValue>,
}

pub(crate) type ProcessFuture = Pin<Box<dyn Future<Output = ProcessEnd> + Send>>;

/// The outcome of a whole run.
pub(crate) enum RunEnd {
    Done(MultiValue),
    Failed(String, mlua::Error),
    Stopped,
}

/// The result a finished process leaves for `join`.
type Slot = Arc<Mutex<Option<Result<MultiValue, String>>>>;

/// Hands `function` to the node's task as a new process: the hook may
/// preempt it, it counts as live until it ends, and `on_end` turns its
/// outcome into the process's end.
pub(crate) fn drive_function(
    lua: &Lua,
    context: &Arc<NodeContext>,
    function: Function,
    args: MultiValue,
    cancel: Option<StopSignal>,
    on_end: impl FnOnce(&Arc<NodeContext>, mlua::Result<MultiValue>) -> ProcessEnd + Send + 'static,
) -> mlua::Result<()> {
    let thread = lua.create_thread(function)?;
    let pointer = thread.to_pointer() as usize;
    let running = thread.into_async::<MultiValue>(args)?;
    context.driven.lock().expect("driven lock").push(pointer);
    context.node.live.fetch_add(1, Ordering::AcqRel);
    let ctx = context.clone();
    let future: ProcessFuture = Box::pin(async move {
        let result = match cancel {
            Some(cancel) => tokio::select! {
                result = running => result,
                _ = cancel.stopped() => Err(mlua::Error::runtime("cancelled")),
            },
            None => running.await,
        };
        ctx.driven.lock().expect("driven lock").retain(|driven| *driven != pointer);
        ctx.node.live.fetch_sub(1, Ordering::AcqRel);
        on_end(&ctx, result)
    });
    context
        .spawner
        .send(future)
        .map_err(|_| mlua::Error::runtime("the node's program has ended; no process can start"))
}

/// Starts `function` as a process of the node's program.
pub(crate) fn start_process(
    lua: &Lua,
    context: &Arc<NodeContext>,
    function: Function,
    args: MultiValue,
    main: bool,
    label: String,
    slot: Option<(Slot, watch::Sender<bool>)>,
) -> mlua::Result<()> {
    drive_function(lua, context, function, args, None, move |ctx, result| {
        if let Some((slot, done)) = slot {
            let kept = match &result {
                Ok(values) => Ok(values.clone()),
                Err(error) => Err(crate::program::describe_error(error, ctx)),
            };
            *slot.lock().expect("slot lock") = Some(kept);
            done.send_replace(true);
        }
        ProcessEnd { main, label, result }
    })
}

/// The handle `spawn` returns; `join()` waits for the process and returns
/// its values.
struct ProcessHandle {
    slot: Slot,
    done: watch::Receiver<bool>,
    context: Arc<NodeContext>,
}

impl UserData for ProcessHandle {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_async_method("join", |lua, this, ()| async move {
            let mut done = this.done.clone();
            this.context.touch(&lua);
            if !*done.borrow() {
                let _waiting = Waiting::new(&this.context);
                let _ = done.wait_for(|finished| *finished).await;
            }
            let result = this.slot.lock().expect("slot lock").clone();
            match result {
                Some(Ok(values)) => Ok(values),
                Some(Err(message)) => Err(api_error(&lua, &this.context.node.name, format!("joined process failed: {message}"))),
                None => Ok(MultiValue::new()),
            }
        });
    }
}

pub(crate) fn install(lua: &Lua, context: &Arc<NodeContext>) -> mlua::Result<()> {
    let ctx = context.clone();
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(1));
    lua.globals().set(
        "spawn",
        lua.create_function(move |lua, (function, args): (mlua::Value, MultiValue)| {
            let mlua::Value::Function(function) = function else {
                return Err(api_error(
                    lua,
                    &ctx.node.name,
                    format!("spawn needs a function to run, got a {}", function.type_name()),
                ));
            };
            let number = counter.fetch_add(1, Ordering::Relaxed);
            let slot: Slot = Arc::new(Mutex::new(None));
            let (done, watcher) = watch::channel(false);
            start_process(lua, &ctx, function, args, false, format!("process {number}"), Some((slot.clone(), done)))?;
            Ok(ProcessHandle {
                slot,
                done: watcher,
                context: ctx.clone(),
            })
        })?,
    )?;
    Ok(())
}

/// Drives every process of one run until all have ended, one fails, or the
/// run is stopped. Incoming RPC calls are turned into processes as they come.
pub(crate) async fn drive(
    lua: &Lua,
    context: &Arc<NodeContext>,
    signal: &StopSignal,
    mut spawned: mpsc::UnboundedReceiver<ProcessFuture>,
    mut calls: mpsc::UnboundedReceiver<Envelope>,
    mut evals: mpsc::UnboundedReceiver<crate::monitor::EvalRequest>,
) -> RunEnd {
    let mut running: FuturesUnordered<ProcessFuture> = FuturesUnordered::new();
    let mut main_values = MultiValue::new();
    loop {
        // Processes started by the one that just ran are queued already.
        while let Ok(process) = spawned.try_recv() {
            running.push(process);
        }
        if running.is_empty() {
            return RunEnd::Done(main_values);
        }
        tokio::select! {
            biased;
            _ = signal.stopped() => return RunEnd::Stopped,
            Some(process) = spawned.recv() => running.push(process),
            Some(call) = calls.recv() => crate::rpc::serve_call(lua, context, call),
            Some(request) = evals.recv() => crate::monitor::serve(lua, context, request),
            Some(end) = running.next() => match end.result {
                Ok(values) => {
                    if end.main {
                        main_values = values;
                    }
                }
                Err(_) if signal.is_stopped() => return RunEnd::Stopped,
                Err(error) => {
                    let label = if end.main { String::new() } else { end.label };
                    return RunEnd::Failed(label, error);
                }
            },
        }
    }
}
