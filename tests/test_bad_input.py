"""Bad input gets one clear error naming the value and the next step, and
the kernel and the other nodes carry on."""


def only_error(kernel, code):
    reply, outputs = kernel.execute(code)
    assert reply["status"] == "error", outputs
    errors = kernel.errors(outputs)
    assert len(errors) == 1, outputs
    return errors[0]


def test_malformed_magic_names_column(fresh):
    error = only_error(fresh, "%mesh 4by4")
    assert error["ename"] == "MagicError"
    assert error["evalue"] == (
        "line 1, column 7: expected rows x columns such as `4x4`, found `4by4` (see `%help mesh`)")
    assert fresh.stdout(fresh.run_ok("print(#net.nodes())")) == "0\n"


def test_unknown_option_lists_options(fresh):
    error = only_error(fresh, "print(1)\n%ring 4 --prefx r")
    assert error["evalue"].startswith("line 2, column 9: expected one of --prefix, --vm, found `--prefx`")


def test_unknown_magic_lists_magics(fresh):
    error = only_error(fresh, "%meshh 4x4")
    assert "column 1: expected one of %lsmagic, %help, %mesh" in error["evalue"]


def test_lua_cell_for_missing_node_lists_nodes(fresh):
    fresh.run_ok("%ring 3")
    error = only_error(fresh, "%%lua n7\nprint('never')")
    assert error["ename"] == "NetworkError"
    assert error["evalue"] == "no node named `n7`; the network has n0, n1, n2 (see `%nodes`)"
    error = only_error(fresh, "%%lua x*\nprint('never')")
    assert error["evalue"] == "no node matches `x*`; the network has n0, n1, n2 (see `%nodes`)"


def test_lua_syntax_error_names_line(kernel):
    error = only_error(kernel, "local a = 1\nlocal b = = 2")
    assert error["ename"] == "LuaError"
    assert error["evalue"] == "cell:2: unexpected symbol near '='"
    assert "cell:2:" in error["traceback"][0]


def test_runtime_error_names_line(kernel):
    error = only_error(kernel, "local t = nil\n\nprint(t.x)")
    assert error["evalue"].startswith("cell:3: attempt to index a nil value")


def test_program_syntax_error_names_cell_line(fresh):
    fresh.run_ok("%ring 2")
    error = only_error(fresh, "%%lua all\nlocal x = 1\nx = = 2")
    assert error["evalue"] == ("cell:3: unexpected symbol near '='\n"
                               "The program did not compile, so no node was started (targets: n0, n1).")
    assert fresh.stdout(fresh.run_ok('print(net.node("n0").state)')) == "idle\n"


def test_failing_node_is_marked_and_others_finish(fresh):
    fresh.run_ok("%ring 4")
    reply, outputs = fresh.execute(
        "%%lua all\nif me().name == 'n2' then error('sensor offline') end\nsleep(50)\nreturn me().id")
    assert reply["status"] == "ok"
    stderr = fresh.stderr(outputs)
    assert "n2: error: cell:2: sensor offline\n" in stderr
    assert "1 of 4 programs failed: n2; the other nodes carried on\n" in stderr
    states = fresh.stdout(fresh.run_ok(
        'for _, n in ipairs(net.nodes()) do print(n, net.node(n).state, net.result(n)) end'))
    assert states == "n0\tdone\t0\nn1\tdone\t1\nn2\tfailed\tnil\nn3\tdone\t3\n"


def test_runaway_node_program_hits_memory_limit(fresh):
    fresh.run_ok("%ring 2")
    reply, outputs = fresh.execute(
        "%%lua all\nif me().id == 0 then local t = {} while true do t[#t+1] = ('x'):rep(1e6) end end\nreturn 'fine'")
    assert reply["status"] == "ok"
    assert "n0: error: memory limit of 64 MiB reached" in fresh.stderr(outputs)
    assert fresh.stdout(fresh.run_ok('print(net.result("n1"))')) == "fine\n"


def test_link_to_missing_port_lists_ports(fresh):
    fresh.run_ok("%node add a --ports p0,p1\n%node add b")
    error = only_error(fresh, "%link a:p9 b:p0")
    assert error["evalue"] == "node `a` has no port `p9`; its ports are p0, p1"


def test_duplicate_node_is_rejected(fresh):
    fresh.run_ok("%node add a")
    error = only_error(fresh, "%node add a")
    assert error["evalue"].startswith("node `a` already exists")


def test_cell_magic_below_first_line_is_explained(fresh):
    error = only_error(fresh, "%ring 4\n%%lua all\nprint(1)")
    assert error["evalue"].startswith(
        "line 2, column 1: expected a line magic; a cell magic such as `%%lua` must be the first line of its own cell")
    assert fresh.stdout(fresh.run_ok("print(#net.nodes())")) == "0\n"


def test_link_to_itself_is_rejected(fresh):
    fresh.run_ok("%node add a")
    error = only_error(fresh, "%link a:p0 a:p0")
    assert error["evalue"] == "invalid link: `a:p0` cannot be linked to itself; link two different ports"


def test_linked_port_points_to_unlink(fresh):
    fresh.run_ok("%node add a\n%node add b\n%node add c\n%link a:p0 b:p0")
    error = only_error(fresh, "%link a:p0 c:p0")
    assert error["evalue"] == "port `a:p0` is already linked to `b:p0`; free it first with `%unlink a:p0`"
    assert fresh.stdout(fresh.run_ok("%unlink a:p0\n%link a:p0 c:p0")) == "unlinked a:p0\nlinked a:p0 <-> c:p0\n"


def test_target_list_with_space_is_explained(fresh):
    fresh.run_ok("%ring 2")
    error = only_error(fresh, "%%lua n0, n1\nprint(1)")
    assert "expected a node name after each `,` (a target list has no spaces" in error["evalue"]


def test_nil_message_is_rejected(fresh):
    fresh.run_ok("%ring 2")
    reply, outputs = fresh.execute("%%lua n0\nsend('next')")
    assert reply["status"] == "ok"
    assert "n0: error: cell:2: a message needs a value, but got nil" in fresh.stderr(outputs)


def test_recv_errors_name_program_line(fresh):
    fresh.run_ok("%ring 2")
    _, outputs = fresh.execute("%%lua n0\n\nrecv('nosuch', 10)")
    assert "n0: error: cell:3: node `n0` has no port `nosuch`; its ports are prev, next" in fresh.stderr(outputs)
    _, outputs = fresh.execute("%%lua n0\nrecv('prev', 'soon')")
    assert "n0: error: cell:2: recv expects a timeout in ms as its second argument, got a string" in fresh.stderr(outputs)


def test_javascript_vm_not_built_yet(fresh):
    error = only_error(fresh, "%node add a --vm js")
    assert error["evalue"] == ("line 1, column 18: expected `lua` (JavaScript VMs are not built yet), found `js` "
                               "(see `%help node`)")
    assert fresh.stdout(fresh.run_ok("%node add a --vm lua\nprint(net.node('a').vm)")).endswith("lua\n")
