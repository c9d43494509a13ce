//! End-to-end tests of node programs on a real network runtime.

use std::time::Duration;

use vnet::{Network, NodeState, WaitOutcome};

fn never() -> bool {
    false
}

fn wait_all(network: &Network, seconds: u64) -> WaitOutcome {
    network.wait(&network.node_names(), Some(Duration::from_secs(seconds)), &never)
}

#[test]
fn ring_passes_token_round() {
    let network = Network::new(2).unwrap();
    network.add_ring(10, "r").unwrap();
    let program = r#"
        if me().id == 0 then
            send("next", 1)
            local count = recv("prev", 5000)
            return count
        end
        local count = recv("prev", 5000)
        send("next", count + 1)
        return count
    "#;
    network.start_program(&network.node_names(), "prog", program).unwrap();
    assert_eq!(wait_all(&network, 10), WaitOutcome::Finished);
    assert_eq!(network.result("r0").unwrap(), Some(serde_json::json!(10)));
    assert_eq!(network.result("r9").unwrap(), Some(serde_json::json!(9)));
}

#[test]
fn failing_node_leaves_others_running() {
    let network = Network::new(2).unwrap();
    network.add_ring(3, "n").unwrap();
    network.start_program(&["n0".to_string()], "prog", "sleep(10)\nerror('boom')").unwrap();
    network.start_program(&["n1".to_string(), "n2".to_string()], "prog", "sleep(50) return me().name").unwrap();
    assert_eq!(wait_all(&network, 10), WaitOutcome::Finished);

    let failed = network.node("n0").unwrap();
    assert_eq!(failed.state, NodeState::Failed);
    assert_eq!(failed.error.as_deref(), Some("prog:2: boom"));
    let console = network.console_tail("n0", 10).unwrap();
    assert_eq!(console.last().unwrap().text, "error: prog:2: boom");
    assert_eq!(network.node("n1").unwrap().state, NodeState::Done);
    assert_eq!(network.result("n2").unwrap(), Some(serde_json::json!("n2")));
}

#[test]
fn busy_loops_stop_on_request() {
    let network = Network::new(2).unwrap();
    for name in ["plain", "wrapped", "pcalled", "sorted"] {
        network.add_node(name, (0.0, 0.0), &["p0".to_string()]).unwrap();
    }
    network.start_program(&["plain".to_string()], "prog", "while true do end").unwrap();
    network
        .start_program(&["wrapped".to_string()], "prog", "coroutine.wrap(function() while true do end end)()")
        .unwrap();
    network
        .start_program(&["pcalled".to_string()], "prog", "while true do pcall(function() while true do end end) end")
        .unwrap();
    network
        .start_program(&["sorted".to_string()], "prog", "table.sort({3, 2, 1}, function(a, b) while true do end end)")
        .unwrap();
    let names = network.node_names();
    assert_eq!(
        network.wait(&names, Some(Duration::from_millis(200)), &never),
        WaitOutcome::TimedOut
    );
    network.stop(&names);
    assert_eq!(wait_all(&network, 2), WaitOutcome::Finished);
    for name in &names {
        assert_eq!(network.node(name).unwrap().state, NodeState::Stopped, "{name}");
    }
}

#[test]
fn busy_node_does_not_block_sleeper() {
    let network = Network::new(1).unwrap();
    network.add_node("busy", (0.0, 0.0), &[]).unwrap();
    network.add_node("sleeper", (1.0, 0.0), &[]).unwrap();
    network.start_program(&["busy".to_string()], "prog", "while true do end").unwrap();
    network
        .start_program(&["sleeper".to_string()], "prog", "local t = now() sleep(10) return now() - t")
        .unwrap();
    let outcome = network.wait(&["sleeper".to_string()], Some(Duration::from_secs(5)), &never);
    assert_eq!(outcome, WaitOutcome::Finished);
    network.stop(&["busy".to_string()]);
    let slept = network.result("sleeper").unwrap().unwrap().as_f64().unwrap();
    assert!(slept >= 10.0, "slept {slept} ms");
}

#[test]
fn send_on_unknown_port_fails_with_ports_listed() {
    let network = Network::new(1).unwrap();
    network.add_ring(2, "n").unwrap();
    network.start_program(&["n0".to_string()], "prog", "send('west', 1)").unwrap();
    assert_eq!(wait_all(&network, 5), WaitOutcome::Finished);
    let error = network.node("n0").unwrap().error.unwrap();
    assert_eq!(error, "prog:1: node `n0` has no port `west`; its ports are prev, next");
}

#[test]
fn send_rejects_function_value() {
    let network = Network::new(1).unwrap();
    network.add_ring(2, "n").unwrap();
    network.start_program(&["n0".to_string()], "prog", "send('next', {f = print})").unwrap();
    assert_eq!(wait_all(&network, 5), WaitOutcome::Finished);
    let error = network.node("n0").unwrap().error.unwrap();
    assert!(error.contains("type function"), "{error}");
}

#[test]
fn allocation_bomb_hits_memory_limit() {
    let network = Network::new(2).unwrap();
    network.add_node("bomb", (0.0, 0.0), &[]).unwrap();
    network.add_node("worker", (1.0, 0.0), &[]).unwrap();
    network
        .start_program(&["bomb".to_string()], "prog", "local t = {} while true do t[#t+1] = ('x'):rep(1e6) end")
        .unwrap();
    network.start_program(&["worker".to_string()], "prog", "sleep(20) return 42").unwrap();
    assert_eq!(wait_all(&network, 10), WaitOutcome::Finished);
    let bomb = network.node("bomb").unwrap();
    assert_eq!(bomb.state, NodeState::Failed);
    assert!(bomb.error.unwrap().contains("memory limit of 64 MiB"));
    assert_eq!(network.result("worker").unwrap(), Some(serde_json::json!(42)));
}

#[test]
fn syntax_error_names_line() {
    let network = Network::new(1).unwrap();
    let error = network.check_program("cell", "local x = 1\nlocal = 2").unwrap_err();
    assert!(error.to_string().contains("cell:2:"), "{error}");
}
