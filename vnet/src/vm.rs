//! Creating a node's Lua VM: the libraries a program may use, its memory
//! limit, and the instruction hook that enforces the instruction limit,
//! stops the VM on request and lets busy nodes share the worker threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use mlua::{HookTriggers, Lua, LuaOptions, StdLib, Table, Value, VmState};

use crate::node::{Limits, Node};
use crate::stop::StopSignal;

/// Instructions between two runs of the hook.
pub(crate) const HOOK_INSTRUCTIONS: u32 = 10_000;

/// The message a program stopped by the user fails with.
pub(crate) const STOPPED: &str = "program stopped";

/// Instructions each thread of a run has executed since it last entered a
/// waiting call. Counting per thread means a spinning process fails even
/// while another process of the node keeps waiting.
#[derive(Clone, Default)]
pub(crate) struct Budget {
    used: Arc<Mutex<std::collections::HashMap<usize, u64>>>,
}

/// Threads tracked at once; beyond this the counts start over, which only
/// ever delays a limit.
const MAX_TRACKED_THREADS: usize = 4096;

impl Budget {
    /// Adds `count` instructions to `thread`; returns its new total.
    fn add(&self, thread: usize, count: u64) -> u64 {
        let mut used = self.used.lock().expect("budget lock");
        if used.len() >= MAX_TRACKED_THREADS && !used.contains_key(&thread) {
            used.clear();
        }
        let total = used.entry(thread).or_insert(0);
        *total += count;
        *total
    }

    /// Restarts the count of the thread running in `lua`.
    pub(crate) fn reset(&self, lua: &Lua) {
        let thread = lua.current_thread().to_pointer() as usize;
        self.used.lock().expect("budget lock").remove(&thread);
    }
}

/// The state the hook of one program run checks.
pub(crate) struct HookState {
    pub signal: StopSignal,
    /// Threads that the node's task drives (the program and its processes):
    /// only these may be preempted with a yield.
    pub driven: Arc<Mutex<Vec<usize>>>,
    /// Instructions run per thread since it last entered a waiting call.
    pub budget: Budget,
    pub limits: Limits,
    pub node: Arc<Node>,
}

pub(crate) fn create(state: HookState) -> mlua::Result<Lua> {
    let libraries = StdLib::COROUTINE | StdLib::TABLE | StdLib::STRING | StdLib::UTF8 | StdLib::MATH | StdLib::OS;
    let lua = Lua::new_with(libraries, LuaOptions::default())?;
    restrict_os(&lua)?;
    // Reading files from a node program would reach the kernel's host.
    for name in ["dofile", "loadfile"] {
        lua.globals().set(name, Value::Nil)?;
    }
    lua.set_memory_limit(state.limits.memory)?;

    let stopped_calls = AtomicUsize::new(0);
    lua.set_global_hook(
        HookTriggers::new().every_nth_instruction(HOOK_INSTRUCTIONS),
        move |lua, debug| {
            let current = lua.current_thread().to_pointer() as usize;
            let driven = state.driven.lock().expect("driven lock").contains(&current);
            if state.signal.is_stopped() {
                // A `pcall` in a loop can catch an error, and Lua ignores a
                // yield inside a C call. So a stopped driven thread gets both
                // in turn, and the first yield that lands returns control to
                // the task, which then ends the run.
                let call = stopped_calls.fetch_add(1, Ordering::Relaxed);
                if driven && call % 2 == 1 {
                    return Ok(VmState::Yield);
                }
                return Err(mlua::Error::runtime(STOPPED));
            }

            let used = state.budget.add(current, u64::from(HOOK_INSTRUCTIONS));
            if used > state.limits.instructions {
                return Err(mlua::Error::runtime(instruction_limit_message(state.limits.instructions)));
            }
            state.node.memory.store(lua.used_memory(), Ordering::Relaxed);

            // Yielding inside a coroutine the program made itself would
            // return control to the program's own `coroutine.resume`. Inside
            // mlua's wrapper of an async function a yield loses the wake-up
            // of the pending future (seen with mlua 0.12.2: two nodes
            // exchanging messages stalled), so the hook waits until the
            // program's own code runs again.
            if driven && !in_async_wrapper(debug) {
                Ok(VmState::Yield)
            } else {
                Ok(VmState::Continue)
            }
        },
    )?;
    Ok(lua)
}

/// True while the hook interrupts the Lua wrapper that mlua puts around
/// async functions.
fn in_async_wrapper(debug: &mlua::debug::Debug) -> bool {
    debug
        .source()
        .short_src
        .is_some_and(|source| source.starts_with("__mlua"))
}

pub(crate) fn instruction_limit_message(limit: u64) -> String {
    format!(
        "instruction limit of {limit} instructions without waiting reached; \
         call sleep() or recv() inside long loops, or raise the node's instruction limit"
    )
}

pub(crate) fn memory_limit_message(limit: usize) -> String {
    let mib = limit as f64 / (1024.0 * 1024.0);
    format!("memory limit of {} MiB reached; raise it with net.limits(NAME, {{memory_mib = M}})", trim(mib))
}

fn trim(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Formats a byte count the way limits are usually written: "64 MiB".
pub(crate) fn format_bytes(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    const KIB: usize = 1024;
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB ({bytes} bytes)", bytes / MIB)
    } else if bytes >= KIB && bytes % KIB == 0 {
        format!("{} KiB ({bytes} bytes)", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
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
