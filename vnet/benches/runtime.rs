//! Benchmarks of the network runtime: i-node creation, one-way message
//! latency, building a 100x100 mesh and a flood over a 32x32 mesh.
//!
//! Run with `cargo bench -p vnet --bench runtime`. Besides criterion's own
//! report, each benchmark prints one `summary:` line with the figures that
//! BENCHMARKS.md quotes (medians, p99, memory).

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use vnet::{Network, WaitOutcome};

fn never() -> bool {
    false
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

fn percentile(samples: &mut [f64], fraction: f64) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[((samples.len() as f64 - 1.0) * fraction).round() as usize]
}

/// Resident memory of this process in bytes, from /proc/self/statm.
fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}

fn run(network: &Network, names: &[String], source: &str) {
    network.start_program(names, "bench", source).unwrap();
    let outcome = network.wait(names, Some(Duration::from_secs(120)), &never);
    assert_eq!(outcome, WaitOutcome::Finished, "benchmark programs did not finish");
}

/// Measures a Lua i-node created and its empty program run: node entry, VM
/// with the node API, task start and end.
fn inode_creation(c: &mut Criterion) {
    let network = Network::new(2).unwrap();
    let mut counter = 0u64;
    c.bench_function("inode_create_and_run_empty", |b| {
        b.iter_custom(|iterations| {
            let names: Vec<String> = (0..iterations)
                .map(|_| {
                    counter += 1;
                    format!("c{counter}")
                })
                .collect();
            let started = Instant::now();
            for name in &names {
                network.add_node(name, (0.0, 0.0), &[]).unwrap();
            }
            run(&network, &names, "");
            let elapsed = started.elapsed();
            for name in &names {
                network.remove_node(name).unwrap();
            }
            elapsed
        })
    });

    network.add_node("probe", (0.0, 0.0), &[]).unwrap();
    run(&network, &["probe".to_string()], "");
    let heap = network.node("probe").unwrap().memory;
    let before = resident_bytes();
    let names: Vec<String> = (0..2000).map(|index| format!("m{index}")).collect();
    for name in &names {
        network.add_node(name, (0.0, 0.0), &[]).unwrap();
    }
    network.start_program(&names, "bench", "recv()").unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let per_node = resident_bytes().saturating_sub(before) / names.len();
    network.stop(&names);
    println!("summary: inode VM heap {heap} bytes; resident per waiting i-node {per_node} bytes (2000 nodes)");
}

/// One-way latency between two linked i-nodes: half of a ping-pong round
/// trip, measured inside the programs with now().
fn message_latency(c: &mut Criterion) {
    let network = Network::new(2).unwrap();
    network.add_ring(2, "p").unwrap();
    let names = network.node_names();
    let echo = "while true do local v = recv('prev') if v == false then return end send('prev', v) end";
    let ping = |count: u64, keep: bool| {
        let keep = if keep { "samples[i] = (now() - t) / 2" } else { "" };
        format!(
            "local samples = {{}} for i = 1, {count} do local t = now() send('next', i) recv('next') \
             {keep} end send('next', false) return samples"
        )
    };

    c.bench_function("message_one_way", |b| {
        b.iter_custom(|iterations| {
            network.start_program(&names[1..], "echo", echo).unwrap();
            let started = Instant::now();
            run(&network, &names[..1], &ping(iterations, false));
            let elapsed = started.elapsed();
            network.wait(&names, Some(Duration::from_secs(10)), &never);
            elapsed / 2
        })
    });

    network.start_program(&names[1..], "echo", echo).unwrap();
    run(&network, &names[..1], &ping(20_000, true));
    let samples: Vec<f64> = serde_json::from_value(network.result("p0").unwrap().unwrap()).unwrap();
    let mut micros: Vec<f64> = samples.iter().map(|ms| ms * 1000.0).collect();
    println!(
        "summary: one-way message median {:.2} us, p99 {:.2} us ({} round trips)",
        median(&mut micros),
        percentile(&mut micros, 0.99),
        micros.len()
    );
}

/// Creating and linking a 100x100 mesh of Lua i-nodes, then resetting it.
fn mesh_creation(c: &mut Criterion) {
    let network = Network::new(2).unwrap();
    let before = resident_bytes();
    let names = network.add_mesh(100, 100, "n", false).unwrap();
    let graph_bytes = resident_bytes().saturating_sub(before);
    network.start_program(&names, "bench", "recv()").unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let running_bytes = resident_bytes().saturating_sub(before);
    network.reset();
    println!(
        "summary: 100x100 mesh resident {:.1} MiB as a graph, {:.1} MiB with 10,000 waiting programs",
        graph_bytes as f64 / 1048576.0,
        running_bytes as f64 / 1048576.0
    );

    let mut group = c.benchmark_group("mesh_100x100");
    group.sample_size(10);
    group.bench_function("create_and_link", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let started = Instant::now();
                network.add_mesh(100, 100, "n", false).unwrap();
                total += started.elapsed();
                network.reset();
            }
            total
        })
    });
    group.finish();
}

/// A flood over a 32x32 mesh: the corner broadcasts, every node forwards
/// the first message it receives. Timed from the corner's send to the last
/// first arrival, inside the programs, after all programs have started.
fn flood(c: &mut Criterion) {
    let mut group = c.benchmark_group("flood_32x32");
    group.sample_size(10);
    let network = Network::new(2).unwrap();
    let names = network.add_mesh(32, 32, "f", false).unwrap();
    let program = "if me().id == 0 then sleep(1000) local t = now() broadcast(t) return t end \
                   local t = recv() broadcast(t) return now() - t";
    let mut spans = Vec::new();
    group.bench_function("start_to_all_done", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let started = Instant::now();
                run(&network, &names, program);
                total += started.elapsed().saturating_sub(Duration::from_millis(1000));
                let span = names[1..]
                    .iter()
                    .filter_map(|name| network.result(name).ok().flatten().and_then(|v| v.as_f64()))
                    .fold(0.0, f64::max);
                spans.push(span);
            }
            total
        })
    });
    group.finish();
    println!("summary: flood 32x32 median {:.2} ms from first send to last arrival", median(&mut spans));
}

criterion_group!(benches, inode_creation, message_latency, mesh_creation, flood);
criterion_main!(benches);
