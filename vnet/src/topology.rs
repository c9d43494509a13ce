//! Generators for regular topologies: node names, positions, ports and links
//! of a mesh or a ring, added to the network in one step.

use crate::error::Error;
use crate::network::Network;
use crate::rng::SplitMix64;

type NodeSpec = (String, (f64, f64), Vec<String>);

/// Returns a point on a circle, rounded to millionths so positions read
/// cleanly (0 rather than 1.2e-16 or -0).
fn on_circle(radius: f64, angle: f64) -> (f64, f64) {
    let round = |value: f64| {
        let rounded = (value * 1e6).round() / 1e6;
        if rounded == 0.0 { 0.0 } else { rounded }
    };
    (round(radius * angle.cos()), round(radius * angle.sin()))
}
type LinkSpec = ((String, String), (String, String));

impl Network {
    /// Adds a `rows` x `cols` grid named `<prefix><row>_<col>`, at x = col and
    /// y = row, with ports north, east, south and west. `torus` links the
    /// border ports around.
    pub fn add_mesh(&self, rows: usize, cols: usize, prefix: &str, torus: bool) -> Result<Vec<String>, Error> {
        let name = |row: usize, col: usize| format!("{prefix}{row}_{col}");
        let ports: Vec<String> = ["north", "east", "south", "west"].map(String::from).to_vec();
        let mut nodes: Vec<NodeSpec> = Vec::with_capacity(rows * cols);
        let mut links: Vec<LinkSpec> = Vec::new();
        for row in 0..rows {
            for col in 0..cols {
                nodes.push((name(row, col), (col as f64, row as f64), ports.clone()));
                let east = if col + 1 < cols { Some(col + 1) } else if torus && cols > 1 { Some(0) } else { None };
                if let Some(east) = east {
                    links.push(((name(row, col), "east".into()), (name(row, east), "west".into())));
                }
                let south = if row + 1 < rows { Some(row + 1) } else if torus && rows > 1 { Some(0) } else { None };
                if let Some(south) = south {
                    links.push(((name(row, col), "south".into()), (name(south, col), "north".into())));
                }
            }
        }
        let names = nodes.iter().map(|(name, _, _)| name.clone()).collect();
        self.add_nodes_and_links(&nodes, &links)?;
        Ok(names)
    }

    /// Adds `count` nodes named `<prefix><i>` on a circle; port `next` of each
    /// is linked to port `prev` of the following node.
    pub fn add_ring(&self, count: usize, prefix: &str) -> Result<Vec<String>, Error> {
        let radius = (count as f64 / std::f64::consts::TAU).max(1.0);
        let ports: Vec<String> = vec!["prev".into(), "next".into()];
        let nodes: Vec<NodeSpec> = (0..count)
            .map(|index| {
                let angle = std::f64::consts::TAU * index as f64 / count as f64;
                (format!("{prefix}{index}"), on_circle(radius, angle), ports.clone())
            })
            .collect();
        let links: Vec<LinkSpec> = (0..count)
            .map(|index| {
                let next = (index + 1) % count;
                ((format!("{prefix}{index}"), "next".into()), (format!("{prefix}{next}"), "prev".into()))
            })
            .collect();
        let names = nodes.iter().map(|(name, _, _)| name.clone()).collect();
        self.add_nodes_and_links(&nodes, &links)?;
        Ok(names)
    }

    /// Adds a star: hub `<prefix>0` with ports p1..p{count-1}, each linked to
    /// port `hub` of leaf `<prefix>i`, placed on a circle around the hub.
    pub fn add_star(&self, count: usize, prefix: &str) -> Result<Vec<String>, Error> {
        let leaves = count.saturating_sub(1);
        let radius = (leaves as f64 / std::f64::consts::TAU).max(1.0);
        let hub = format!("{prefix}0");
        let hub_ports: Vec<String> = (1..count).map(|index| format!("p{index}")).collect();
        let mut nodes: Vec<NodeSpec> = vec![(hub.clone(), (0.0, 0.0), hub_ports)];
        let mut links: Vec<LinkSpec> = Vec::new();
        for index in 1..count {
            let angle = std::f64::consts::TAU * (index - 1) as f64 / leaves as f64;
            let name = format!("{prefix}{index}");
            nodes.push((name.clone(), on_circle(radius, angle), vec!["hub".into()]));
            links.push(((hub.clone(), format!("p{index}")), (name, "hub".into())));
        }
        let names = nodes.iter().map(|(name, _, _)| name.clone()).collect();
        self.add_nodes_and_links(&nodes, &links)?;
        Ok(names)
    }

    /// Adds a line of `count` nodes `<prefix>i` at x = i; port `next` of each
    /// is linked to port `prev` of the following node.
    pub fn add_line(&self, count: usize, prefix: &str) -> Result<Vec<String>, Error> {
        let ports: Vec<String> = vec!["prev".into(), "next".into()];
        let nodes: Vec<NodeSpec> = (0..count)
            .map(|index| (format!("{prefix}{index}"), (index as f64, 0.0), ports.clone()))
            .collect();
        let links: Vec<LinkSpec> = (1..count)
            .map(|index| ((format!("{prefix}{}", index - 1), "next".into()), (format!("{prefix}{index}"), "prev".into())))
            .collect();
        let names = nodes.iter().map(|(name, _, _)| name.clone()).collect();
        self.add_nodes_and_links(&nodes, &links)?;
        Ok(names)
    }

    /// Adds a connected random graph of `count` nodes with an average degree
    /// of about `degree`: a random spanning tree, then random extra links.
    /// The network seed decides the graph. Ports are p0, p1, ... per node.
    pub fn add_random(&self, count: usize, degree: usize, prefix: &str) -> Result<Vec<String>, Error> {
        let mut rng = SplitMix64::new(self.seed() ^ 0x5EED_0F_6EA4);
        let mut edges: Vec<(usize, usize)> = Vec::new();
        let mut adjacent = std::collections::HashSet::new();
        for index in 1..count {
            let other = (rng.next_u64() % index as u64) as usize;
            edges.push((other, index));
            adjacent.insert((other, index));
        }
        let target_edges = (count * degree / 2).min(count * count.saturating_sub(1) / 2);
        let mut attempts = 0;
        while edges.len() < target_edges && attempts < target_edges * 20 {
            attempts += 1;
            let a = (rng.next_u64() % count as u64) as usize;
            let b = (rng.next_u64() % count as u64) as usize;
            let key = (a.min(b), a.max(b));
            if a != b && adjacent.insert(key) {
                edges.push(key);
            }
        }

        let mut port_count = vec![0usize; count];
        let mut links: Vec<LinkSpec> = Vec::with_capacity(edges.len());
        for (a, b) in &edges {
            let port_a = format!("p{}", port_count[*a]);
            let port_b = format!("p{}", port_count[*b]);
            port_count[*a] += 1;
            port_count[*b] += 1;
            links.push(((format!("{prefix}{a}"), port_a), (format!("{prefix}{b}"), port_b)));
        }
        let radius = (count as f64 / std::f64::consts::TAU).max(1.0);
        let nodes: Vec<NodeSpec> = (0..count)
            .map(|index| {
                let angle = std::f64::consts::TAU * index as f64 / count as f64;
                let ports = (0..port_count[index]).map(|port| format!("p{port}")).collect();
                (format!("{prefix}{index}"), on_circle(radius, angle), ports)
            })
            .collect();
        let names = nodes.iter().map(|(name, _, _)| name.clone()).collect();
        self.add_nodes_and_links(&nodes, &links)?;
        Ok(names)
    }
}
