//! The VNetOS network runtime: a graph of named nodes with ports and links,
//! one Lua VM per running program, and the router that carries messages
//! between ports. It does not depend on Jupyter: the kernel drives it through
//! [`Network`] and reads node consoles through a [`ConsoleSink`].

mod api;
mod channel;
mod console;
mod error;
mod graph;
mod inbox;
mod monitor;
mod network;
mod node;
mod process;
mod program;
mod rng;
mod router;
mod routes;
mod rpc;
mod snapshot;
mod stats;
mod stop;
mod topology;
mod value;
mod vm;

pub use console::{ConsoleLine, ConsoleSink, Stream, CONSOLE_CAPACITY};
pub use error::Error;
pub use inbox::DEFAULT_INBOX_CAPACITY;
pub use network::{LinkInfo, Network, NodeInfo, PortInfo, WaitOutcome, DEFAULT_MESSAGE_LIMIT};
pub use node::{LinkProps, Limits, NodeState, VmKind, DEFAULT_INSTRUCTION_LIMIT, DEFAULT_MEMORY_LIMIT};
pub use rpc::DEFAULT_RPC_TIMEOUT_MS;
pub use snapshot::{LinkSpec, NetworkSpec, NodeSpec};
pub use stats::{LinkStats, NodeStats, LATENCY_SAMPLES};
pub use value::{encoded_size, json_to_lua, lua_to_json};
