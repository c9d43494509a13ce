//! The graph G = <N, P, C>: nodes in creation order, ports on nodes, and
//! links between ports. Links are stored on both ports so that a send looks
//! up its peer without touching the graph.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::error::{describe_names, Error};
use crate::node::{LinkProps, Node, Peer};
use crate::rng::{port_seed, SplitMix64};

#[derive(Default)]
pub(crate) struct Graph {
    nodes: BTreeMap<u64, Arc<Node>>,
    by_name: HashMap<String, u64>,
    next_id: u64,
    /// Seed of the link random generators of new ports.
    seed: u64,
    /// Bumped by every change of nodes or links, so cached routes can tell
    /// they are stale.
    generation: u64,
}

impl Graph {
    pub(crate) fn nodes(&self) -> impl Iterator<Item = &Arc<Node>> {
        self.nodes.values()
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// Sets the seed and restarts the random sequence of every port from it.
    pub(crate) fn reseed(&mut self, seed: u64) {
        self.seed = seed;
        for node in self.nodes.values() {
            let ports = node.ports.read().expect("ports lock");
            for port in ports.iter() {
                *port.rng.lock().expect("rng lock") = SplitMix64::new(port_seed(seed, &node.name, &port.name));
            }
        }
    }

    pub(crate) fn id_of(&self, name: &str) -> Option<u64> {
        self.by_name.get(name).copied()
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    pub(crate) fn names(&self) -> Vec<String> {
        self.nodes.values().map(|node| node.name.clone()).collect()
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    pub(crate) fn get(&self, name: &str) -> Result<&Arc<Node>, Error> {
        self.by_name
            .get(name)
            .and_then(|id| self.nodes.get(id))
            .ok_or_else(|| Error::UnknownNode {
                name: name.to_string(),
                known: describe_names(&self.names()),
            })
    }

    pub(crate) fn add(&mut self, name: &str, position: (f64, f64), ports: &[String]) -> Result<Arc<Node>, Error> {
        check_name("node", name)?;
        if name == "all" {
            return Err(Error::InvalidName("`all` selects every node, so no node may be called that".to_string()));
        }
        for (index, port) in ports.iter().enumerate() {
            check_name("port", port)?;
            if ports[..index].contains(port) {
                return Err(Error::InvalidName(format!("port `{port}` is listed twice for node `{name}`")));
            }
        }
        if !(position.0.is_finite() && position.1.is_finite()) {
            return Err(Error::InvalidName(format!("node `{name}` needs a finite position")));
        }
        if self.contains(name) {
            return Err(Error::DuplicateNode(name.to_string()));
        }
        let id = self.next_id;
        self.next_id += 1;
        let node = Arc::new(Node::new(name.to_string(), id, position, ports, self.seed));
        self.nodes.insert(id, node.clone());
        self.by_name.insert(name.to_string(), id);
        self.generation += 1;
        Ok(node)
    }

    pub(crate) fn remove(&mut self, name: &str) -> Result<Arc<Node>, Error> {
        let node = self.get(name)?.clone();
        node.stop();
        let port_names = node.port_names();
        for port in port_names {
            self.unlink(&node, &port);
        }
        self.by_name.remove(name);
        self.nodes.remove(&node.id);
        self.generation += 1;
        Ok(node)
    }

    pub(crate) fn link(&mut self, a: (&str, &str), b: (&str, &str), props: LinkProps) -> Result<(), Error> {
        let node_a = self.get(a.0)?.clone();
        let node_b = self.get(b.0)?.clone();
        if a == b {
            return Err(Error::InvalidLink(format!(
                "`{}:{}` cannot be linked to itself; link two different ports",
                a.0, a.1
            )));
        }
        check_free(&node_a, a.1)?;
        check_free(&node_b, b.1)?;
        set_peer(&node_a, a.1, &node_b, b.1, props);
        set_peer(&node_b, b.1, &node_a, a.1, props);
        self.generation += 1;
        Ok(())
    }

    /// Removes the link at `node:port`, if there is one, from both ends.
    pub(crate) fn unlink(&mut self, node: &Arc<Node>, port: &str) {
        self.generation += 1;
        let peer = {
            let mut ports = node.ports.write().expect("ports lock");
            ports.iter_mut().find(|p| p.name == port).and_then(|p| p.peer.take())
        };
        if let Some(peer) = peer.and_then(|peer| Some((peer.node.upgrade()?, peer.port))) {
            let mut ports = peer.0.ports.write().expect("ports lock");
            if let Some(p) = ports.iter_mut().find(|p| p.name == peer.1) {
                p.peer = None;
            }
        }
    }

    pub(crate) fn clear(&mut self) {
        for node in self.nodes.values() {
            node.stop();
        }
        self.nodes.clear();
        self.by_name.clear();
        self.next_id = 0;
        self.generation += 1;
    }
}

/// Names of nodes and ports: letters, digits, `_`, `-` and `.`, so they
/// survive selectors, `node:port` notation and saved files.
fn check_name(kind: &str, name: &str) -> Result<(), Error> {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)) {
        return Ok(());
    }
    Err(Error::InvalidName(format!(
        "{kind} name `{name}` is invalid; use letters, digits, `_`, `-` and `.`"
    )))
}

fn check_free(node: &Node, port: &str) -> Result<(), Error> {
    let peer = {
        let ports = node.ports.read().expect("ports lock");
        match ports.iter().find(|p| p.name == port) {
            None => None,
            Some(found) => Some(found.peer.as_ref().map(|peer| format!("{}:{}", peer.node_name, peer.port))),
        }
    };
    match peer {
        None => Err(node.unknown_port(port)),
        Some(Some(peer)) => Err(Error::PortInUse {
            node: node.name.clone(),
            port: port.to_string(),
            peer,
        }),
        Some(None) => Ok(()),
    }
}

fn set_peer(node: &Arc<Node>, port: &str, peer: &Arc<Node>, peer_port: &str, props: LinkProps) {
    let mut ports = node.ports.write().expect("ports lock");
    let slot = ports.iter_mut().find(|p| p.name == port).expect("port checked before linking");
    slot.peer = Some(Peer {
        node: Arc::downgrade(peer),
        node_name: peer.name.clone(),
        port: peer_port.to_string(),
        props,
    });
}
