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
    assert names == ["lsmagic", "help", "mesh", "ring", "node", "link", "nodes", "reset", "topology",
                     "unlink", "stop", "log", "lua"]


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
    first, first_outputs = fresh.execute("%%lua ticker --bg\nfor i = 1, 30 do print('tick', i) sleep(20) end")
    assert first["status"] == "ok"
    time.sleep(0.2)
    second = fresh.run_ok("x = 1")
    third = fresh.run_ok("y = 2")
    assert second == [] and third == []
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
