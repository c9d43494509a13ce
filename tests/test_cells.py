"""Plain Lua cells behave as a Lua user expects, with Jupyter's rich output."""

import os
import pathlib
import subprocess

from jupyter_client.manager import start_new_kernel

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_print_and_io_write_go_to_stdout(kernel):
    outputs = kernel.run_ok('print("a", 1, nil, true)\nio.write("b", 2, "\\n")\nio.stdout:write("c\\n")')
    assert kernel.stdout(outputs) == "a\t1\tnil\ttrue\nb2\nc\n"
    assert [m["msg_type"] for m in outputs] == ["stream", "stream", "stream"]


def test_stderr_write_is_not_displayed_as_result(kernel):
    outputs = kernel.run_ok('io.stderr:write("warn\\n")')
    assert kernel.stderr(outputs) == "warn\n"
    assert [m["msg_type"] for m in outputs] == ["stream"]


def test_output_order_is_production_order(kernel):
    code = 'for i = 1, 200 do if i % 2 == 0 then io.stderr:write(i, "\\n") else print(i) end end'
    outputs = kernel.run_ok(code)
    numbers = [int(m["content"]["text"]) for m in outputs]
    assert numbers == list(range(1, 201))


def test_final_expression_values(kernel):
    reply, outputs = kernel.execute("local t = {3, 2, name = 'x'}\nt")
    assert reply["status"] == "ok"
    results = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]
    assert results == ['{3, 2, name = "x"}']
    assert outputs[-1]["content"]["execution_count"] == reply["execution_count"]


def test_statement_has_no_result(kernel):
    outputs = kernel.run_ok("y = 5")
    assert outputs == []


def test_globals_persist_between_cells(kernel):
    kernel.run_ok("counter = 41")
    outputs = kernel.run_ok("counter + 1")
    assert outputs[0]["content"]["data"]["text/plain"] == "42"


def test_io_read_asks_front_end(kernel):
    prompts = []

    def answer(prompt):
        prompts.append(prompt)
        return "21"

    reply, outputs = kernel.execute("local n = io.read('n')\nprint(n * 2)", allow_stdin=True, on_input=answer)
    assert reply["status"] == "ok", outputs
    assert prompts == [""]
    assert kernel.stdout(outputs) == "42\n"


def test_io_read_without_stdin_fails_clearly(kernel):
    reply, outputs = kernel.execute("io.read()", allow_stdin=False)
    assert reply["status"] == "error"
    assert "allow_stdin is false" in reply["evalue"]


def test_display_and_update_display(kernel):
    outputs = kernel.run_ok(
        'display({["text/html"] = "<b>1</b>", ["text/plain"] = "1"}, "counter")\n'
        'update_display("counter", {["text/html"] = "<b>2</b>", ["text/plain"] = "2"})')
    kinds = [m["msg_type"] for m in outputs]
    assert kinds == ["display_data", "update_display_data"]
    assert outputs[0]["content"]["transient"]["display_id"] == "counter"
    assert outputs[1]["content"]["transient"]["display_id"] == "counter"
    assert outputs[1]["content"]["data"]["text/html"] == "<b>2</b>"


def test_display_without_plain_gets_fallback(kernel):
    outputs = kernel.run_ok('display({["text/markdown"] = "**hi**"})')
    assert [m["msg_type"] for m in outputs] == ["display_data"]
    assert outputs[0]["content"]["data"] == {"text/markdown": "**hi**", "text/plain": "<text/markdown>"}


def test_display_rejects_number_as_text(kernel):
    reply, outputs = kernel.execute('display({["text/plain"] = 5})')
    assert reply["status"] == "error"
    assert "the content of text/plain must be a string, got a integer" in reply["evalue"]


def test_io_read_checks_format_before_asking(kernel):
    asked = []
    reply, _ = kernel.execute('io.read("a")', allow_stdin=True, on_input=lambda prompt: asked.append(prompt) or "x")
    assert reply["status"] == "error"
    assert 'format must be "l", "L", "n" or a count, got "a"' in reply["evalue"]
    assert asked == []


def test_io_read_number_keeps_integers(kernel):
    reply, outputs = kernel.execute("print(math.type(io.read('n')))", allow_stdin=True, on_input=lambda prompt: "42")
    assert kernel.stdout(outputs) == "integer\n"


def test_net_function_without_name_explains(kernel):
    reply, _ = kernel.execute("net.log()")
    assert reply["evalue"].startswith('net.log needs a node name such as "n0", got nothing')


def test_complete_node_names_and_ports(fresh):
    fresh.run_ok("%mesh 2x2")
    client = fresh.client
    client.complete("%%lua n0", 8)
    reply = client.get_shell_msg(timeout=10)["content"]
    assert sorted(reply["matches"]) == ["n0_0", "n0_1"]
    assert (reply["cursor_start"], reply["cursor_end"]) == (6, 8)
    client.complete("%link n0_0:ea", 13)
    reply = client.get_shell_msg(timeout=10)["content"]
    assert reply["matches"] == ["east"]
    client.complete('print(net.result("n1_', 21)
    reply = client.get_shell_msg(timeout=10)["content"]
    assert sorted(reply["matches"]) == ["n1_0", "n1_1"]


def test_inspect_node_shows_state(fresh):
    fresh.run_ok("%mesh 2x2")
    fresh.client.inspect("n1_1", 2)
    reply = fresh.client.get_shell_msg(timeout=10)["content"]
    assert reply["found"] is True
    text = reply["data"]["text/plain"]
    assert text.startswith("node n1_1 (id 3, lua VM) at 1,1\nstate: idle\n")
    assert "north -> n0_1:south" in text


def test_topology_draws_without_host_fonts(tmp_path):
    """Pictures use the font inside the binary: with an empty font
    configuration the SVG still has its text, and the binary does not link
    fontconfig at all."""
    binary = ROOT / "target" / "release" / "vnetos"
    linked = subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout
    assert "fontconfig" not in linked
    assert "freetype" not in linked

    empty = tmp_path / "fonts.conf"
    empty.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n')
    env = dict(os.environ, FONTCONFIG_FILE=str(empty), FONTCONFIG_PATH=str(tmp_path),
               XDG_DATA_HOME=str(tmp_path))
    manager, client = start_new_kernel(kernel_name="vnetos", env=env)
    try:
        msg_id = client.execute("%ring 3\n%topology")
        svg = None
        while True:
            message = client.get_iopub_msg(timeout=30)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "display_data":
                svg = message["content"]["data"]["image/svg+xml"]
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
        assert svg is not None
        assert svg.count("<circle") == 3
        assert svg.count("<text") == 4
        assert "3 nodes, 3 links (3 idle)" in svg
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_restart_gives_empty_network():
    manager, client = start_new_kernel(kernel_name="vnetos")
    try:
        client.execute("%ring 3")
        client.get_shell_msg(timeout=30)
        manager.restart_kernel(now=False)
        client.wait_for_ready(timeout=30)
        msg_id = client.execute("print(#net.nodes())")
        text = ""
        while True:
            message = client.get_iopub_msg(timeout=30)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "stream":
                text += message["content"]["text"]
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
        assert text == "0\n"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_history_search_finds_cells(kernel):
    kernel.run_ok("history_marker = 7")
    kernel.run_ok("history_marker * 6")
    kernel.client.history(hist_access_type="search", pattern="history_marker*", n=10, unique=True,
                          output=True, raw=True)
    reply = kernel.client.get_shell_msg(timeout=10)["content"]
    entries = [entry[2] for entry in reply["history"]]
    assert entries == [["history_marker = 7", ""], ["history_marker * 6", "42"]]
