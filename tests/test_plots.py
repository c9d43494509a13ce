"""%plot draws messages, latency and emitted series as SVG charts, with a
text summary that states the values drawn."""

import re


def chart(kernel, code):
    outputs = kernel.run_ok(code)
    shown = [m["content"]["data"] for m in outputs if m["msg_type"] == "display_data"]
    assert len(shown) == 1, outputs
    return shown[0]["text/plain"], shown[0]["image/svg+xml"]


def test_plots_of_a_run(fresh):
    fresh.run_ok("%ring 4")
    fresh.run_ok("%%lua all\nfor i = 1, 5 do emit('level', me().id * 10 + i) send('next', i) recv('prev') end")

    summary, svg = chart(fresh, "%plot messages")
    assert summary == "messages per node: 4 nodes, 20 sent, 20 received"
    assert svg.count("<rect") >= 8
    assert re.search(r">\s*n3\s*</text>", svg)

    summary, svg = chart(fresh, "%plot latency")
    assert re.fullmatch(r"one-way latency: 20 messages, median [\d.]+ us, p99 [\d.]+ us", summary)
    assert "microseconds" in svg

    summary, svg = chart(fresh, "%plot series level")
    assert summary == "level: 20 samples from 4 nodes"
    assert svg.count("<polyline") >= 4
    assert re.search(r">\s*level\s*</text>", svg)


def test_plot_of_unknown_series_lists_keys(fresh):
    fresh.run_ok("%node add a")
    reply, _ = fresh.execute("%plot series nothing")
    assert reply["evalue"] == "no samples of `nothing`; no program has called emit(KEY, value) yet"
    fresh.run_ok("%%lua a\nemit('heat', 1)")
    reply, _ = fresh.execute("%plot series nothing")
    assert reply["evalue"] == "no samples of `nothing`; the recorded keys are heat"


def test_emit_rejects_non_numbers(fresh):
    fresh.run_ok("%node add a")
    _, outputs = fresh.execute("%%lua a\nemit('heat', 'hot')")
    assert 'a: error: cell:2: emit("heat", value) needs a finite number, got a string' in fresh.stderr(outputs)


def test_plot_needs_known_kind(kernel):
    reply, _ = kernel.execute("%plot bars")
    assert reply["evalue"].startswith("line 1, column 7: expected `messages`, `latency` or `series KEY`, found `bars`")
