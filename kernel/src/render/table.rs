//! The `%nodes` table.

use jupyter_protocol::Media;
use serde_json::Value as Json;
use vnet::NodeInfo;

use super::escape_html;
use crate::iopub::media;

const HEADERS: [&str; 7] = ["name", "id", "position", "state", "ports (peer)", "sent", "received"];

fn rows(nodes: &[NodeInfo]) -> Vec<[String; 7]> {
    nodes
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
            [
                node.name.clone(),
                node.id.to_string(),
                format!("{},{}", trim_float(node.position.0), trim_float(node.position.1)),
                node.state.as_str().to_string(),
                ports.join(" "),
                node.stats.sent.to_string(),
                node.stats.received.to_string(),
            ]
        })
        .collect()
}

fn trim_float(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The node table as text/html and text/plain.
pub fn nodes(nodes: &[NodeInfo]) -> Media {
    let rows = rows(nodes);
    media([
        ("text/plain".to_string(), Json::String(plain(&rows, nodes.len()))),
        ("text/html".to_string(), Json::String(html(&rows, nodes.len()))),
    ])
}

fn plain(rows: &[[String; 7]], count: usize) -> String {
    let mut widths = HEADERS.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let format_row = |cells: &[String]| {
        let padded: Vec<String> = cells.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut text = format_row(&HEADERS.map(String::from));
    text.push('\n');
    for row in rows {
        text.push_str(&format_row(row));
        text.push('\n');
    }
    text.push_str(&format!("{count} nodes\n"));
    text
}

fn html(rows: &[[String; 7]], count: usize) -> String {
    let mut text = String::from("<table class=\"vnetos-nodes\"><thead><tr>");
    for header in HEADERS {
        text.push_str(&format!("<th>{}</th>", escape_html(header)));
    }
    text.push_str("</tr></thead><tbody>");
    for row in rows {
        text.push_str("<tr>");
        for cell in row {
            text.push_str(&format!("<td>{}</td>", escape_html(cell)));
        }
        text.push_str("</tr>");
    }
    text.push_str(&format!("</tbody></table><p>{count} nodes</p>"));
    text
}
