"""Every magic's help example runs as written, and console output of
background programs stays in the node console."""

import re
import time


def magic_names(kernel):
    listing = kernel.stdout(kernel.run_ok("%lsmagic"))
    return re.findall(r"^  %%?(\w+)", listing, flags=re.MULTILINE)


def example_cells(help_text):
    cells = []
    for block in re.split(r"\nExample(?:, cell \d+)?:\n", help_text)[1:]:
        lines = []
        for line in block.splitlines():
            if not line.startswith("    "):
                break
            lines.append(line[4:])
        cells.append("\n".join(lines))
    return cells


def test_lsmagic_lists_every_magic(kernel):
    names = magic_names(kernel)
    assert names == ["lsmagic", "help", "mesh", "ring", "star", "line", "random", "save", "load", "plot", "ps", "stats",
                     "node", "link",
                     "nodes", "reset", "topology", "unlink", "stop", "log", "eval", "shell", "lua"]


def test_every_help_example_runs(fresh):
    for name in magic_names(fresh):
        help_text = fresh.stdout(fresh.run_ok(f"%help {name}"))
        cells = example_cells(help_text)
        assert cells, f"%help {name} has no example"
        for cell in cells:
            reply, outputs = fresh.execute(cell)
            assert reply["status"] == "ok", (name, cell, fresh.errors(outputs))
            assert fresh.stderr(outputs) == "", (name, cell, fresh.stderr(outputs))


def test_help_lua_example_prints_values(fresh):
    help_text = fresh.stdout(fresh.run_ok("%help lua"))
    setup, program = example_cells(help_text)
    fresh.run_ok(setup)
    lines = sorted(fresh.stdout(fresh.run_ok(program)).splitlines())
    assert lines == ["n0: got\t3\ton\tprev", "n1: got\t0\ton\tprev", "n2: got\t1\ton\tprev", "n3: got\t2\ton\tprev"]


def test_background_output_goes_to_log_not_old_cell(fresh):
    fresh.run_ok("%node add ticker")
    first, first_outputs = fresh.execute("%%lua ticker --bg\nsleep(100)\nfor i = 1, 30 do print('tick', i) sleep(20) end")
    assert first["status"] == "ok"
    time.sleep(0.2)
    second = fresh.run_ok("x = 1")
    third = fresh.run_ok("y = 2")
    assert second == []
    assert third == []
    deadline = time.monotonic() + 20
    while fresh.stdout(fresh.run_ok('print(net.node("ticker").state)')) != "done\n":
        assert time.monotonic() < deadline, "the background program did not finish"
        time.sleep(0.1)
    assert "tick" not in fresh.stdout(first_outputs)
    log = fresh.stdout(fresh.run_ok("%log ticker --tail 3"))
    assert log == "tick\t28\ntick\t29\ntick\t30\n"


def test_log_of_unknown_node_lists_nodes(fresh):
    fresh.run_ok("%node add a")
    reply, _ = fresh.execute("%log b")
    assert reply["evalue"] == "no node named `b`; the network has a (see `%nodes`)"


def test_help_for_unknown_magic_lists_magics(kernel):
    reply, _ = kernel.execute("%help nosuch")
    assert reply["evalue"].startswith("no magic named `nosuch`; the magics are lsmagic, help, mesh")


def display_text(outputs, index=0):
    shown = [m["content"]["data"] for m in outputs if m["msg_type"] == "display_data"]
    return shown[index]["text/plain"], shown[index]["text/html"]


def test_generators_build_expected_links(fresh):
    assert fresh.stdout(fresh.run_ok("%star 5")) == "added a star of 5 nodes: hub n0\n"
    assert fresh.stdout(fresh.run_ok("print(#net.nodes(), net.node('n0').ports.p4)")) == "5\tn4:hub\n"
    fresh.run_ok("%reset")
    assert fresh.stdout(fresh.run_ok("%line 4 --prefix l")) == "added a line of 4 nodes: l0..l3\n"
    assert fresh.stdout(fresh.run_ok("print(net.node('l1').ports.prev, net.node('l0').ports.prev)")) == "l0:next\t\n"
    fresh.run_ok("%reset")
    first = fresh.stdout(fresh.run_ok("net.seed(3)\n%random 20 --degree 4"))
    assert first == "added a random network of 20 nodes and 40 links (seed 3)\n"


def test_random_network_is_connected(fresh):
    fresh.run_ok("net.seed(5)\n%random 30 --degree 2")
    fresh.run_ok("%%lua all\nif me().id == 0 then broadcast(1) return 0 end\n"
                 "local v = recv(3000)\nbroadcast(v + 1)\nreturn v")
    reached = fresh.stdout(fresh.run_ok(
        "local n = 0 for _, name in ipairs(net.nodes()) do if net.result(name) then n = n + 1 end end print(n)"))
    assert reached == "30\n"


def test_ps_and_stats_tables(fresh):
    fresh.run_ok("%ring 3")
    fresh.run_ok("%%lua all\nsend('next', me().id)\nrecv('prev', 1000)\nreturn 1")
    text, html = display_text(fresh.run_ok("%ps"))
    assert text.splitlines()[0].split() == ["node", "state", "processes", "memory", "inbox", "sent", "received", "error"]
    assert text.splitlines()[1].split()[:3] == ["n0", "done", "0"]
    assert text.endswith("3 programs, 0 running or waiting\n")
    assert "<th>memory</th>" in html
    outputs = fresh.run_ok("%stats")
    node_text, _ = display_text(outputs, 0)
    link_text, _ = display_text(outputs, 1)
    assert node_text.splitlines()[1].split()[:5] == ["n0", "1", "1", "0", "0"]
    assert "3 nodes: 3 messages sent, 0 dropped" in node_text
    assert link_text.splitlines()[1].split() == ["n0:prev", "n2:next", "0", "0", "0"]
    assert "6 link directions" in link_text


def test_help_net_example_runs(fresh):
    help_text = fresh.stdout(fresh.run_ok("%help net"))
    assert "net.start(TARGETS, CODE)" in help_text
    (example,) = example_cells(help_text)
    assert fresh.stdout(fresh.run_ok(example)) == "finished\t2\n"


def test_net_builds_what_no_magic_describes(fresh):
    code = """
local names = net.ring(6, {prefix = "r"})
net.add("center", {ports = {"a", "b", "c"}})
for i, port in ipairs({"a", "b", "c"}) do net.link("center:" .. port, names[2 * i - 1] .. ":hub") end
"""
    reply, outputs = fresh.execute(code)
    assert reply["status"] == "error"
    assert "node `r0` has no port `hub`; its ports are prev, next" in reply["evalue"]
    fresh.run_ok("net.reset()\n"
                 "for i = 0, 3 do net.add('s' .. i, {x = i, ports = {'left', 'right', 'hub'}}) end\n"
                 "net.add('center', {ports = {'a', 'b', 'c', 'd'}})\n"
                 "for i, port in ipairs({'a', 'b', 'c', 'd'}) do net.link('center:' .. port, 's' .. (i - 1) .. ':hub') end\n"
                 "net.link('s0:right', 's1:left', {loss = 0})")
    started = fresh.stdout(fresh.run_ok(
        "local started = net.start('s*', 'return #ports(true)')\nprint(#started, net.wait('s*', 5))"))
    assert started == "4\tfinished\n"
    counts = fresh.stdout(fresh.run_ok("for i = 0, 3 do io.write(net.result('s' .. i), ' ') end print()"))
    assert counts == "2 2 1 1 \n"
    assert fresh.stdout(fresh.run_ok("print(net.stop('all'))")) == "5\n"
    outputs = fresh.run_ok("net.draw()")
    assert outputs[0]["content"]["data"]["image/svg+xml"].count("<circle") == 5


def test_waiting_cell_shows_live_view(fresh):
    fresh.run_ok("%ring 4")
    outputs = fresh.run_ok("%%lua all\nfor i = 1, 12 do send('next', i) recv('prev') sleep(100) end")
    shown = [m for m in outputs if m["msg_type"] == "display_data"]
    updates = [m for m in outputs if m["msg_type"] == "update_display_data"]
    assert len(shown) == 1
    display_id = shown[0]["content"]["transient"]["display_id"]
    assert all(m["content"]["transient"]["display_id"] == display_id for m in updates)
    assert 3 <= len(updates) <= 1.3 * 4 / 0.25  # at most four updates a second over about 1.3 s
    counts = [int(re.search(r"(\d+) messages sent", m["content"]["data"]["text/plain"]).group(1))
              for m in updates if "messages sent" in m["content"]["data"]["text/plain"]]
    assert counts == sorted(counts)
    assert counts[0] < counts[-1] == 48
    assert "4 done" in updates[-1]["content"]["data"]["text/plain"]
    assert "image/svg+xml" in updates[-1]["content"]["data"]


def test_quick_cell_shows_no_live_view(fresh):
    fresh.run_ok("%ring 4")
    outputs = fresh.run_ok("%%lua all\nreturn 1")
    assert [m["msg_type"] for m in outputs] == []


def test_many_programs_show_start_progress(fresh):
    fresh.run_ok("%mesh 40x40")
    outputs = fresh.run_ok("%%lua all\nreturn me().id")
    texts = [m["content"]["data"]["text/plain"] for m in outputs
             if m["msg_type"] in ("display_data", "update_display_data")
             and m["content"]["transient"]["display_id"].startswith("vnetos-start")]
    assert [text.split(" (")[0] for text in texts] == [
        "started 500 of 1600 programs", "started 1000 of 1600 programs",
        "started 1500 of 1600 programs", "started 1600 of 1600 programs"]


def test_eval_and_shell_reach_running_vm(fresh):
    fresh.run_ok("%node add sensor")
    fresh.run_ok("%%lua sensor --bg\ncount = 0\nwhile true do count = count + 1 sleep(5) end")
    assert fresh.stdout(fresh.run_ok("%eval sensor count > 0, type(count)")) == "true\tnumber\n"
    assert fresh.stdout(fresh.run_ok("%%shell sensor\ncount = -100\nreturn count < 0")) == "true\n"
    reply, _ = fresh.execute("%eval sensor nosuch.field")
    assert reply["evalue"].startswith("eval:1: attempt to index a nil value (global 'nosuch')")
    fresh.run_ok("%stop sensor")
    reply, _ = fresh.execute("%eval sensor count")
    assert reply["evalue"] == ("node `sensor` runs no program (state stopped); "
                               "%eval reaches the VM of a running or waiting program")


def test_nodes_table_and_reset(fresh):
    fresh.run_ok("%node add a --at 1,2 --ports p0,p1\n%node add b\n%link a:p1 b:p0")
    text, html = display_text(fresh.run_ok("%nodes"))
    assert text.splitlines() == [
        "name  id  position  state  ports (peer)  sent  received",
        "a     0   1,2       idle   p0 p1 (b:p0)  0     0",
        "b     1   1,0       idle   p0 (a:p1)     0     0",
        "2 nodes",
    ]
    assert "<td>p0 p1 (b:p0)</td>" in html
    assert fresh.stdout(fresh.run_ok("%reset")) == "removed 2 nodes; the network is empty\n"


def test_torus_wrap_links_drawn_as_stubs(fresh):
    outputs = fresh.run_ok("%mesh 4x5 --torus\n%topology")
    svg = [m for m in outputs if m["msg_type"] == "display_data"][0]["content"]["data"]["image/svg+xml"]
    assert "20 nodes, 40 links (20 idle)" in svg
    # 31 grid links drawn whole, and 9 wrap-around links as two stubs each.
    assert svg.count("<polyline") == 31 + 2 * 9


def test_second_topology_placed_beside_first(fresh):
    fresh.run_ok("%mesh 2x3\n%ring 4 --prefix r")
    positions = fresh.stdout(fresh.run_ok(
        "for _, n in ipairs({'n0_0', 'n1_2', 'r0', 'r2'}) do local node = net.node(n) print(n, node.x, node.y) end"))
    assert positions.splitlines() == ["n0_0\t0.0\t0.0", "n1_2\t2.0\t1.0", "r0\t6.0\t0.0", "r2\t4.0\t0.0"]
