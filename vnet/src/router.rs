//! The router moves messages between ports. It owns no VM: programs hand it
//! envelopes, and it applies each link's loss and delay, forwards routed
//! messages hop by hop, and delivers to inboxes or to the RPC machinery of
//! the receiving node.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;

use crate::error::Error;
use crate::inbox::{Envelope, Kind};
use crate::network::Shared;
use crate::node::Node;

/// The sender of a message: the node's own program, or the router passing a
/// routed message on (which counts as forwarded, not as sent by the node).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Program,
    Forward,
}

/// Sends `envelope` on `port` of `node`. Returns whether the message left on
/// a link; a port with no link, or link loss, drops and counts it.
pub(crate) fn send_on_port(
    shared: &Arc<Shared>,
    node: &Arc<Node>,
    port: &str,
    mut envelope: Envelope,
    origin: Origin,
) -> Result<bool, Error> {
    let hop = {
        let ports = node.ports.read().expect("ports lock");
        let Some(found) = ports.iter().find(|p| p.name == port) else {
            drop(ports);
            return Err(node.unknown_port(port));
        };
        found.counters.sent.fetch_add(1, Relaxed);
        found.counters.bytes.fetch_add(envelope.bytes as u64, Relaxed);
        let link = found.peer.as_ref().and_then(|peer| Some((peer.node.upgrade()?, peer.port.clone(), peer.props)));
        match link {
            None => None,
            Some((peer, peer_port, props)) => {
                let mut rng = found.rng.lock().expect("rng lock");
                let lost = props.loss > 0.0 && rng.next_f64() < props.loss;
                let delay_ms = if props.jitter_ms > 0.0 {
                    props.latency_ms + props.jitter_ms * (2.0 * rng.next_f64() - 1.0)
                } else {
                    props.latency_ms
                };
                drop(rng);
                if lost {
                    found.counters.dropped.fetch_add(1, Relaxed);
                }
                Some((peer, peer_port, lost, delay_ms.max(0.0)))
            }
        }
    };

    if origin == Origin::Program {
        node.counters.sent.fetch_add(1, Relaxed);
        node.counters.bytes_sent.fetch_add(envelope.bytes as u64, Relaxed);
    }
    let Some((peer, peer_port, lost, delay_ms)) = hop else {
        node.counters.dropped.fetch_add(1, Relaxed);
        return Ok(false);
    };
    if lost {
        node.counters.dropped.fetch_add(1, Relaxed);
        return Ok(false);
    }

    envelope.port = peer_port;
    envelope.hops += 1;
    if delay_ms == 0.0 {
        arrive(shared, &peer, envelope);
    } else {
        let shared = shared.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs_f64(delay_ms / 1000.0)).await;
            arrive(&shared, &peer, envelope);
        });
    }
    Ok(true)
}

/// Routes `envelope` from `from` towards node `dest` over a shortest path.
/// Returns false, counting a drop, when no path exists.
pub(crate) fn route(shared: &Arc<Shared>, from: &Arc<Node>, dest: u64, mut envelope: Envelope, origin: Origin) -> bool {
    envelope.dest = Some(dest);
    if dest == from.id {
        if origin == Origin::Program {
            from.counters.sent.fetch_add(1, Relaxed);
            from.counters.bytes_sent.fetch_add(envelope.bytes as u64, Relaxed);
        }
        envelope.port = String::new();
        arrive(shared, from, envelope);
        return true;
    }
    let port = {
        let graph = shared.graph.read().expect("graph lock");
        let mut routes = shared.routes.lock().expect("routes lock");
        routes.next_port(&graph, from.id, dest)
    };
    match port {
        Some(port) => send_on_port(shared, from, &port, envelope, origin).unwrap_or(false),
        None => {
            from.counters.dropped.fetch_add(1, Relaxed);
            false
        }
    }
}

/// Delivers a message that reached `node`: passes it on when it is routed
/// elsewhere, else hands it to the inbox or to the node's RPC handling.
pub(crate) fn arrive(shared: &Arc<Shared>, node: &Arc<Node>, envelope: Envelope) {
    if let Some(dest) = envelope.dest {
        if dest != node.id {
            node.counters.forwarded.fetch_add(1, Relaxed);
            route(shared, node, dest, envelope, Origin::Forward);
            return;
        }
    }
    match envelope.kind.clone() {
        Kind::Data => {
            let latency_ms = envelope.sent_at.elapsed().as_secs_f64() * 1000.0;
            let bytes = envelope.bytes as u64;
            match node.inbox.deliver(envelope) {
                Ok(()) => {
                    node.counters.received.fetch_add(1, Relaxed);
                    node.counters.bytes_received.fetch_add(bytes, Relaxed);
                    node.counters.record_latency(latency_ms);
                }
                Err(_) => {
                    node.counters.dropped.fetch_add(1, Relaxed);
                }
            }
        }
        Kind::Call { caller, call_id, procedure } => {
            count_received(node, &envelope);
            let run = node.run.lock().expect("run lock");
            let rejection = match run.as_ref() {
                Some(handle) => handle.calls.send(envelope).err().map(|_| "its program has ended".to_string()),
                None => Some(format!("node `{}` is not running a program (state {})", node.name, node.state().as_str())),
            };
            drop(run);
            if let Some(reason) = rejection {
                reply(shared, node, caller, call_id, Err(format!("rpc `{procedure}` on `{}` failed: {reason}", node.name)));
            }
        }
        Kind::Reply { call_id, ok } => {
            count_received(node, &envelope);
            let run = node.run.lock().expect("run lock");
            let waiter = run
                .as_ref()
                .and_then(|handle| handle.pending.lock().expect("pending lock").remove(&call_id));
            drop(run);
            if let Some(waiter) = waiter {
                let result = if ok {
                    Ok(envelope.value)
                } else {
                    Err(envelope.value.as_str().unwrap_or("remote error").to_string())
                };
                let _ = waiter.send(result);
            }
        }
    }
}

fn count_received(node: &Node, envelope: &Envelope) {
    node.counters.received.fetch_add(1, Relaxed);
    node.counters.bytes_received.fetch_add(envelope.bytes as u64, Relaxed);
}

/// Sends the result of call `call_id` from `node` back to `caller`.
pub(crate) fn reply(shared: &Arc<Shared>, node: &Arc<Node>, caller: u64, call_id: u64, result: Result<Json, String>) {
    let (ok, value) = match result {
        Ok(values) => (true, values),
        Err(message) => (false, Json::String(message)),
    };
    let envelope = Envelope {
        port: String::new(),
        bytes: crate::value::encoded_size(&value),
        value,
        hops: 0,
        sent_at: std::time::Instant::now(),
        dest: Some(caller),
        kind: Kind::Reply { call_id, ok },
    };
    route(shared, node, caller, envelope, Origin::Program);
}
