//! A node: its identity, ports, inbox, console and the state of its program.
//! The kernel never locks a running VM; everything it reads about a node
//! comes from the fields here, which the program's task keeps current.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Mutex, RwLock, Weak};

use serde_json::Value as Json;

use crate::console::Console;
use crate::inbox::Inbox;
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
    Running = 1,
    /// The program returned.
    Done = 2,
    /// The program raised an error or hit a limit.
    Failed = 3,
    /// The program was stopped by the user (interrupt, `%reset`, a new program).
    Stopped = 4,
}

impl NodeState {
    fn from_u8(value: u8) -> NodeState {
        match value {
            1 => NodeState::Running,
            2 => NodeState::Done,
            3 => NodeState::Failed,
            4 => NodeState::Stopped,
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
        }
    }

    pub fn is_finished(self) -> bool {
        !matches!(self, NodeState::Running)
    }
}

pub(crate) struct Peer {
    pub node: Weak<Node>,
    pub node_name: String,
    pub port: String,
}

pub(crate) struct Port {
    pub name: String,
    pub peer: Option<Peer>,
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
    /// Stop signal of the program run in progress, if any.
    pub run: Mutex<Option<StopSignal>>,
    /// First value the last program returned, as JSON.
    pub result: Mutex<Option<Json>>,
    /// Error message of the last program, when it failed.
    pub error: Mutex<Option<String>>,
    pub sent: AtomicU64,
    pub received: AtomicU64,
    /// Messages sent on a port with no link.
    pub dropped: AtomicU64,
}

impl Node {
    pub(crate) fn new(name: String, id: u64, position: (f64, f64), ports: &[String]) -> Node {
        Node {
            name,
            id,
            position,
            vm: VmKind::Lua,
            ports: RwLock::new(
                ports
                    .iter()
                    .map(|port| Port {
                        name: port.clone(),
                        peer: None,
                    })
                    .collect(),
            ),
            inbox: Inbox::new(),
            console: Console::default(),
            state: AtomicU8::new(NodeState::Idle as u8),
            run: Mutex::new(None),
            result: Mutex::new(None),
            error: Mutex::new(None),
            sent: AtomicU64::new(0),
            received: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        }
    }

    pub(crate) fn state(&self) -> NodeState {
        NodeState::from_u8(self.state.load(Ordering::Acquire))
    }

    pub(crate) fn set_state(&self, state: NodeState) {
        self.state.store(state as u8, Ordering::Release);
    }

    pub(crate) fn port_names(&self) -> Vec<String> {
        let ports = self.ports.read().expect("ports lock");
        ports.iter().map(|port| port.name.clone()).collect()
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
        if let Some(signal) = self.run.lock().expect("run lock").as_ref() {
            signal.stop();
        }
    }
}
