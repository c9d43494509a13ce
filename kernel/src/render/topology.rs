//! The `%topology` picture: links as lines, nodes as discs coloured by state
//! with their names, and a one-line summary underneath.

use std::collections::HashMap;

use jupyter_protocol::Media;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use vnet::{LinkInfo, NodeInfo, NodeState};

use super::{count_of, ensure_font, picture, DrawResult, FONT_FAMILY};

/// Pixels between neighbouring grid positions, before shrinking to fit.
const UNIT: f64 = 70.0;
const MAX_WIDTH: f64 = 900.0;
const MAX_HEIGHT: f64 = 700.0;
const MARGIN: f64 = 40.0;
/// Beyond this many nodes the names are left out: they would overlap.
const MAX_LABELLED: usize = 400;

pub fn state_color(state: NodeState) -> RGBColor {
    match state {
        NodeState::Idle => RGBColor(150, 150, 150),
        NodeState::Running => RGBColor(40, 110, 200),
        NodeState::Waiting => RGBColor(130, 180, 230),
        NodeState::Done => RGBColor(40, 150, 70),
        NodeState::Failed => RGBColor(210, 40, 40),
        NodeState::Stopped => RGBColor(230, 150, 20),
    }
}

/// Draws the network; returns image/svg+xml with a text/plain summary.
pub fn svg(nodes: &[NodeInfo], links: &[LinkInfo]) -> Media {
    let summary = summary(nodes, links);
    picture(draw(nodes, links, &summary), summary)
}

/// Builds the one-line summary under the picture: counts of nodes, links,
/// states and messages.
pub fn summary(nodes: &[NodeInfo], links: &[LinkInfo]) -> String {
    let mut counts: Vec<(NodeState, usize)> = Vec::new();
    for node in nodes {
        match counts.iter_mut().find(|(state, _)| *state == node.state) {
            Some((_, count)) => *count += 1,
            None => counts.push((node.state, 1)),
        }
    }
    let states: Vec<String> = counts.iter().map(|(state, count)| format!("{count} {}", state.as_str())).collect();
    let mut text = format!("{}, {}", count_of(nodes.len(), "node"), count_of(links.len(), "link"));
    if !states.is_empty() {
        text.push_str(&format!(" ({})", states.join(", ")));
    }
    let sent: u64 = nodes.iter().map(|node| node.stats.sent).sum();
    if sent > 0 {
        let dropped: u64 = nodes.iter().map(|node| node.stats.dropped).sum();
        text.push_str(&format!(", {sent} messages sent, {dropped} dropped"));
    }
    text
}

fn draw(nodes: &[NodeInfo], links: &[LinkInfo], summary: &str) -> DrawResult {
    ensure_font();
    let (min_x, max_x) = bounds(nodes.iter().map(|node| node.position.0));
    let (min_y, max_y) = bounds(nodes.iter().map(|node| node.position.1));
    let span_x = (max_x - min_x).max(1e-9);
    let span_y = (max_y - min_y).max(1e-9);
    let scale = UNIT.min((MAX_WIDTH - 2.0 * MARGIN) / span_x).min((MAX_HEIGHT - 2.0 * MARGIN) / span_y);
    let width = ((max_x - min_x) * scale + 2.0 * MARGIN).max(320.0);
    let height = (max_y - min_y) * scale + 2.0 * MARGIN + 24.0;
    let radius = (scale * 0.18).clamp(2.0, 12.0) as i32;
    let place = |(x, y): (f64, f64)| -> (i32, i32) {
        (
            (MARGIN + (x - min_x) * scale) as i32,
            (MARGIN + (y - min_y) * scale) as i32,
        )
    };

    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (width as u32, height as u32)).into_drawing_area();
        root.fill(&WHITE)?;

        let positions: HashMap<&str, (i32, i32)> =
            nodes.iter().map(|node| (node.name.as_str(), place(node.position))).collect();
        let link_style = ShapeStyle::from(&RGBColor(120, 120, 120)).stroke_width(2);
        let wrap_style = ShapeStyle::from(&RGBColor(170, 170, 170)).stroke_width(2);
        let stub = (scale * 0.35) as i32;
        for link in links {
            let (Some(a), Some(b)) = (positions.get(link.a.0.as_str()), positions.get(link.b.0.as_str())) else {
                continue;
            };
            // A link that spans the whole picture along one axis wraps a
            // torus around; drawn straight it would lie on the grid's own
            // links, so each end gets a short stub pointing out instead.
            let full_width = (b.0 - a.0).abs() as f64 >= (span_x * scale - 1.0) && a.1 == b.1 && span_x >= 2.0;
            let full_height = (b.1 - a.1).abs() as f64 >= (span_y * scale - 1.0) && a.0 == b.0 && span_y >= 2.0;
            if full_width || full_height {
                for (end, other) in [(a, b), (b, a)] {
                    let outward = ((end.0 - other.0).signum() * stub, (end.1 - other.1).signum() * stub);
                    root.draw(&PathElement::new(vec![*end, (end.0 + outward.0, end.1 + outward.1)], wrap_style))?;
                }
            } else {
                root.draw(&PathElement::new(vec![*a, *b], link_style))?;
            }
        }

        // Names sit below and right of their node, the quadrant that grid
        // and ring links leave free.
        let label_font = (FONT_FAMILY, 11).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Top));
        let label_offset = radius * 7 / 10 + 2;
        for node in nodes {
            let center = positions[node.name.as_str()];
            root.draw(&Circle::new(center, radius, state_color(node.state).filled()))?;
            if nodes.len() <= MAX_LABELLED {
                root.draw(&Text::new(node.name.clone(), (center.0 + label_offset, center.1 + label_offset), label_font.clone()))?;
            }
        }

        let footer = (FONT_FAMILY, 13).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Bottom));
        root.draw(&Text::new(summary.to_string(), (8, height as i32 - 6), footer))?;
        root.present()?;
    }
    Ok(text)
}

/// Returns the smallest and largest value, or (0, 0) for an empty network,
/// which is then drawn as one point.
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), value| {
        (low.min(value), high.max(value))
    });
    if low.is_finite() {
        (low, high)
    } else {
        (0.0, 0.0)
    }
}
