"""Interrupt stops running Lua, in the controller and in nodes, and leaves
the kernel usable."""

import threading
import time


def interrupt_after(kernel, seconds):
    def send():
        time.sleep(seconds)
        kernel.manager.interrupt_kernel()
    thread = threading.Thread(target=send)
    thread.start()
    return thread


def test_interrupt_stops_controller_loop(kernel):
    started = time.monotonic()
    sender = interrupt_after(kernel, 0.5)
    reply, outputs = kernel.execute("while true do end", timeout=30)
    sender.join()
    assert reply["status"] == "error"
    assert reply["ename"] == "Interrupted"
    assert [e["ename"] for e in kernel.errors(outputs)] == ["Interrupted"]
    assert time.monotonic() - started < 10
    assert kernel.stdout(kernel.run_ok('print("after")')) == "after\n"


def test_interrupt_stops_node_loops(fresh):
    fresh.run_ok("%ring 3")
    sender = interrupt_after(fresh, 0.5)
    reply, _ = fresh.execute(
        "%%lua all\ncoroutine.wrap(function() while true do end end)()", timeout=30)
    sender.join()
    assert reply["status"] == "error"
    assert reply["ename"] == "Interrupted"
    states = fresh.stdout(fresh.run_ok(
        'for _, n in ipairs(net.nodes()) do print(n, net.node(n).state) end'))
    assert states == "n0\tstopped\nn1\tstopped\nn2\tstopped\n"
    outputs = fresh.run_ok("%%lua n1\nreturn 5")
    assert fresh.stderr(outputs) == ""
    assert fresh.stdout(fresh.run_ok('print(net.result("n1"))')) == "5\n"


def test_interrupt_of_waiting_cell(fresh):
    fresh.run_ok("%node add lonely")
    sender = interrupt_after(fresh, 0.3)
    reply, _ = fresh.execute("%%lua lonely\nrecv()", timeout=30)
    sender.join()
    assert reply["ename"] == "Interrupted"
    assert fresh.stdout(fresh.run_ok('print(net.node("lonely").state)')) == "stopped\n"


def test_stop_ends_background_programs(fresh):
    fresh.run_ok("%ring 3")
    outputs = fresh.run_ok("%%lua all --bg\nwhile true do end")
    assert "started 3 programs in the background" in fresh.stdout(outputs)
    assert fresh.stdout(fresh.run_ok("%stop n[0-1]")) == "stopped 2 programs\n"
    states = fresh.stdout(fresh.run_ok(
        'for _, n in ipairs(net.nodes()) do print(n, net.node(n).state) end'))
    assert states == "n0\tstopped\nn1\tstopped\nn2\trunning\n"
    assert fresh.stdout(fresh.run_ok("%stop all")) == "stopped 1 program\n"
