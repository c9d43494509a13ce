//! Executing magics against the network and rendering their output.

use std::time::{Duration, Instant};

use mlua::Lua;
use vnet::{NodeState, WaitOutcome};
use vnetos_magics::{CellMagic, LineMagic, PlotKind, Selector, WaitMode, MAGICS};

use super::cell::{CellError, CELL_CHUNK};
use super::live::{self, LiveView, StartProgress};
use super::Shared;
use crate::iopub::Outbox;
use crate::render::{self, count_of};

/// How long `%eval` and `%%shell` wait for the node to run the code.
const EVAL_TIMEOUT: Duration = Duration::from_secs(10);

/// How long stopped programs get to end after an interrupt before the cell
/// replies anyway.
const STOP_GRACE: Duration = Duration::from_secs(1);

fn network_error(error: vnet::Error) -> CellError {
    CellError::new("NetworkError", error.to_string())
}

fn outbox(shared: &Shared) -> Result<Outbox, CellError> {
    shared
        .outbox()
        .ok_or_else(|| CellError::new("KernelError", "magic run outside a cell"))
}

pub fn run_line_magic(_lua: &Lua, shared: &Shared, magic: &LineMagic) -> Result<(), CellError> {
    let out = outbox(shared)?;
    let network = &shared.network;
    match magic {
        LineMagic::LsMagic => out.stdout(&list_magics()),
        LineMagic::Help { name } => out.stdout(&help(name.as_deref())?),
        LineMagic::Mesh {
            rows,
            cols,
            prefix,
            torus,
        } => {
            let names = network.add_mesh(*rows, *cols, prefix, *torus).map_err(network_error)?;
            let shape = if *torus { "torus" } else { "mesh" };
            out.stdout(&format!(
                "added a {rows}x{cols} {shape}: {} nodes, {}..{}\n",
                names.len(),
                names.first().map_or("", String::as_str),
                names.last().map_or("", String::as_str)
            ));
        }
        LineMagic::Ring { count, prefix } => {
            let names = network.add_ring(*count, prefix).map_err(network_error)?;
            out.stdout(&format!(
                "added a ring of {} nodes: {}..{}\n",
                names.len(),
                names.first().map_or("", String::as_str),
                names.last().map_or("", String::as_str)
            ));
        }
        LineMagic::Star { count, prefix } => {
            let names = network.add_star(*count, prefix).map_err(network_error)?;
            out.stdout(&format!("added a star of {}: hub {}\n", count_of(names.len(), "node"), names[0]));
        }
        LineMagic::Line { count, prefix } => {
            let names = network.add_line(*count, prefix).map_err(network_error)?;
            out.stdout(&format!("added a line of {}: {}..{}\n", count_of(names.len(), "node"), names[0], names[names.len() - 1]));
        }
        LineMagic::Random { count, degree, prefix } => {
            let names = network.add_random(*count, *degree, prefix).map_err(network_error)?;
            let added: std::collections::HashSet<&String> = names.iter().collect();
            let links = network.links().iter().filter(|link| added.contains(&link.a.0)).count();
            out.stdout(&format!(
                "added a random network of {} and {} (seed {})\n",
                count_of(names.len(), "node"),
                count_of(links, "link"),
                network.seed()
            ));
        }
        LineMagic::Save { path } => {
            let spec = network.export();
            let text = toml::to_string_pretty(&spec)
                .map_err(|error| CellError::new("KernelError", format!("cannot encode the network as TOML: {error}")))?;
            std::fs::write(path, text)
                .map_err(|error| CellError::new("IOError", format!("cannot write `{path}`: {error}")))?;
            out.stdout(&format!(
                "saved {} and {} to {path}\n",
                count_of(spec.nodes.len(), "node"),
                count_of(spec.links.len(), "link")
            ));
        }
        LineMagic::Load { path } => {
            let text = std::fs::read_to_string(path).map_err(|error| {
                CellError::new("IOError", format!("cannot read `{path}`: {error}; the network is unchanged"))
            })?;
            let spec: vnet::NetworkSpec = toml::from_str(&text).map_err(|error| {
                CellError::new("LoadError", format!("{path}: {}; the network is unchanged", error.to_string().trim_end()))
            })?;
            if spec.nodes.is_empty() {
                return Err(CellError::new(
                    "LoadError",
                    format!("{path} describes no nodes; the network is unchanged (`%reset` empties it)"),
                ));
            }
            let running = network.nodes().iter().filter(|node| !node.state.is_finished()).count();
            network.import(&spec).map_err(|error| {
                CellError::new("LoadError", format!("{path}: {error}; the network is unchanged"))
            })?;
            let programs = spec.nodes.iter().filter(|node| node.program.is_some()).count();
            let mut text = format!(
                "loaded {} and {} from {path} (seed {})\n",
                count_of(spec.nodes.len(), "node"),
                count_of(spec.links.len(), "link"),
                spec.seed
            );
            if running > 0 {
                text.push_str(&format!("stopped {} of the network it replaced\n", count_of(running, "running program")));
            }
            if programs > 0 {
                text.push_str(&format!(
                    "{} a saved program; net.rerun(\"all\") starts them\n",
                    if programs == 1 { "1 node has".to_string() } else { format!("{programs} nodes have") }
                ));
            }
            out.stdout(&text);
        }
        LineMagic::Plot { what } => {
            let chart = match what {
                PlotKind::Messages => {
                    let rows: Vec<(String, u64, u64)> = network
                        .nodes()
                        .into_iter()
                        .map(|node| (node.name, node.stats.sent, node.stats.received))
                        .collect();
                    render::chart::messages(&rows)
                }
                PlotKind::Latency => {
                    let samples: Vec<f64> = network
                        .node_names()
                        .iter()
                        .flat_map(|name| network.latency_samples(name).unwrap_or_default())
                        .collect();
                    render::chart::latency(&samples)
                }
                PlotKind::Series(key) => {
                    let series = network.series(key);
                    if series.is_empty() {
                        let keys = network.series_keys();
                        let known = if keys.is_empty() {
                            "no program has called emit(KEY, value) yet".to_string()
                        } else {
                            format!("the recorded keys are {}", keys.join(", "))
                        };
                        return Err(CellError::new("PlotError", format!("no samples of `{key}`; {known}")));
                    }
                    render::chart::series(key, &series)
                }
            };
            out.display(chart, None);
        }
        LineMagic::Eval { node, code } => {
            shared.watch(std::slice::from_ref(node));
            let text = network.eval(node, code, EVAL_TIMEOUT, &|| shared.interrupted()).map_err(network_error)?;
            out.stdout(&format!("{text}\n"));
        }
        LineMagic::Ps => out.display(render::table::processes(&network.nodes()), None),
        LineMagic::Stats => {
            let nodes: Vec<(vnet::NodeInfo, Option<f64>)> = network
                .nodes()
                .into_iter()
                .map(|node| {
                    let mut samples = network.latency_samples(&node.name).unwrap_or_default();
                    samples.sort_by(f64::total_cmp);
                    let median = samples.get(samples.len() / 2).copied();
                    (node, median)
                })
                .collect();
            let (per_node, per_link) = render::table::stats(&nodes, &network.link_stats());
            out.display(per_node, None);
            out.display(per_link, None);
        }
        LineMagic::NodeAdd { name, at, ports } => {
            let position = at.unwrap_or((network.len() as f64, 0.0));
            network.add_node(name, position, ports).map_err(network_error)?;
            out.stdout(&format!("added node {name} with ports {}\n", ports.join(", ")));
        }
        LineMagic::NodeRemove { name } => {
            network.remove_node(name).map_err(network_error)?;
            out.stdout(&format!("removed node {name}\n"));
        }
        LineMagic::Link {
            a,
            b,
            latency_ms,
            jitter_ms,
            loss,
        } => {
            let props = vnet::LinkProps {
                latency_ms: *latency_ms,
                jitter_ms: *jitter_ms,
                loss: *loss,
            };
            network.link_with((&a.0, &a.1), (&b.0, &b.1), props).map_err(network_error)?;
            let mut text = format!("linked {}:{} <-> {}:{}", a.0, a.1, b.0, b.1);
            if props != vnet::LinkProps::default() {
                text.push_str(&format!(" (latency {latency_ms} ms, jitter {jitter_ms} ms, loss {loss})"));
            }
            out.stdout(&format!("{text}\n"));
        }
        LineMagic::Unlink { node, port } => {
            let linked = network.unlink(node, port).map_err(network_error)?;
            if linked {
                out.stdout(&format!("unlinked {node}:{port}\n"));
            } else {
                out.stdout(&format!("{node}:{port} had no link\n"));
            }
        }
        LineMagic::Stop { targets } => {
            let names = resolve_targets(shared, targets)?;
            let running: Vec<String> = names
                .iter()
                .filter(|name| network.node(name).is_ok_and(|node| !node.state.is_finished()))
                .cloned()
                .collect();
            network.stop(&running);
            network.wait(&running, Some(STOP_GRACE), &|| false);
            out.stdout(&format!("stopped {}\n", count_of(running.len(), "program")));
        }
        LineMagic::Log { node, tail } => {
            let lines = network.console_tail(node, *tail).map_err(network_error)?;
            if lines.is_empty() {
                out.stdout(&format!("{node} has printed nothing yet\n"));
            }
            for line in lines {
                match line.stream {
                    vnet::Stream::Stdout => out.stdout(&format!("{}\n", line.text)),
                    vnet::Stream::Stderr => out.stderr(&format!("{}\n", line.text)),
                }
            }
        }
        LineMagic::Nodes => out.display(render::table::nodes(&network.nodes()), None),
        LineMagic::Reset => {
            let count = network.len();
            network.reset();
            out.stdout(&format!("removed {count} nodes; the network is empty\n"));
        }
        LineMagic::Topology => {
            let svg = render::topology::svg(&network.nodes(), &network.links());
            out.display(svg, None);
        }
    }
    Ok(())
}

fn list_magics() -> String {
    let mut text = String::from("Line magics and cell magics (see %help NAME):\n");
    for spec in MAGICS {
        text.push_str(&format!("  {:<10} {}\n", spec.invocation(), spec.summary));
    }
    text
}

fn help(name: Option<&str>) -> Result<String, CellError> {
    let Some(name) = name else {
        return Ok(format!(
            "{}\nA cell without a magic is Lua, run by the controller; `%help net` describes its net table.\n",
            list_magics()
        ));
    };
    if name == "net" {
        return Ok(crate::api_docs::net_help());
    }
    vnetos_magics::find_magic(name).map(|spec| spec.help()).ok_or_else(|| {
        let names: Vec<String> = MAGICS.iter().map(|spec| spec.name.to_string()).collect();
        CellError::new(
            "MagicError",
            format!(
                "no magic named `{name}`; the magics are {} (see %lsmagic), and `%help net` describes the net table",
                names.join(", ")
            ),
        )
    })
}

/// Resolves a selector against the network, or explains which names are
/// missing and which exist.
pub fn resolve_targets(shared: &Shared, targets: &Selector) -> Result<Vec<String>, CellError> {
    let network = &shared.network;
    for name in targets.exact_names() {
        if let Err(error) = network.node(name) {
            return Err(network_error(error));
        }
    }
    let names: Vec<String> = network.node_names().into_iter().filter(|name| targets.matches(name)).collect();
    if names.is_empty() {
        return Err(network_error(vnet::Error::NoMatch(
            targets.as_str().to_string(),
            network.describe_nodes(),
        )));
    }
    Ok(names)
}

pub fn run_cell_magic(shared: &Shared, magic: &CellMagic, body: &str) -> Result<(), CellError> {
    match magic {
        CellMagic::Lua { targets, wait } => run_programs(shared, targets, *wait, body),
        CellMagic::Shell { node } => {
            let out = outbox(shared)?;
            shared.watch(std::slice::from_ref(node));
            let text = shared
                .network
                .eval(node, body, EVAL_TIMEOUT, &|| shared.interrupted())
                .map_err(network_error)?;
            if !text.is_empty() {
                out.stdout(&format!("{text}\n"));
            }
            Ok(())
        }
    }
}

fn run_programs(shared: &Shared, targets: &Selector, wait: WaitMode, body: &str) -> Result<(), CellError> {
    let out = outbox(shared)?;
    let network = &shared.network;
    let names = resolve_targets(shared, targets)?;

    // The body starts on cell line 2: one line of padding keeps the line
    // numbers of syntax and runtime errors equal to cell lines.
    let source = format!("\n{body}");
    network.check_program(CELL_CHUNK, &source).map_err(|error| {
        let message = match error {
            vnet::Error::Load { message, .. } => message,
            other => other.to_string(),
        };
        CellError::new(
            "LuaError",
            format!("{message}\nThe program did not compile, so no node was started (targets: {}).", names.join(", ")),
        )
    })?;
    shared.started(&names);
    let view_number = VIEWS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if names.len() > 1000 {
        let mut progress = StartProgress::new(out.clone(), names.len(), view_number);
        network
            .start_program_with_progress(&names, CELL_CHUNK, &source, &mut |done| progress.report(done))
            .map_err(network_error)?;
        progress.report(names.len());
    } else {
        network.start_program(&names, CELL_CHUNK, &source).map_err(network_error)?;
    }

    let timeout = match wait {
        WaitMode::Background => {
            out.stdout(&format!(
                "started {} in the background; `%nodes` shows their states, `%log NODE` their output, `%stop` ends them\n",
                count_of(names.len(), "program")
            ));
            return Ok(());
        }
        WaitMode::UntilDone => None,
        // A wait too long for a Duration is a wait until done.
        WaitMode::Seconds(seconds) => Duration::try_from_secs_f64(seconds).ok(),
    };

    let outcome = wait_with_view(shared, &out, &names, timeout, view_number);
    match outcome {
        WaitOutcome::Finished => report_failures(shared, &out, &names),
        WaitOutcome::TimedOut => {
            let running: Vec<String> = names
                .iter()
                .filter(|name| network.node(name).is_ok_and(|node| !node.state.is_finished()))
                .cloned()
                .collect();
            out.stdout(&format!(
                "--wait passed with {} still running in the background: {}; `%log NODE` shows their output, `%stop` ends them\n",
                count_of(running.len(), "program"),
                running.join(", ")
            ));
            report_failures(shared, &out, &names);
        }
        WaitOutcome::Aborted => {
            network.stop(&names);
            network.wait(&names, Some(STOP_GRACE), &|| false);
            return Err(CellError::interrupted());
        }
    }
    Ok(())
}

/// Numbers the live views of this kernel, so their display ids differ.
static VIEWS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Waits like `Network::wait`, showing the live view once the wait has
/// lasted one period and updating it every period after that.
fn wait_with_view(
    shared: &Shared,
    out: &Outbox,
    names: &[String],
    timeout: Option<Duration>,
    number: u64,
) -> WaitOutcome {
    let network = &shared.network;
    let deadline = timeout.map(|timeout| Instant::now() + timeout);
    let mut view = LiveView::new(out.clone(), names, number);
    let outcome = loop {
        let mut slice = live::PERIOD;
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break WaitOutcome::TimedOut;
            }
            slice = slice.min(left);
        }
        match network.wait(names, Some(slice), &|| shared.interrupted()) {
            WaitOutcome::TimedOut => view.update(network),
            other => break other,
        }
    };
    view.finish(network);
    outcome
}

/// Names the programs that failed; their errors were already streamed.
fn report_failures(shared: &Shared, out: &Outbox, names: &[String]) {
    let failed: Vec<String> = names
        .iter()
        .filter(|name| shared.network.node(name).is_ok_and(|node| node.state == NodeState::Failed))
        .cloned()
        .collect();
    if !failed.is_empty() {
        out.stderr(&format!(
            "{} of {} failed: {}; the other nodes carried on\n",
            failed.len(),
            count_of(names.len(), "program"),
            failed.join(", ")
        ));
    }
}
