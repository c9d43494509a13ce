//! Generators for regular topologies: node names, positions, ports and links
//! of a mesh or a ring, added to the network in one step.

use crate::error::Error;
use crate::network::Network;

type NodeSpec = (String, (f64, f64), Vec<String>);
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
                let position = (radius * angle.cos(), radius * angle.sin());
                (format!("{prefix}{index}"), position, ports.clone())
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
}
