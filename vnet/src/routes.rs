//! Shortest-path routes for `sendto` and `rpc.call`. For each destination a
//! breadth-first search over the links gives every node the port of its next
//! hop. Tables are built on first use and dropped whenever the graph changes.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::graph::Graph;

/// Destinations whose tables are kept at once; beyond this the cache starts
/// over, which bounds memory on large networks.
const MAX_CACHED_DESTINATIONS: usize = 4096;

#[derive(Default)]
pub(crate) struct Routes {
    generation: Option<u64>,
    /// Dense index of each node id.
    index: HashMap<u64, usize>,
    /// Per node: (neighbour index, port on this node), in port order.
    adjacency: Vec<Vec<(usize, Arc<str>)>>,
    /// Per destination index: the next-hop port of every node, `None` where
    /// the destination is unreachable or is the node itself.
    next_hop: HashMap<usize, Arc<Vec<Option<Arc<str>>>>>,
}

impl Routes {
    /// Returns the port on `from` that leads towards `dest`, or `None` when no
    /// path exists.
    pub(crate) fn next_port(&mut self, graph: &Graph, from: u64, dest: u64) -> Option<Arc<str>> {
        if self.generation != Some(graph.generation()) {
            self.rebuild(graph);
        }
        let from = *self.index.get(&from)?;
        let dest = *self.index.get(&dest)?;
        if !self.next_hop.contains_key(&dest) {
            if self.next_hop.len() >= MAX_CACHED_DESTINATIONS {
                self.next_hop.clear();
            }
            let table = Arc::new(self.search(dest));
            self.next_hop.insert(dest, table);
        }
        self.next_hop[&dest][from].clone()
    }

    fn rebuild(&mut self, graph: &Graph) {
        self.index = graph.nodes().enumerate().map(|(index, node)| (node.id, index)).collect();
        self.adjacency = graph
            .nodes()
            .map(|node| {
                let ports = node.ports.read().expect("ports lock");
                ports
                    .iter()
                    .filter_map(|port| {
                        let peer = port.peer.as_ref()?.node.upgrade()?;
                        let neighbour = *self.index.get(&peer.id)?;
                        Some((neighbour, Arc::<str>::from(port.name.as_str())))
                    })
                    .collect()
            })
            .collect();
        self.next_hop.clear();
        self.generation = Some(graph.generation());
    }

    /// Breadth-first search from `dest`; links work both ways, so the node
    /// that discovers a neighbour is that neighbour's next hop.
    fn search(&self, dest: usize) -> Vec<Option<Arc<str>>> {
        let mut next: Vec<Option<Arc<str>>> = vec![None; self.adjacency.len()];
        let mut seen = vec![false; self.adjacency.len()];
        let mut queue = VecDeque::from([dest]);
        seen[dest] = true;
        while let Some(closer) = queue.pop_front() {
            for (neighbour, _) in &self.adjacency[closer] {
                if seen[*neighbour] {
                    continue;
                }
                seen[*neighbour] = true;
                next[*neighbour] = self.adjacency[*neighbour]
                    .iter()
                    .find(|(node, _)| *node == closer)
                    .map(|(_, port)| port.clone());
                queue.push_back(*neighbour);
            }
        }
        next
    }
}
