//! The live view of a waiting cell: one display that shows the network with
//! node states and message counts, updated at most four times a second, and
//! a progress line instead of a picture for very large networks.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::Value as Json;
use vnet::Network;

use crate::iopub::{media, Outbox};
use crate::render::{escape_html, topology};

/// Time between two updates of the view.
pub const PERIOD: Duration = Duration::from_millis(250);

/// Above this many nodes the view is a progress line: a picture would be
/// megabytes per update.
const MAX_DRAWN: usize = 2000;

pub struct LiveView {
    outbox: Outbox,
    display_id: String,
    /// The nodes the cell waits on.
    names: HashSet<String>,
    shown: bool,
    last: String,
}

impl LiveView {
    pub fn new(outbox: Outbox, names: &[String], number: u64) -> LiveView {
        LiveView {
            outbox,
            display_id: format!("vnetos-live-{number}"),
            names: names.iter().cloned().collect(),
            shown: false,
            last: String::new(),
        }
    }

    /// Shows or updates the view when its content changed. The summary is
    /// compared first, so an unchanged network is not drawn again.
    pub fn update(&mut self, network: &Network) {
        let nodes = network.nodes();
        let links = if nodes.len() <= MAX_DRAWN { Some(network.links()) } else { None };
        let (text, percent) = match &links {
            Some(links) => (topology::summary(&nodes, links), 0),
            None => self.progress(&nodes),
        };
        if text == self.last {
            return;
        }
        let bundle = match &links {
            Some(links) => topology::svg(&nodes, links),
            None => {
                let html = format!("<progress value=\"{percent}\" max=\"100\"></progress> {}", escape_html(&text));
                media([
                    ("text/plain".to_string(), Json::String(text.clone())),
                    ("text/html".to_string(), Json::String(html)),
                ])
            }
        };
        self.last = text;
        if self.shown {
            self.outbox.update_display(bundle, &self.display_id);
        } else {
            self.outbox.display(bundle, Some(&self.display_id));
            self.shown = true;
        }
    }

    /// Brings a view that was shown up to date once more.
    pub fn finish(&mut self, network: &Network) {
        if self.shown {
            self.update(network);
        }
    }

    /// Returns the progress line of a network too large to draw, and the
    /// percentage of waited-on programs that finished.
    fn progress(&self, nodes: &[vnet::NodeInfo]) -> (String, usize) {
        let finished = nodes
            .iter()
            .filter(|node| node.state.is_finished() && self.names.contains(&node.name))
            .count();
        let sent: u64 = nodes.iter().map(|node| node.stats.sent).sum();
        let text = format!("{finished} of {} programs finished, {sent} messages sent", self.names.len());
        (text, 100 * finished / self.names.len().max(1))
    }
}

/// A progress line for starting many programs, in one updating display.
pub struct StartProgress {
    outbox: Outbox,
    display_id: String,
    total: usize,
    shown: bool,
    started: Instant,
}

impl StartProgress {
    pub fn new(outbox: Outbox, total: usize, number: u64) -> StartProgress {
        StartProgress {
            outbox,
            display_id: format!("vnetos-start-{number}"),
            total,
            shown: false,
            started: Instant::now(),
        }
    }

    pub fn report(&mut self, done: usize) {
        let text = format!(
            "started {done} of {} programs ({:.1} s)",
            self.total,
            self.started.elapsed().as_secs_f64()
        );
        let percent = 100 * done / self.total.max(1);
        let html = format!("<progress value=\"{percent}\" max=\"100\"></progress> {}", escape_html(&text));
        let bundle = media([
            ("text/plain".to_string(), Json::String(text)),
            ("text/html".to_string(), Json::String(html)),
        ]);
        if self.shown {
            self.outbox.update_display(bundle, &self.display_id);
        } else {
            self.outbox.display(bundle, Some(&self.display_id));
            self.shown = true;
        }
    }
}
