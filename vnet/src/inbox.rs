//! A node's inbox: messages that arrived on any of its ports, in arrival
//! order, up to a fixed capacity. A message that finds the inbox full is
//! dropped and counted, as a radio with a finite buffer would lose it; the
//! sender is never blocked.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::Value as Json;
use tokio::sync::Notify;

/// Messages an inbox keeps before it drops new arrivals.
pub const DEFAULT_INBOX_CAPACITY: usize = 1024;

/// The kind of a message, which decides who receives its value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// A value for the program's `recv`.
    Data,
    /// A remote procedure call; the value is the array of arguments.
    Call { caller: u64, call_id: u64, procedure: String },
    /// The reply to a call: the value is the array of results, or the error
    /// message when `ok` is false.
    Reply { call_id: u64, ok: bool },
}

/// One message in flight or delivered: the value, the port it arrived on,
/// and how many links it crossed.
#[derive(Debug, Clone)]
pub(crate) struct Envelope {
    pub port: String,
    pub value: Json,
    pub hops: u32,
    pub sent_at: Instant,
    pub bytes: usize,
    /// The node a routed message is for; `None` for a message to the peer.
    pub dest: Option<u64>,
    pub kind: Kind,
}

pub(crate) struct Inbox {
    queue: Mutex<VecDeque<Envelope>>,
    capacity: usize,
    arrived: Notify,
}

impl Inbox {
    pub(crate) fn new(capacity: usize) -> Self {
        Inbox {
            queue: Mutex::new(VecDeque::new()),
            capacity,
            arrived: Notify::new(),
        }
    }

    /// Queues `envelope`, or returns it when the inbox is full.
    pub(crate) fn deliver(&self, envelope: Envelope) -> Result<(), Envelope> {
        let mut queue = self.queue.lock().expect("inbox lock");
        if queue.len() >= self.capacity {
            return Err(envelope);
        }
        queue.push_back(envelope);
        drop(queue);
        self.arrived.notify_waiters();
        Ok(())
    }

    /// Takes the oldest message, from `port` only when one is given.
    pub(crate) fn take(&self, port: Option<&str>) -> Option<Envelope> {
        let mut queue = self.queue.lock().expect("inbox lock");
        let index = queue.iter().position(|envelope| port.is_none_or(|port| envelope.port == port))?;
        queue.remove(index)
    }

    /// Waits for the next message, from `port` only when one is given. The
    /// future may be dropped at any await point without losing a message.
    pub(crate) async fn recv(&self, port: Option<&str>) -> Envelope {
        loop {
            let arrived = self.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(envelope) = self.take(port) {
                return envelope;
            }
            arrived.await;
        }
    }

    /// Returns a future that completes at the next arrival; the caller
    /// enables it before checking the queue, so no arrival is missed.
    pub(crate) fn arrival(&self) -> tokio::sync::futures::Notified<'_> {
        self.arrived.notified()
    }

    /// Drops every queued message.
    pub(crate) fn clear(&self) {
        self.queue.lock().expect("inbox lock").clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.lock().expect("inbox lock").len()
    }
}
