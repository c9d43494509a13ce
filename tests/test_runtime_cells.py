"""The runtime's routing, loss, processes and limits as a notebook user
reaches them: magics and plain Lua cells in a real kernel."""


def lines(kernel, code):
    return kernel.stdout(kernel.run_ok(code)).splitlines()


def lossy_run(kernel, seed):
    kernel.run_ok("%reset\n%node add a\n%node add b")
    kernel.run_ok(f"net.seed({seed})\n%link a:p0 b:p0 --loss 0.5")
    kernel.run_ok("%%lua a,b\n"
                  "if me().name == 'a' then for i = 1, 100 do send('p0', i) end return end\n"
                  "local got = {}\n"
                  "while true do local v = recv(300) if v == nil then break end got[#got + 1] = v end\n"
                  "return got")
    return lines(kernel, 'print(table.concat(net.result("b"), ","))')[0]


def test_seeded_loss_repeats(fresh):
    first = lossy_run(fresh, 11)
    second = lossy_run(fresh, 11)
    other = lossy_run(fresh, 12)
    assert first == second
    assert first != other
    assert 20 < len(first.split(",")) < 80


def test_sendto_hops_in_mesh(fresh):
    fresh.run_ok("%mesh 4x4")
    fresh.run_ok("%%lua n0_0,n3_3 --wait 10\n"
                 "if me().name == 'n0_0' then sendto('n3_3', 'hello') return end\n"
                 "local value, port = recv(5000)\nprint(value, port, hops())")
    assert lines(fresh, "%log n3_3 --tail 1") == ["hello\tnorth\t6"]


def test_limits_fail_node_with_message(fresh):
    fresh.run_ok("%node add spin\n%node add fine")
    limits = lines(fresh, 'local l = net.limits("spin", {instructions = 5000000})\nprint(l.instructions, l.memory_mib)')
    assert limits == ["5000000\t64.0"]
    reply, outputs = fresh.execute("%%lua all\nif me().name == 'spin' then while true do end end\nreturn 'ok'")
    assert reply["status"] == "ok"
    assert ("spin: error: instruction limit of 5000000 instructions without waiting reached"
            in fresh.stderr(outputs))
    assert lines(fresh, 'print(net.node("spin").state, net.result("fine"))') == ["failed\tok"]


def test_rpc_between_nodes(fresh):
    fresh.run_ok("%ring 3")
    fresh.run_ok("%%lua n2 --bg\nrpc.expose('double', function(x) return 2 * x end)\nrpc.serve()")
    fresh.run_ok("%%lua n0\nreturn rpc.call('n2', 'double', 21)")
    assert lines(fresh, 'print(net.result("n0"))') == ["42"]
    assert fresh.stdout(fresh.run_ok("%stop n2")) == "stopped 1 program\n"
