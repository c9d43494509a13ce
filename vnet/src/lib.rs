//! The VNetOS network runtime: a graph of named nodes with ports and links,
//! one Lua VM per running program, and the router that carries messages
//! between ports. It knows nothing of Jupyter; the kernel drives it through
//! [`Network`] and reads node consoles through a [`ConsoleSink`].

mod console;
mod error;
mod graph;
mod inbox;
mod network;
mod node;
mod program;
mod stop;
mod topology;
mod value;

pub use console::{ConsoleLine, ConsoleSink, Stream};
pub use error::Error;
pub use network::{LinkInfo, Network, NodeInfo, PortInfo, WaitOutcome};
pub use node::{NodeState, VmKind};
pub use value::{json_to_lua, lua_to_json};
