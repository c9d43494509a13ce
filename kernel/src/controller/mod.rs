//! The controller: one long-lived Lua VM and the network, on a thread of
//! their own. The wire runtime hands it jobs (execute, complete, inspect) and
//! awaits the replies, so a cell that never yields cannot stall heartbeat,
//! control or IOPub.

mod cell;
mod live;
mod lua_env;
pub(crate) mod magic;
mod net_api;
mod repr;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use jupyter_protocol::{CompleteReply, ErrorOutput, InspectReply};
use mlua::Lua;
use tokio::sync::oneshot;
use vnet::Network;

use crate::iopub::Outbox;
use crate::stdin::InputAsk;

/// Text form of a Lua value, as execute_result shows it.
pub fn repr_value(value: &mlua::Value) -> String {
    repr::repr(value)
}

/// The outcome of a cell.
pub enum ExecuteOutcome {
    /// `result` is the text/plain of the execute_result, if there was one.
    Ok { result: Option<String> },
    Error(ErrorOutput),
}

enum Job {
    Execute {
        code: String,
        outbox: Outbox,
        execution_count: usize,
        allow_stdin: bool,
        reply: oneshot::Sender<ExecuteOutcome>,
    },
    Complete {
        code: String,
        cursor: usize,
        reply: oneshot::Sender<CompleteReply>,
    },
    Inspect {
        code: String,
        cursor: usize,
        reply: oneshot::Sender<InspectReply>,
    },
}

/// The running cell, as the Lua functions of the controller VM need it.
pub(crate) struct CellContext {
    pub outbox: Outbox,
    pub allow_stdin: bool,
}

/// State the controller VM's Rust functions share with the cell runner.
#[derive(Clone)]
pub(crate) struct Shared {
    pub network: Arc<Network>,
    pub cell: Arc<Mutex<Option<CellContext>>>,
    pub interrupt: Arc<AtomicBool>,
    pub stdin: tokio::sync::mpsc::UnboundedSender<InputAsk>,
    /// Nodes whose console lines stream into the running cell: those it
    /// started, waits on or evaluates code in.
    pub watched: Arc<Mutex<std::collections::HashSet<String>>>,
    /// Nodes whose programs the running cell started, stopped on interrupt.
    pub started: Arc<Mutex<Vec<String>>>,
}

impl Shared {
    pub fn outbox(&self) -> Option<Outbox> {
        self.cell.lock().expect("cell lock").as_ref().map(|cell| cell.outbox.clone())
    }

    /// Streams the console lines of `names` into the running cell.
    pub fn watch(&self, names: &[String]) {
        self.watched.lock().expect("watched lock").extend(names.iter().cloned());
    }

    /// Records programs the running cell started: they are watched, and
    /// stopped if the cell is interrupted.
    pub fn started(&self, names: &[String]) {
        self.watch(names);
        self.started.lock().expect("started lock").extend(names.iter().cloned());
    }

    pub fn interrupted(&self) -> bool {
        self.interrupt.load(Ordering::Acquire)
    }
}

/// The wire runtime's handle on the controller thread.
#[derive(Clone)]
pub struct Controller {
    jobs: mpsc::Sender<Job>,
    interrupt: Arc<AtomicBool>,
}

impl Controller {
    /// Starts the controller thread with its VM and an empty network.
    pub fn spawn(stdin: tokio::sync::mpsc::UnboundedSender<InputAsk>) -> anyhow::Result<Controller> {
        let network = Arc::new(Network::new(2)?);
        let interrupt = Arc::new(AtomicBool::new(false));
        let shared = Shared {
            network,
            cell: Arc::new(Mutex::new(None)),
            interrupt: interrupt.clone(),
            stdin,
            watched: Arc::new(Mutex::new(Default::default())),
            started: Arc::new(Mutex::new(Vec::new())),
        };
        let lua = lua_env::create(&shared)?;
        let (jobs, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("vnetos-controller".into())
            .spawn(move || serve(lua, shared, receiver))?;
        Ok(Controller { jobs, interrupt })
    }

    /// Asks the running cell to stop: Lua code in the controller fails at its
    /// next instruction check and programs the cell started are stopped.
    pub fn interrupt(&self) {
        self.interrupt.store(true, Ordering::Release);
    }

    pub async fn execute(&self, code: String, outbox: Outbox, execution_count: usize, allow_stdin: bool) -> ExecuteOutcome {
        let outbox_for_error = outbox.clone();
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Execute {
            code,
            outbox,
            execution_count,
            allow_stdin,
            reply,
        });
        answer.await.unwrap_or_else(|_| {
            let error = controller_gone();
            outbox_for_error.error(&error);
            ExecuteOutcome::Error(error)
        })
    }

    pub async fn complete(&self, code: String, cursor: usize) -> CompleteReply {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Complete { code, cursor, reply });
        answer.await.unwrap_or_default()
    }

    pub async fn inspect(&self, code: String, cursor: usize) -> InspectReply {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Inspect { code, cursor, reply });
        answer.await.unwrap_or_default()
    }

    fn submit(&self, job: Job) {
        if self.jobs.send(job).is_err() {
            tracing::error!("controller thread is gone");
        }
    }
}

fn controller_gone() -> ErrorOutput {
    ErrorOutput {
        ename: "KernelError".into(),
        evalue: "the controller thread has stopped; restart the kernel".into(),
        traceback: vec!["KernelError: the controller thread has stopped; restart the kernel".into()],
    }
}

/// Runs one job, turning a panic into an error instead of losing the
/// controller thread and with it every later cell.
fn guarded<T>(what: &str, job: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).map_err(|panic| {
        let detail = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|text| text.to_string()))
            .unwrap_or_default();
        tracing::error!(job = what, panic = %detail, "controller job panicked");
        detail
    })
}

fn serve(lua: Lua, shared: Shared, jobs: mpsc::Receiver<Job>) {
    for job in jobs {
        match job {
            Job::Execute {
                code,
                outbox,
                execution_count,
                allow_stdin,
                reply,
            } => {
                let cell_outbox = outbox.clone();
                let outcome = guarded("execute", || {
                    cell::execute(&lua, &shared, &code, outbox, execution_count, allow_stdin)
                })
                .unwrap_or_else(|detail| {
                    // The cell may have left its sink and context behind.
                    shared.network.set_console_sink(None);
                    *shared.cell.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
                    let error = ErrorOutput {
                        ename: "KernelError".into(),
                        evalue: format!("internal error while running the cell: {detail}; the kernel goes on"),
                        traceback: vec![format!("KernelError: internal error while running the cell: {detail}")],
                    };
                    cell_outbox.error(&error);
                    ExecuteOutcome::Error(error)
                });
                let _ = reply.send(outcome);
            }
            Job::Complete { code, cursor, reply } => {
                let matches = guarded("complete", || crate::complete::complete(&lua, &shared.network, &code, cursor));
                let _ = reply.send(matches.unwrap_or_default());
            }
            Job::Inspect { code, cursor, reply } => {
                let found = guarded("inspect", || crate::complete::inspect(&lua, &shared.network, &code, cursor));
                let _ = reply.send(found.unwrap_or_default());
            }
        }
    }
    tracing::debug!("controller thread ended");
}
