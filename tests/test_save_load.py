"""%save and %load: a round trip keeps every field, and a bad file leaves
the network as it was."""

import tomllib


def describe(kernel):
    """Every field of the network, printed from Lua in a fixed order."""
    code = """
for _, name in ipairs(net.nodes()) do
    local node = net.node(name)
    local ports = {}
    for port, peer in pairs(node.ports) do ports[#ports + 1] = port .. "=" .. peer end
    table.sort(ports)
    local limits = net.limits(name)
    print(name, node.x, node.y, node.vm, table.concat(ports, " "), limits.memory_mib, limits.instructions)
end
print("seed", net.seed(), "limit", net.message_limit())
"""
    return kernel.stdout(kernel.run_ok(code))


def build(kernel):
    kernel.run_ok("%reset\nnet.seed(99)\nnet.message_limit(4096)\n%mesh 2x3\n%node add sink --at 5,1.5 --ports in,out")
    kernel.run_ok("%unlink n0_2:east\n%link n0_2:east sink:in --latency 3 --jitter 1 --loss 0.25")
    kernel.run_ok("net.limits('sink', {memory_mib = 8, instructions = 1000000})")
    kernel.run_ok("%%lua sink\nreturn 'sink ready'")


def test_round_trip_keeps_every_field(fresh):
    build(fresh)
    before = describe(fresh)
    assert fresh.stdout(fresh.run_ok("%save net.toml")) == "saved 7 nodes and 8 links to net.toml\n"

    saved = tomllib.loads((fresh.folder / "net.toml").read_text())
    assert saved["seed"] == 99
    assert saved["message_limit"] == 4096
    sink = next(node for node in saved["node"] if node["name"] == "sink")
    assert sink == {"name": "sink", "x": 5.0, "y": 1.5, "vm": "lua", "ports": ["in", "out"],
                    "memory_bytes": 8 * 1024 * 1024, "instructions": 1000000,
                    "program": "\nreturn 'sink ready'"}
    link = next(link for link in saved["link"] if link["b"] == "sink:in")
    assert link == {"a": "n0_2:east", "b": "sink:in", "latency_ms": 3.0, "jitter_ms": 1.0, "loss": 0.25}

    fresh.run_ok("%reset\nnet.seed(1)\nnet.message_limit(100)")
    loaded = fresh.stdout(fresh.run_ok("%load net.toml"))
    assert loaded == ("loaded 7 nodes and 8 links from net.toml (seed 99)\n"
                      "1 node has a saved program; net.rerun(\"all\") starts them\n")
    assert describe(fresh) == before
    fresh.run_ok('net.rerun("all")\nnet.wait()')
    assert fresh.stdout(fresh.run_ok('print(net.result("sink"))')) == "sink ready\n"


def test_corrupt_file_names_line_and_keeps_network(fresh):
    build(fresh)
    before = describe(fresh)
    (fresh.folder / "bad.toml").write_text('seed = 1\n[[node]]\nname = "a"\nx = = 2\n')
    reply, _ = fresh.execute("%load bad.toml")
    assert reply["status"] == "error"
    assert reply["ename"] == "LoadError"
    assert "line 4, column 5" in reply["evalue"]
    assert reply["evalue"].endswith("the network is unchanged")
    assert describe(fresh) == before


def test_invalid_description_keeps_network(fresh):
    build(fresh)
    before = describe(fresh)
    (fresh.folder / "dangling.toml").write_text(
        '[[node]]\nname = "a"\nx = 0.0\ny = 0.0\nports = ["p0"]\n\n[[link]]\na = "a:p0"\nb = "ghost:p0"\n')
    reply, _ = fresh.execute("%load dangling.toml")
    assert reply["evalue"] == ("dangling.toml: invalid network description: link end `ghost:p0` names no node "
                               "of the file; the network is unchanged")
    assert describe(fresh) == before
    reply, _ = fresh.execute("%load missing.toml")
    assert reply["evalue"].startswith("cannot read `missing.toml`: No such file or directory")
