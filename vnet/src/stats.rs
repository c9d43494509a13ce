//! Message statistics, kept as atomic counters that node tasks update and the
//! kernel reads without locking any VM.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

/// Latency samples kept per node; older samples are dropped first.
pub const LATENCY_SAMPLES: usize = 1024;

#[derive(Default)]
pub(crate) struct NodeCounters {
    pub sent: AtomicU64,
    pub received: AtomicU64,
    /// Messages lost: no link, link loss, full inbox or no route.
    pub dropped: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub bytes_received: AtomicU64,
    /// Routed messages this node passed on towards another node.
    pub forwarded: AtomicU64,
    /// One-way latencies in ms of messages that reached this node's inbox.
    pub latency: Mutex<VecDeque<f64>>,
}

impl NodeCounters {
    pub(crate) fn record_latency(&self, ms: f64) {
        let mut samples = self.latency.lock().expect("latency lock");
        if samples.len() == LATENCY_SAMPLES {
            samples.pop_front();
        }
        samples.push_back(ms);
    }

    pub(crate) fn snapshot(&self) -> NodeStats {
        NodeStats {
            sent: self.sent.load(Relaxed),
            received: self.received.load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            bytes_sent: self.bytes_sent.load(Relaxed),
            bytes_received: self.bytes_received.load(Relaxed),
            forwarded: self.forwarded.load(Relaxed),
        }
    }
}

/// Counters of one sending port, that is one direction of a link.
#[derive(Default)]
pub(crate) struct PortCounters {
    pub sent: AtomicU64,
    pub dropped: AtomicU64,
    pub bytes: AtomicU64,
}

/// Message counts of one node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeStats {
    pub sent: u64,
    pub received: u64,
    pub dropped: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub forwarded: u64,
}

/// Message counts of one link direction, from `from` to `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkStats {
    pub from: (String, String),
    pub to: (String, String),
    pub sent: u64,
    pub dropped: u64,
    pub bytes: u64,
}
