//! Tables for `%nodes`, `%ps` and `%stats`: HTML for notebooks, with an
//! aligned plain-text fallback for consoles and tests.

use jupyter_protocol::Media;
use serde_json::Value as Json;
use vnet::{LinkStats, NodeInfo};

use super::{count_of, escape_html};
use crate::iopub::media;

/// A table with a header row and a closing caption line.
pub struct Table {
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    pub caption: String,
}

impl Table {
    pub fn to_media(&self) -> Media {
        media([
            ("text/plain".to_string(), Json::String(self.plain())),
            ("text/html".to_string(), Json::String(self.html())),
        ])
    }

    fn plain(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|header| header.len()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let format_row = |cells: &[String]| {
            let padded: Vec<String> =
                cells.iter().zip(&widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
            padded.join("  ").trim_end().to_string()
        };
        let headers: Vec<String> = self.headers.iter().map(|header| header.to_string()).collect();
        let mut text = format_row(&headers);
        text.push('\n');
        for row in &self.rows {
            text.push_str(&format_row(row));
            text.push('\n');
        }
        text.push_str(&self.caption);
        text.push('\n');
        text
    }

    fn html(&self) -> String {
        let mut text = String::from("<table class=\"vnetos\"><thead><tr>");
        for header in &self.headers {
            text.push_str(&format!("<th>{}</th>", escape_html(header)));
        }
        text.push_str("</tr></thead><tbody>");
        for row in &self.rows {
            text.push_str("<tr>");
            for cell in row {
                text.push_str(&format!("<td>{}</td>", escape_html(cell)));
            }
            text.push_str("</tr>");
        }
        text.push_str(&format!("</tbody></table><p>{}</p>", escape_html(&self.caption)));
        text
    }
}

fn trim_float(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_string() } else { text.to_string() }
}

fn memory(bytes: usize) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    match bytes as f64 {
        0.0 => "-".to_string(),
        size if size >= MIB => format!("{:.1} MiB", size / MIB),
        size => format!("{:.1} KiB", size / 1024.0),
    }
}

/// Builds the `%nodes` table.
pub fn nodes(nodes: &[NodeInfo]) -> Media {
    let rows = nodes
        .iter()
        .map(|node| {
            let ports: Vec<String> = node
                .ports
                .iter()
                .map(|port| match &port.peer {
                    Some((peer, peer_port)) => format!("{} ({peer}:{peer_port})", port.name),
                    None => port.name.clone(),
                })
                .collect();
            vec![
                node.name.clone(),
                node.id.to_string(),
                format!("{},{}", trim_float(node.position.0), trim_float(node.position.1)),
                node.state.as_str().to_string(),
                ports.join(" "),
                node.stats.sent.to_string(),
                node.stats.received.to_string(),
            ]
        })
        .collect();
    Table {
        headers: vec!["name", "id", "position", "state", "ports (peer)", "sent", "received"],
        rows,
        caption: count_of(nodes.len(), "node"),
    }
    .to_media()
}

/// Builds the `%ps` table: one row per node that has run a program.
pub fn processes(nodes: &[NodeInfo]) -> Media {
    let started: Vec<&NodeInfo> = nodes.iter().filter(|node| node.state != vnet::NodeState::Idle).collect();
    let rows = started
        .iter()
        .map(|node| {
            vec![
                node.name.clone(),
                node.state.as_str().to_string(),
                node.processes.to_string(),
                memory(node.memory),
                node.inbox.to_string(),
                node.stats.sent.to_string(),
                node.stats.received.to_string(),
                node.error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let running = started.iter().filter(|node| !node.state.is_finished()).count();
    Table {
        headers: vec!["node", "state", "processes", "memory", "inbox", "sent", "received", "error"],
        rows,
        caption: format!("{}, {running} running or waiting", count_of(started.len(), "program")),
    }
    .to_media()
}

/// Builds the `%stats` tables: per node, then per link direction.
pub fn stats(nodes: &[(NodeInfo, Option<f64>)], links: &[LinkStats]) -> (Media, Media) {
    let node_rows = nodes
        .iter()
        .map(|(node, latency)| {
            vec![
                node.name.clone(),
                node.stats.sent.to_string(),
                node.stats.received.to_string(),
                node.stats.dropped.to_string(),
                node.stats.forwarded.to_string(),
                node.stats.bytes_sent.to_string(),
                node.stats.bytes_received.to_string(),
                latency.map_or("-".to_string(), |ms| format!("{:.1} us", ms * 1000.0)),
            ]
        })
        .collect();
    let total_sent: u64 = nodes.iter().map(|(node, _)| node.stats.sent).sum();
    let total_dropped: u64 = nodes.iter().map(|(node, _)| node.stats.dropped).sum();
    let node_table = Table {
        headers: vec!["node", "sent", "received", "dropped", "forwarded", "bytes out", "bytes in", "latency p50"],
        rows: node_rows,
        caption: format!("{}: {total_sent} messages sent, {total_dropped} dropped", count_of(nodes.len(), "node")),
    };
    let link_rows = links
        .iter()
        .map(|link| {
            vec![
                format!("{}:{}", link.from.0, link.from.1),
                format!("{}:{}", link.to.0, link.to.1),
                link.sent.to_string(),
                link.dropped.to_string(),
                link.bytes.to_string(),
            ]
        })
        .collect();
    let link_table = Table {
        headers: vec!["from", "to", "sent", "dropped", "bytes"],
        rows: link_rows,
        caption: count_of(links.len(), "link direction"),
    };
    (node_table.to_media(), link_table.to_media())
}
