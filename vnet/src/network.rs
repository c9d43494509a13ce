//! The network as the kernel uses it: build the graph, start and stop
//! programs, wait for them, and read snapshots of nodes and links. Programs
//! run on the network's own runtime, never on the caller's, so a busy VM
//! cannot stall the sockets of the process that embeds it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use crate::console::{ConsoleLine, ConsoleRouter, ConsoleSink};
use crate::error::{describe_names, Error};
use crate::graph::Graph;
use crate::node::{LinkProps, Limits, Node, NodeState, VmKind};
use crate::program;
use crate::routes::Routes;
use crate::stats::{LinkStats, NodeStats};

/// Largest message a program may send unless set otherwise: 1 MiB of JSON.
pub const DEFAULT_MESSAGE_LIMIT: usize = 1024 * 1024;

/// State shared between the network handle and the tasks of running programs.
pub(crate) struct Shared {
    pub graph: RwLock<Graph>,
    pub console: ConsoleRouter,
    /// Time zero of `now()` in node programs.
    pub epoch: Instant,
    /// Bumped whenever a program ends, so waiters can re-check states.
    pub finished: (Mutex<u64>, Condvar),
    pub routes: Mutex<Routes>,
    /// Largest encoded message, in bytes.
    pub message_limit: AtomicUsize,
    /// VMs of ended runs, freed on a thread of their own: closing a Lua
    /// state takes tens of microseconds that would otherwise delay the
    /// messages of running nodes.
    pub reaper: Mutex<std::sync::mpsc::Sender<mlua::Lua>>,
}

impl Shared {
    pub(crate) fn publish(&self, node: &Node, line: ConsoleLine) {
        self.console.publish(&node.console, line);
    }

    pub(crate) fn notify_finished(&self) {
        let (generation, condvar) = &self.finished;
        *generation.lock().expect("finished lock") += 1;
        condvar.notify_all();
    }
}

/// The outcome of a wait for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitOutcome {
    /// Every program ended.
    Finished,
    /// The time limit passed with programs still running.
    TimedOut,
    /// The caller's abort check returned true.
    Aborted,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PortInfo {
    pub name: String,
    /// `(node, port)` at the other end of the link.
    pub peer: Option<(String, String)>,
}

/// A snapshot of one node.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeInfo {
    pub name: String,
    pub id: u64,
    pub position: (f64, f64),
    pub vm: VmKind,
    pub ports: Vec<PortInfo>,
    pub state: NodeState,
    pub error: Option<String>,
    pub stats: NodeStats,
    /// Bytes the VM had allocated when last seen; 0 before the first run.
    pub memory: usize,
    pub limits: Limits,
    /// Messages waiting in the inbox.
    pub inbox: usize,
    /// Processes of the current run that have not ended.
    pub processes: usize,
}

/// A link, reported once with its ends in node creation order.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkInfo {
    pub a: (String, String),
    pub b: (String, String),
    pub props: LinkProps,
}

pub struct Network {
    shared: Arc<Shared>,
    runtime: tokio::runtime::Runtime,
}

impl Network {
    /// Creates an empty network with a runtime of `workers` threads for the
    /// node programs.
    pub fn new(workers: usize) -> std::io::Result<Network> {
        let (reaper, ended) = std::sync::mpsc::channel::<mlua::Lua>();
        std::thread::Builder::new()
            .name("vnet-reaper".into())
            .spawn(move || ended.into_iter().for_each(drop))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers.max(1))
            .thread_name("vnet-node")
            .enable_time()
            .build()?;
        Ok(Network {
            shared: Arc::new(Shared {
                graph: RwLock::new(Graph::default()),
                console: ConsoleRouter::default(),
                epoch: Instant::now(),
                finished: (Mutex::new(0), Condvar::new()),
                routes: Mutex::new(Routes::default()),
                message_limit: AtomicUsize::new(DEFAULT_MESSAGE_LIMIT),
                reaper: Mutex::new(reaper),
            }),
            runtime,
        })
    }

    /// Installs or removes the sink that receives console lines as they are
    /// printed. Lines are always kept in the node consoles as well.
    pub fn set_console_sink(&self, sink: Option<ConsoleSink>) {
        self.shared.console.set(sink);
    }

    pub fn add_node(&self, name: &str, position: (f64, f64), ports: &[String]) -> Result<(), Error> {
        let mut graph = self.shared.graph.write().expect("graph lock");
        graph.add(name, position, ports)?;
        tracing::debug!(node = %name, "node added");
        Ok(())
    }

    /// Adds several nodes and links at once; nothing is added when any name
    /// is taken or any link is invalid. When the network already has nodes,
    /// the new ones are moved to the right of them, two units apart, so a
    /// second topology never lands on top of the first.
    pub fn add_nodes_and_links(
        &self,
        nodes: &[(String, (f64, f64), Vec<String>)],
        links: &[((String, String), (String, String))],
    ) -> Result<(), Error> {
        let mut graph = self.shared.graph.write().expect("graph lock");
        if let Some((name, _, _)) = nodes.iter().find(|(name, _, _)| graph.contains(name)) {
            return Err(Error::DuplicateNode(name.clone()));
        }
        let existing_right = graph.nodes().map(|node| node.position.0).fold(f64::NEG_INFINITY, f64::max);
        let new_left = nodes.iter().map(|(_, position, _)| position.0).fold(f64::INFINITY, f64::min);
        let shift = if existing_right.is_finite() && new_left.is_finite() {
            existing_right + 2.0 - new_left
        } else {
            0.0
        };
        let mut added = Vec::new();
        let mut outcome = Ok(());
        for (name, position, ports) in nodes {
            match graph.add(name, (position.0 + shift, position.1), ports) {
                Ok(_) => added.push(name.clone()),
                Err(error) => {
                    outcome = Err(error);
                    break;
                }
            }
        }
        if outcome.is_ok() {
            for (a, b) in links {
                if let Err(error) = graph.link((&a.0, &a.1), (&b.0, &b.1), LinkProps::default()) {
                    outcome = Err(error);
                    break;
                }
            }
        }
        if outcome.is_err() {
            for name in &added {
                let _ = graph.remove(name);
            }
        }
        outcome
    }

    pub fn remove_node(&self, name: &str) -> Result<(), Error> {
        let mut graph = self.shared.graph.write().expect("graph lock");
        graph.remove(name)?;
        drop(graph);
        self.shared.notify_finished();
        Ok(())
    }

    pub fn link(&self, a: (&str, &str), b: (&str, &str)) -> Result<(), Error> {
        self.link_with(a, b, LinkProps::default())
    }

    /// Links two ports with latency, jitter and loss.
    pub fn link_with(&self, a: (&str, &str), b: (&str, &str), props: LinkProps) -> Result<(), Error> {
        if !(0.0..=1.0).contains(&props.loss) || props.latency_ms < 0.0 || props.jitter_ms < 0.0 {
            return Err(Error::InvalidLink(format!(
                "loss must be in [0, 1] and latency and jitter at least 0 ms, got loss {}, latency {} ms, jitter {} ms",
                props.loss, props.latency_ms, props.jitter_ms
            )));
        }
        self.shared.graph.write().expect("graph lock").link(a, b, props)
    }

    /// Removes the link at `node:port`; returns false when there was none.
    pub fn unlink(&self, node: &str, port: &str) -> Result<bool, Error> {
        let mut graph = self.shared.graph.write().expect("graph lock");
        let found = graph.get(node)?.clone();
        let linked = {
            let ports = found.ports.read().expect("ports lock");
            match ports.iter().find(|p| p.name == port) {
                Some(p) => p.peer.is_some(),
                None => {
                    drop(ports);
                    return Err(found.unknown_port(port));
                }
            }
        };
        graph.unlink(&found, port);
        Ok(linked)
    }

    /// Sets the seed of link loss and jitter and restarts every port's
    /// random sequence, so the same seed gives the same drops.
    pub fn set_seed(&self, seed: u64) {
        self.shared.graph.write().expect("graph lock").reseed(seed);
    }

    pub fn seed(&self) -> u64 {
        self.shared.graph.read().expect("graph lock").seed()
    }

    /// Sets the limits of one node; they apply from its next program run.
    pub fn set_limits(&self, name: &str, limits: Limits) -> Result<(), Error> {
        let graph = self.shared.graph.read().expect("graph lock");
        *graph.get(name)?.limits.lock().expect("limits lock") = limits;
        Ok(())
    }

    /// Runs `action` on the run handle of `name`, if a program runs there.
    pub(crate) fn with_run<R>(&self, name: &str, action: impl FnOnce(&crate::node::RunHandle) -> R) -> Option<R> {
        let graph = self.shared.graph.read().expect("graph lock");
        let node = graph.get(name).ok()?;
        let run = node.run.lock().expect("run lock");
        run.as_ref().map(action)
    }

    /// Keys recorded with `emit` by any node, sorted.
    pub fn series_keys(&self) -> Vec<String> {
        let graph = self.shared.graph.read().expect("graph lock");
        let mut keys: Vec<String> = graph
            .nodes()
            .flat_map(|node| node.series.lock().expect("series lock").keys().cloned().collect::<Vec<_>>())
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }

    /// Returns the samples of `key` per node that recorded any, in node
    /// order, as (ms since the network started, value).
    pub fn series(&self, key: &str) -> Vec<(String, Vec<(f64, f64)>)> {
        let graph = self.shared.graph.read().expect("graph lock");
        graph
            .nodes()
            .filter_map(|node| {
                let series = node.series.lock().expect("series lock");
                let samples = series.get(key)?;
                Some((node.name.clone(), samples.iter().copied().collect()))
            })
            .collect()
    }

    /// Returns the source of the last program loaded onto `name`, if any.
    pub fn program_of(&self, name: &str) -> Option<String> {
        let graph = self.shared.graph.read().expect("graph lock");
        let node = graph.get(name).ok()?;
        let program = node.program.lock().expect("program lock").clone();
        program
    }

    /// Records `program` as the program of `name` without starting it.
    pub fn set_program(&self, name: &str, program: Option<String>) -> Result<(), Error> {
        let graph = self.shared.graph.read().expect("graph lock");
        *graph.get(name)?.program.lock().expect("program lock") = program;
        Ok(())
    }

    /// Sets the largest message, in encoded JSON bytes, any program may send.
    pub fn set_message_limit(&self, bytes: usize) {
        self.shared.message_limit.store(bytes, Ordering::Relaxed);
    }

    pub fn message_limit(&self) -> usize {
        self.shared.message_limit.load(Ordering::Relaxed)
    }

    /// Message counts of every link direction.
    pub fn link_stats(&self) -> Vec<LinkStats> {
        use std::sync::atomic::Ordering::Relaxed;
        let graph = self.shared.graph.read().expect("graph lock");
        let mut stats = Vec::new();
        for node in graph.nodes() {
            let ports = node.ports.read().expect("ports lock");
            for port in ports.iter() {
                let Some(peer) = &port.peer else { continue };
                stats.push(LinkStats {
                    from: (node.name.clone(), port.name.clone()),
                    to: (peer.node_name.clone(), peer.port.clone()),
                    sent: port.counters.sent.load(Relaxed),
                    dropped: port.counters.dropped.load(Relaxed),
                    bytes: port.counters.bytes.load(Relaxed),
                });
            }
        }
        stats
    }

    /// Returns the one-way latencies, in ms, of the last messages that
    /// reached the inbox of `name` (at most `LATENCY_SAMPLES`).
    pub fn latency_samples(&self, name: &str) -> Result<Vec<f64>, Error> {
        let graph = self.shared.graph.read().expect("graph lock");
        let node = graph.get(name)?;
        let samples = node.counters.latency.lock().expect("latency lock").iter().copied().collect();
        Ok(samples)
    }

    /// Stops every program and removes every node and link.
    pub fn reset(&self) {
        self.shared.graph.write().expect("graph lock").clear();
        self.shared.notify_finished();
        tracing::info!("network reset");
    }

    pub fn len(&self) -> usize {
        self.shared.graph.read().expect("graph lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Node names in creation order.
    pub fn node_names(&self) -> Vec<String> {
        self.shared.graph.read().expect("graph lock").names()
    }

    /// Describes the nodes that exist, for error messages.
    pub fn describe_nodes(&self) -> String {
        describe_names(&self.node_names())
    }

    pub fn nodes(&self) -> Vec<NodeInfo> {
        let graph = self.shared.graph.read().expect("graph lock");
        graph.nodes().map(|node| snapshot(node)).collect()
    }

    pub fn node(&self, name: &str) -> Result<NodeInfo, Error> {
        let graph = self.shared.graph.read().expect("graph lock");
        graph.get(name).map(|node| snapshot(node))
    }

    pub fn links(&self) -> Vec<LinkInfo> {
        let graph = self.shared.graph.read().expect("graph lock");
        let mut links = Vec::new();
        for node in graph.nodes() {
            let ports = node.ports.read().expect("ports lock");
            for port in ports.iter() {
                let Some(peer) = &port.peer else { continue };
                let Some(peer_node) = peer.node.upgrade() else { continue };
                let first = (node.id, port.name.as_str()) <= (peer_node.id, peer.port.as_str());
                if first {
                    links.push(LinkInfo {
                        a: (node.name.clone(), port.name.clone()),
                        b: (peer.node_name.clone(), peer.port.clone()),
                        props: peer.props,
                    });
                }
            }
        }
        links
    }

    /// Returns the value the last program of `name` returned, as JSON.
    pub fn result(&self, name: &str) -> Result<Option<Json>, Error> {
        let graph = self.shared.graph.read().expect("graph lock");
        let node = graph.get(name)?;
        let result = node.result.lock().expect("result lock").clone();
        Ok(result)
    }

    /// Returns the last `count` console lines of `name`.
    pub fn console_tail(&self, name: &str, count: usize) -> Result<Vec<ConsoleLine>, Error> {
        let graph = self.shared.graph.read().expect("graph lock");
        Ok(graph.get(name)?.console.tail(count))
    }

    /// Checks that `source` compiles as a Lua program; the error names the
    /// line, with the chunk named after `label`.
    pub fn check_program(&self, label: &str, source: &str) -> Result<(), Error> {
        program::check(label, source)
    }

    /// Loads `source` as the program of each named node and starts it. A
    /// program already running on one of them is stopped first, and each
    /// node starts with an empty inbox: all inboxes are cleared before the
    /// first program starts, so no message of the new run is lost. Error
    /// messages name lines as `chunk:LINE`.
    pub fn start_program(&self, names: &[String], chunk: &str, source: &str) -> Result<(), Error> {
        self.start_program_with_progress(names, chunk, source, &mut |_| {})
    }

    /// `start_program` that calls `progress` with the number of programs
    /// started so far, after every 500 of them.
    pub fn start_program_with_progress(
        &self,
        names: &[String],
        chunk: &str,
        source: &str,
        progress: &mut dyn FnMut(usize),
    ) -> Result<(), Error> {
        let nodes = {
            let graph = self.shared.graph.read().expect("graph lock");
            names
                .iter()
                .map(|name| graph.get(name).cloned())
                .collect::<Result<Vec<_>, Error>>()?
        };
        for node in &nodes {
            node.stop();
            node.inbox.clear();
        }
        for (index, node) in nodes.into_iter().enumerate() {
            program::start(&self.runtime, self.shared.clone(), node, chunk, source)?;
            if (index + 1) % 500 == 0 {
                progress(index + 1);
            }
        }
        Ok(())
    }

    /// Stops the programs of the named nodes that are running.
    pub fn stop(&self, names: &[String]) {
        let graph = self.shared.graph.read().expect("graph lock");
        for name in names {
            if let Ok(node) = graph.get(name) {
                node.stop();
            }
        }
    }

    /// Blocks the calling thread until the programs of `names` have ended,
    /// `timeout` has passed, or `abort` returns true (checked every 20 ms).
    /// Call it from a thread that is not one of the network's workers.
    pub fn wait(&self, names: &[String], timeout: Option<Duration>, abort: &dyn Fn() -> bool) -> WaitOutcome {
        let deadline = timeout.map(|timeout| Instant::now() + timeout);
        // Nodes removed meanwhile count as finished; a cursor skips nodes
        // already seen finished, so each wake-up costs little however many
        // nodes there are.
        let nodes: Vec<Arc<Node>> = {
            let graph = self.shared.graph.read().expect("graph lock");
            names.iter().filter_map(|name| graph.get(name).ok().cloned()).collect()
        };
        let mut cursor = 0;
        let (generation, condvar) = &self.shared.finished;
        let mut guard = generation.lock().expect("finished lock");
        loop {
            while cursor < nodes.len() && nodes[cursor].state().is_finished() {
                cursor += 1;
            }
            if cursor == nodes.len() {
                return WaitOutcome::Finished;
            }
            if abort() {
                return WaitOutcome::Aborted;
            }
            let mut slice = Duration::from_millis(20);
            if let Some(deadline) = deadline {
                let now = Instant::now();
                if now >= deadline {
                    return WaitOutcome::TimedOut;
                }
                slice = slice.min(deadline - now);
            }
            guard = condvar.wait_timeout(guard, slice).expect("finished lock").0;
        }
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        self.shared.graph.write().expect("graph lock").clear();
    }
}

fn snapshot(node: &Node) -> NodeInfo {
    use std::sync::atomic::Ordering::Relaxed;
    let ports = node.ports.read().expect("ports lock");
    NodeInfo {
        name: node.name.clone(),
        id: node.id,
        position: node.position,
        vm: node.vm,
        ports: ports
            .iter()
            .map(|port| PortInfo {
                name: port.name.clone(),
                peer: port.peer.as_ref().map(|peer| (peer.node_name.clone(), peer.port.clone())),
            })
            .collect(),
        state: node.state(),
        error: node.error.lock().expect("error lock").clone(),
        stats: node.counters.snapshot(),
        memory: node.memory.load(Relaxed),
        limits: *node.limits.lock().expect("limits lock"),
        inbox: node.inbox.len(),
        processes: node.live.load(Relaxed),
    }
}
