//! A network as plain data, for saving and loading: nodes with their
//! positions, VM kinds, ports, limits and programs, links with their
//! properties, the seed and the message limit. Loading checks the whole
//! description before it replaces anything.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::network::Network;
use crate::node::{LinkProps, Limits, DEFAULT_INSTRUCTION_LIMIT, DEFAULT_MEMORY_LIMIT};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    #[serde(default)]
    pub seed: u64,
    #[serde(default = "default_message_limit")]
    pub message_limit: usize,
    #[serde(default, rename = "node")]
    pub nodes: Vec<NodeSpec>,
    #[serde(default, rename = "link")]
    pub links: Vec<LinkSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    pub name: String,
    pub x: f64,
    pub y: f64,
    #[serde(default = "default_vm")]
    pub vm: String,
    #[serde(default)]
    pub ports: Vec<String>,
    #[serde(default = "default_memory")]
    pub memory_bytes: usize,
    #[serde(default = "default_instructions")]
    pub instructions: u64,
    /// The last program loaded onto the node; it is not started on load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// One end as "node:port".
    pub a: String,
    pub b: String,
    #[serde(default)]
    pub latency_ms: f64,
    #[serde(default)]
    pub jitter_ms: f64,
    #[serde(default)]
    pub loss: f64,
}

fn default_message_limit() -> usize {
    crate::network::DEFAULT_MESSAGE_LIMIT
}

fn default_vm() -> String {
    "lua".to_string()
}

fn default_memory() -> usize {
    DEFAULT_MEMORY_LIMIT
}

fn default_instructions() -> u64 {
    DEFAULT_INSTRUCTION_LIMIT
}

fn invalid(message: String) -> Error {
    Error::InvalidSpec(message)
}

fn split_endpoint(text: &str) -> Result<(&str, &str), Error> {
    text.split_once(':')
        .filter(|(node, port)| !node.is_empty() && !port.is_empty())
        .ok_or_else(|| invalid(format!("link end `{text}` is not of the form NODE:PORT")))
}

impl Network {
    /// Describes the network as data.
    pub fn export(&self) -> NetworkSpec {
        let nodes = self
            .nodes()
            .into_iter()
            .map(|info| NodeSpec {
                program: self.program_of(&info.name),
                name: info.name,
                x: info.position.0,
                y: info.position.1,
                vm: info.vm.as_str().to_string(),
                ports: info.ports.into_iter().map(|port| port.name).collect(),
                memory_bytes: info.limits.memory,
                instructions: info.limits.instructions,
            })
            .collect();
        let links = self
            .links()
            .into_iter()
            .map(|link| LinkSpec {
                a: format!("{}:{}", link.a.0, link.a.1),
                b: format!("{}:{}", link.b.0, link.b.1),
                latency_ms: link.props.latency_ms,
                jitter_ms: link.props.jitter_ms,
                loss: link.props.loss,
            })
            .collect();
        NetworkSpec {
            seed: self.seed(),
            message_limit: self.message_limit(),
            nodes,
            links,
        }
    }

    /// Checks `spec` completely, then replaces the network with it. On an
    /// error the network is left as it was.
    pub fn import(&self, spec: &NetworkSpec) -> Result<(), Error> {
        validate(spec)?;
        self.reset();
        self.set_seed(spec.seed);
        self.set_message_limit(spec.message_limit);
        for node in &spec.nodes {
            self.add_node(&node.name, (node.x, node.y), &node.ports)?;
            self.set_limits(
                &node.name,
                Limits {
                    memory: node.memory_bytes,
                    instructions: node.instructions,
                },
            )?;
            self.set_program(&node.name, node.program.clone())?;
        }
        for link in &spec.links {
            let a = split_endpoint(&link.a)?;
            let b = split_endpoint(&link.b)?;
            let props = LinkProps {
                latency_ms: link.latency_ms,
                jitter_ms: link.jitter_ms,
                loss: link.loss,
            };
            self.link_with(a, b, props)?;
        }
        Ok(())
    }
}

/// Everything `import` could trip over, checked before anything changes.
fn validate(spec: &NetworkSpec) -> Result<(), Error> {
    let mut names = HashSet::new();
    for node in &spec.nodes {
        if node.name.is_empty() || !node.name.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)) {
            return Err(invalid(format!("node name `{}` may only use letters, digits, `_`, `-` and `.`", node.name)));
        }
        if !names.insert(node.name.as_str()) {
            return Err(Error::DuplicateNode(node.name.clone()));
        }
        if node.vm != "lua" {
            return Err(invalid(format!("node `{}` has VM kind `{}`; only `lua` exists so far", node.name, node.vm)));
        }
        if !(node.x.is_finite() && node.y.is_finite()) {
            return Err(invalid(format!("node `{}` needs a finite position", node.name)));
        }
        if node.memory_bytes == 0 || node.instructions == 0 {
            return Err(invalid(format!("node `{}` needs limits above 0", node.name)));
        }
        let mut ports = HashSet::new();
        if let Some(port) = node.ports.iter().find(|port| !ports.insert(port.as_str())) {
            return Err(invalid(format!("node `{}` lists port `{port}` twice", node.name)));
        }
        if let Some(program) = &node.program {
            crate::program::check(&node.name, program)?;
        }
    }
    if spec.message_limit == 0 {
        return Err(invalid("message_limit must be at least 1 byte".to_string()));
    }
    let mut used = HashSet::new();
    for link in &spec.links {
        if link.a == link.b {
            return Err(invalid(format!("`{}` cannot be linked to itself", link.a)));
        }
        for end in [&link.a, &link.b] {
            let (node, port) = split_endpoint(end)?;
            let owner = spec
                .nodes
                .iter()
                .find(|candidate| candidate.name == node)
                .ok_or_else(|| invalid(format!("link end `{end}` names no node of the file")))?;
            if !owner.ports.iter().any(|candidate| candidate == port) {
                return Err(invalid(format!("link end `{end}`: node `{node}` has no port `{port}`")));
            }
            if !used.insert(end.as_str()) {
                return Err(invalid(format!("port `{end}` appears in two links")));
            }
        }
        if !(0.0..=1.0).contains(&link.loss) || link.latency_ms < 0.0 || link.jitter_ms < 0.0 {
            return Err(invalid(format!(
                "link {} - {}: loss must be in [0, 1] and latency and jitter at least 0 ms",
                link.a, link.b
            )));
        }
    }
    Ok(())
}
