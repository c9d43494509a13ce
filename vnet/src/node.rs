//! A node: its identity, ports, inbox, console and the state of its program.
//! The kernel never locks a running VM; everything it reads about a node
//! comes from the fields here, which the program's task keeps current.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};

use serde_json::Value as Json;
use tokio::sync::{mpsc, oneshot};

use crate::console::Console;
use crate::inbox::{Envelope, Inbox, DEFAULT_INBOX_CAPACITY};
use crate::rng::{port_seed, SplitMix64};
use crate::stats::{NodeCounters, PortCounters};
use crate::stop::StopSignal;

/// The interpreter a node's VM runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VmKind {
    Lua,
}

impl VmKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VmKind::Lua => "lua",
        }
    }
}

/// Lifecycle of a node's program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum NodeState {
    /// No program has been started.
    Idle = 0,
    /// At least one process is executing Lua code.
    Running = 1,
    /// The program returned and every process it spawned ended.
    Done = 2,
    /// A process raised an error or hit a limit.
    Failed = 3,
    /// The program was stopped by the user (interrupt, `%reset`, a new program).
    Stopped = 4,
    /// Every process is inside a waiting call (`recv`, `sleep`, `get`, ...).
    Waiting = 5,
}

impl NodeState {
    fn from_u8(value: u8) -> NodeState {
        match value {
            1 => NodeState::Running,
            2 => NodeState::Done,
            3 => NodeState::Failed,
            4 => NodeState::Stopped,
            5 => NodeState::Waiting,
            _ => NodeState::Idle,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NodeState::Idle => "idle",
            NodeState::Running => "running",
            NodeState::Done => "done",
            NodeState::Failed => "failed",
            NodeState::Stopped => "stopped",
            NodeState::Waiting => "waiting",
        }
    }

    /// True once the program has ended, or before any program started.
    pub fn is_finished(self) -> bool {
        !matches!(self, NodeState::Running | NodeState::Waiting)
    }
}

/// Properties of a link, the same in both directions.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LinkProps {
    /// Delay added to every message, in milliseconds.
    pub latency_ms: f64,
    /// Uniform spread around the latency, in milliseconds (never below 0 ms).
    pub jitter_ms: f64,
    /// Probability in [0, 1] that a message is lost.
    pub loss: f64,
}

/// Per-VM limits of a node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Bytes the VM may allocate.
    pub memory: usize,
    /// Lua instructions the node may run without any of its processes
    /// calling `recv`, `sleep`, `select`, a channel's `get` or `put`,
    /// `join` or `rpc.call`.
    pub instructions: u64,
}

/// Memory a node's VM may allocate unless set otherwise: 64 MiB.
pub const DEFAULT_MEMORY_LIMIT: usize = 64 * 1024 * 1024;
/// Instructions without waiting unless set otherwise: 10^9, some seconds of
/// pure Lua computation.
pub const DEFAULT_INSTRUCTION_LIMIT: u64 = 1_000_000_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory: DEFAULT_MEMORY_LIMIT,
            instructions: DEFAULT_INSTRUCTION_LIMIT,
        }
    }
}

pub(crate) struct Peer {
    pub node: Weak<Node>,
    pub node_name: String,
    pub port: String,
    pub props: LinkProps,
}

pub(crate) struct Port {
    pub name: String,
    pub peer: Option<Peer>,
    /// Draws for loss and jitter of messages sent on this port.
    pub rng: Mutex<SplitMix64>,
    pub counters: PortCounters,
}

impl Port {
    pub(crate) fn new(node: &str, name: &str, seed: u64) -> Port {
        Port {
            name: name.to_string(),
            peer: None,
            rng: Mutex::new(SplitMix64::new(port_seed(seed, node, name))),
            counters: PortCounters::default(),
        }
    }
}

/// The result of a remote procedure call: result values, or an error message.
pub(crate) type CallResult = Result<Json, String>;

/// The router's handle on the program running on a node.
pub(crate) struct RunHandle {
    pub signal: StopSignal,
    /// Incoming calls, served by the node's task.
    pub calls: mpsc::UnboundedSender<Envelope>,
    /// Calls this node made that wait for a reply, by call id.
    pub pending: Arc<Mutex<HashMap<u64, oneshot::Sender<CallResult>>>>,
    /// Code to evaluate in the running VM (`%eval`, `%%shell`).
    pub evals: mpsc::UnboundedSender<crate::monitor::EvalRequest>,
}

pub(crate) struct Node {
    pub name: String,
    pub id: u64,
    pub position: (f64, f64),
    pub vm: VmKind,
    pub ports: RwLock<Vec<Port>>,
    pub inbox: Inbox,
    pub console: Console,
    state: AtomicU8,
    /// The program run in progress, if any.
    pub run: Mutex<Option<RunHandle>>,
    /// Source of the last program loaded, kept for `%save` and reruns.
    pub program: Mutex<Option<String>>,
    /// First value the last program returned, as JSON.
    pub result: Mutex<Option<Json>>,
    /// Error message of the last program, when it failed.
    pub error: Mutex<Option<String>>,
    pub counters: NodeCounters,
    pub limits: Mutex<Limits>,
    /// Processes of the current run that have not ended.
    pub live: AtomicUsize,
    /// Processes of the current run inside a waiting call.
    pub waiting: AtomicUsize,
    /// Bytes the VM had allocated when its task last looked.
    pub memory: AtomicUsize,
    /// Samples recorded with `emit(key, value)`: (ms since the network
    /// started, value), at most `SERIES_CAPACITY` per key.
    pub series: Mutex<std::collections::BTreeMap<String, std::collections::VecDeque<(f64, f64)>>>,
}

/// Samples kept per node and key; older samples are dropped first.
pub const SERIES_CAPACITY: usize = 10_000;

impl Node {
    pub(crate) fn new(name: String, id: u64, position: (f64, f64), ports: &[String], seed: u64) -> Node {
        let port_list = ports.iter().map(|port| Port::new(&name, port, seed)).collect();
        Node {
            name,
            id,
            position,
            vm: VmKind::Lua,
            ports: RwLock::new(port_list),
            inbox: Inbox::new(DEFAULT_INBOX_CAPACITY),
            console: Console::default(),
            state: AtomicU8::new(NodeState::Idle as u8),
            run: Mutex::new(None),
            program: Mutex::new(None),
            result: Mutex::new(None),
            error: Mutex::new(None),
            counters: NodeCounters::default(),
            limits: Mutex::new(Limits::default()),
            live: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            memory: AtomicUsize::new(0),
            series: Mutex::new(std::collections::BTreeMap::new()),
        }
    }

    /// Returns the state shown to users: a running node whose processes
    /// all wait is shown as waiting.
    pub(crate) fn state(&self) -> NodeState {
        let state = NodeState::from_u8(self.state.load(Ordering::Acquire));
        if state == NodeState::Running {
            let live = self.live.load(Ordering::Acquire);
            if live > 0 && self.waiting.load(Ordering::Acquire) >= live {
                return NodeState::Waiting;
            }
        }
        state
    }

    pub(crate) fn set_state(&self, state: NodeState) {
        self.state.store(state as u8, Ordering::Release);
    }

    pub(crate) fn port_names(&self) -> Vec<String> {
        let ports = self.ports.read().expect("ports lock");
        ports.iter().map(|port| port.name.clone()).collect()
    }

    pub(crate) fn has_port(&self, port: &str) -> bool {
        self.ports.read().expect("ports lock").iter().any(|candidate| candidate.name == port)
    }

    pub(crate) fn unknown_port(&self, port: &str) -> crate::Error {
        crate::Error::UnknownPort {
            node: self.name.clone(),
            port: port.to_string(),
            ports: self.port_names().join(", "),
        }
    }

    /// Stops the program in progress, if any.
    pub(crate) fn stop(&self) {
        if let Some(run) = self.run.lock().expect("run lock").as_ref() {
            run.signal.stop();
        }
    }
}
