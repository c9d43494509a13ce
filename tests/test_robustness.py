"""Input that once broke the kernel or a node: huge waits, runaway code in
the monitor shell, processes that spin beside waiting ones, and values
whose shape would change in transit."""

import time


def out(kernel, code):
    return kernel.stdout(kernel.run_ok(code))


def test_huge_wait_is_a_wait_until_done(fresh):
    fresh.run_ok("%node add a")
    assert fresh.stderr(fresh.run_ok("%%lua a --wait 1e300\nreturn 1")) == ""
    assert out(fresh, "print(net.wait('a', 1e300), net.result('a'))") == "finished\t1\n"
    assert out(fresh, "print('still here')") == "still here\n"


def test_huge_sleep_waits_forever_until_stopped(fresh):
    fresh.run_ok("%node add a")
    fresh.run_ok("%%lua a --bg\nsleep(1e300)")
    time.sleep(0.2)
    assert out(fresh, "print(net.node('a').state)") == "waiting\n"
    assert out(fresh, "%stop a") == "stopped 1 program\n"
    assert out(fresh, "print(net.node('a').state)") == "stopped\n"
    _, outputs = fresh.execute("%%lua a\nsleep(0/0)")
    assert "a: error: cell:2: sleep needs a number of milliseconds, got nan" in fresh.stderr(outputs)


def test_interrupt_stops_programs_started_by_net_start(fresh):
    fresh.run_ok("%ring 3")
    import threading

    timer = threading.Timer(0.5, fresh.manager.interrupt_kernel)
    timer.start()
    reply, _ = fresh.execute('net.start("all", "while true do sleep(10) end")\nreturn net.wait("all", 30)')
    timer.join()
    assert reply["ename"] == "Interrupted"
    assert out(fresh, "for _, n in ipairs(net.nodes()) do io.write(net.node(n).state, ' ') end print()") == \
        "stopped stopped stopped \n"


def test_runaway_eval_is_stopped(fresh):
    fresh.run_ok("%node add a")
    fresh.run_ok("%%lua a --bg\nwhile true do sleep(10) end")
    started = time.monotonic()
    reply, _ = fresh.execute("%eval a while true do sleep(1) end", timeout=60)
    assert reply["evalue"] == "the code did not finish within 10 s and was stopped; %eval suits short expressions"
    assert time.monotonic() - started < 30
    assert out(fresh, "print(net.node('a').state)") == "waiting\n"
    processes = fresh.run_ok("%ps")[0]["content"]["data"]["text/plain"].splitlines()[1].split()
    assert processes[:3] == ["a", "waiting", "1"]
    fresh.run_ok("%stop a")


def test_spinning_process_hits_limit_beside_waiting_main(fresh):
    fresh.run_ok("%node add a")
    fresh.run_ok('net.limits("a", {instructions = 5000000})')
    _, outputs = fresh.execute(
        "%%lua a --wait 20\nspawn(function() while true do end end)\nwhile true do sleep(10) end")
    assert "a: error: process 1: instruction limit of 5000000 instructions" in fresh.stderr(outputs)
    assert out(fresh, "print(net.node('a').state)") == "failed\n"


def test_message_shapes_survive_transit(fresh):
    fresh.run_ok("%ring 2")
    fresh.run_ok("%%lua all\nif me().id == 0 then send('next', {1, 2, nil, 4}) return end\n"
                 "local v = recv(2000)\nreturn {v[1], v[3] == nil, v[4]}")
    assert out(fresh, "local r = net.result('n1') print(r[1], r[2], r[3])") == "1\ttrue\t4\n"
    _, outputs = fresh.execute("%%lua n0\nsend('next', {a = 1, [1] = 2})")
    assert "both array items and named keys cannot be sent" in fresh.stderr(outputs)


def test_net_add_checks_names(fresh):
    for call, message in [
        ('net.add("bad name")', "node name `bad name` is invalid; use letters, digits, `_`, `-` and `.`"),
        ('net.add("all")', "`all` selects every node, so no node may be called that"),
        ('net.add("d", {ports = {"a", "a"}})', "port `a` is listed twice for node `d`"),
    ]:
        reply, _ = fresh.execute(call)
        assert reply["evalue"] == message, call
    assert out(fresh, "print(#net.nodes())") == "0\n"


def test_rpc_messages_are_counted(fresh):
    fresh.run_ok("%star 3")
    fresh.run_ok("%%lua n0 --bg\nrpc.expose('ping', function() return 'pong' end)\nrpc.serve()")
    fresh.run_ok("%%lua n1\nfor i = 1, 5 do rpc.call('n0', 'ping') end")
    counts = out(fresh, "for _, n in ipairs({'n0', 'n1'}) do local s = net.stats(n) print(n, s.sent, s.received) end")
    assert counts == "n0\t5\t5\nn1\t5\t5\n"
    fresh.run_ok("%stop n0")


def test_background_output_stays_out_of_other_cells(fresh):
    fresh.run_ok("%node add ticker\n%node add quiet")
    fresh.run_ok("%%lua ticker --bg\nsleep(100)\nwhile true do print('tick') sleep(20) end")
    time.sleep(0.3)
    outputs = fresh.run_ok("%%lua quiet\nsleep(200)\nprint('done')")
    assert fresh.stdout(outputs) == "quiet: done\n"
    fresh.run_ok("%stop ticker")


def test_empty_network_file_is_rejected(fresh):
    fresh.run_ok("%ring 3")
    (fresh.folder / "empty.toml").write_text("")
    reply, _ = fresh.execute("%load empty.toml")
    assert reply["evalue"] == "empty.toml describes no nodes; the network is unchanged (`%reset` empties it)"
    assert out(fresh, "print(#net.nodes())") == "3\n"


def test_net_options_are_checked(fresh):
    for call, message in [
        ('net.add("a", {latncy = 5})', "net.add: unknown option `latncy`; the options are x, y, ports"),
        ('net.ring(3, {prefx = "r"})', "net.ring: unknown option `prefx`; the options are prefix"),
        ('net.seed(-1)', "net.seed needs a whole number of 0 or more, got -1"),
        ('net.mesh(-1, 3)', "net.mesh needs a row count as a whole number of 0 or more, got -1"),
        ('net.add("a", {ports = "p0"})', 'net.add: option `ports` needs an array of names such as {"p0", "p1"}, got a string'),
    ]:
        reply, _ = fresh.execute(call)
        assert reply["evalue"] == message, call
    fresh.run_ok('net.add("b")')
    for call, message in [
        ('net.limits("b", {memory_mib = "lots"})', "net.limits: option `memory_mib` needs a number, got a string"),
        ('net.limits("b", {instructions = 0})', "net.limits: instructions must be at least 1, got 0"),
    ]:
        reply, _ = fresh.execute(call)
        assert reply["evalue"] == message, call


def test_spawn_needs_function(fresh):
    fresh.run_ok("%node add a")
    _, outputs = fresh.execute("%%lua a\nspawn(5)")
    assert "a: error: cell:2: spawn needs a function to run, got a integer" in fresh.stderr(outputs)


def test_save_name_with_space_and_shell_table(fresh):
    fresh.run_ok("%node add solo")
    assert out(fresh, "%save my net.toml") == "saved 1 node and 0 links to my net.toml\n"
    assert (fresh.folder / "my net.toml").exists()
    assert out(fresh, '%load "my net.toml"').startswith("loaded 1 node and 0 links from my net.toml")
    fresh.run_ok("%%lua solo --bg\nstate = {level = 3}\nrpc.serve()")
    assert out(fresh, "%%shell solo\nreturn state") == '{"level":3}\n'
    fresh.run_ok("%stop solo")
