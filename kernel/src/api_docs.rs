//! One-line documentation of the node API and of the controller's `net`
//! table, shown by inspection and by `%help net`.

/// Functions of node programs and of the controller's `net` table, with the
/// text inspection shows for them.
pub const API_DOCS: &[(&str, &str)] = &[
    ("print", "print(...): one console line; a waiting cell shows it prefixed with the node name"),
    ("me", "me(): table {name, id, x, y, vm} of this node"),
    ("ports", "ports([linked]): array of this node's port names; only linked ones with ports(true)"),
    ("send", "send(port, value): queue value on the link at port; returns false when the port has no link"),
    ("broadcast", "broadcast(value): send on every linked port; returns the number sent"),
    ("sendto", "sendto(node, value): route value to any node over shortest paths"),
    ("hops", "hops(): links crossed by the last message recv returned"),
    ("recv", "recv([port], [timeout_ms]): next message as value, port; nil after the timeout"),
    ("sleep", "sleep(ms): wait without holding a thread"),
    ("now", "now(): milliseconds since the network started (float)"),
    ("spawn", "spawn(fn, ...): start a process in this node; returns a handle with join()"),
    ("chan", "chan([capacity]): channel with put(v), get([timeout_ms]), close(); put waits while full"),
    ("select", "select(cases, [timeout_ms]): wait on channels and port names; returns index, value"),
    ("after", "after(ms): channel that receives now() once after ms"),
    ("emit", "emit(key, value): record a time-stamped number that %plot series KEY draws"),
    ("rpc", "rpc.expose(name, fn), rpc.call(node, name, ...), rpc.serve(), rpc.timeout(ms)"),
    ("net.nodes", "net.nodes(): array of node names in creation order"),
    ("net.node", "net.node(NAME): table {name, id, x, y, vm, state, error, sent, received, dropped, memory, ports}"),
    ("net.result", "net.result(NAME): the first value the last program of NAME returned, or nil"),
    ("net.log", "net.log(NAME, [count]): the last count (default 20) console lines of NAME"),
    ("net.seed", "net.seed([N]): set the seed of link loss and jitter; returns the seed"),
    ("net.message_limit", "net.message_limit([bytes]): set the largest message (default 1 MiB); returns it"),
    ("net.limits", "net.limits(NAME, [{memory_mib = M, instructions = N}]): set a node's VM limits for its next run; returns them"),
    ("net.add", "net.add(NAME, [{x = X, y = Y, ports = {\"p0\", ...}}]): add a Lua i-node"),
    ("net.remove", "net.remove(NAME): remove a node, its links and its program"),
    ("net.link", "net.link(\"a:p0\", \"b:p0\", [{latency = MS, jitter = MS, loss = P}]): link two ports"),
    ("net.unlink", "net.unlink(\"a:p0\"): remove the link at a port; returns whether there was one"),
    ("net.mesh", "net.mesh(ROWS, COLS, [{prefix = P, torus = true}]): add a grid; returns the names"),
    ("net.ring", "net.ring(N, [{prefix = P}]): add a ring; returns the names"),
    ("net.star", "net.star(N, [{prefix = P}]): add a star around hub P0; returns the names"),
    ("net.line", "net.line(N, [{prefix = P}]): add a line; returns the names"),
    ("net.random", "net.random(N, DEGREE, [{prefix = P}]): add a connected random network; returns the names"),
    ("net.reset", "net.reset(): stop every program and remove every node"),
    ("net.start", "net.start(TARGETS, CODE): load CODE as the program of each target (\"n*\" or {\"n1\", ...}) and start it"),
    ("net.rerun", "net.rerun(TARGETS): start again the last program of each target, such as programs loaded with %load"),
    ("net.wait", "net.wait([TARGETS], [SECONDS]): wait for programs; returns \"finished\" or \"timed out\""),
    ("net.stop", "net.stop(TARGETS): stop programs; returns how many targets there were"),
    ("net.stats", "net.stats(NAME): message counters of a node and its median one-way latency in ms"),
    ("net.draw", "net.draw(): show the topology picture, as %topology does"),
];


/// Builds the text of `%help net`.
pub fn net_help() -> String {
    let mut text = String::from(
        "net: the controller's view of the network, for plain Lua cells\n\n\
         Every magic has a net function, so a loop can build and run a network that no\n\
         single magic describes. TARGETS is a selector string (\"n*\", \"n1,n3\", \"n[0-3]\",\n\
         \"all\") or an array of names.\n\n",
    );
    for (_, doc) in API_DOCS.iter().filter(|(name, _)| name.starts_with("net.")) {
        text.push_str("  ");
        text.push_str(doc);
        text.push('\n');
    }
    text.push_str(
        "\nExample:\n    net.reset()\n    for i = 0, 4 do net.add(\"s\" .. i, {x = i, ports = {\"left\", \"right\"}}) end\n    \
         for i = 1, 4 do net.link(\"s\" .. (i - 1) .. \":right\", \"s\" .. i .. \":left\", {latency = 2}) end\n    \
         net.start(\"s*\", \"return #ports(true)\")\n    print(net.wait(), net.result(\"s2\"))\n",
    );
    text
}
