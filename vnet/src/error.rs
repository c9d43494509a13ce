//! Errors of network operations, worded for the person who typed the command.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("no node named `{name}`; {known} (see `%nodes`)")]
    UnknownNode { name: String, known: String },

    #[error("node `{0}` already exists; choose another name or remove it first with `%node rm {0}`")]
    DuplicateNode(String),

    #[error("node `{node}` has no port `{port}`; its ports are {ports}")]
    UnknownPort { node: String, port: String, ports: String },

    #[error("port `{node}:{port}` is already linked to `{peer}`; free it first with `%unlink {node}:{port}`")]
    PortInUse { node: String, port: String, peer: String },

    #[error("no node matches `{0}`; {1} (see `%nodes`)")]
    NoMatch(String, String),

    #[error("invalid link: {0}")]
    InvalidLink(String),

    #[error("{0}")]
    Eval(String),

    #[error("{0}")]
    InvalidName(String),

    #[error("invalid network description: {0}")]
    InvalidSpec(String),

    #[error("Lua error while loading the program of `{node}`: {message}")]
    Load { node: String, message: String },
}

/// Describes the nodes a network has, for "no such node" messages: all names
/// when there are few, else the first and last few.
pub(crate) fn describe_names(names: &[String]) -> String {
    match names.len() {
        0 => "the network has no nodes yet (try `%mesh 4x4`)".to_string(),
        1..=12 => format!("the network has {}", names.join(", ")),
        count => format!(
            "the network has {count} nodes: {}, ... {}",
            names[..4].join(", "),
            names[count - 4..].join(", ")
        ),
    }
}
