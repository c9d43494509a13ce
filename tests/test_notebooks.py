"""Every notebook in notebooks/ runs under nbclient with the vnetos kernel,
and its results are checked by value."""

import pathlib
import re

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"


def execute(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(notebook, kernel_name="vnetos", timeout=120).execute()
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def stream_text(cell, name="stdout"):
    return "".join(o["text"] for o in cell.outputs if o["output_type"] == "stream" and o["name"] == name)


def svgs(cell):
    return [o["data"]["image/svg+xml"] for o in cell.outputs
            if o["output_type"] == "display_data" and "image/svg+xml" in o["data"]]


def test_every_notebook_is_tested():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == [
        "01-first-network.ipynb", "02-programming-nodes.ipynb"]


def test_first_network_elects_one_leader():
    cells = execute("01-first-network.ipynb")
    for cell in cells:
        errors = [o for o in cell.outputs if o["output_type"] == "error"]
        assert errors == [], (cell.source, errors)

    build, first_picture, election, agreement, last_picture = cells

    assert "added a 4x4 mesh: 16 nodes, n0_0..n3_3" in stream_text(build)

    picture = svgs(first_picture)
    assert len(picture) == 1
    assert picture[0].startswith("<svg")
    assert picture[0].count("<circle") == 16
    assert re.search(r">\s*n3_3\s*</text>", picture[0])
    assert "16 nodes, 24 links (16 idle)" in picture[0]

    lines = stream_text(election).splitlines()
    assert len(lines) == 16
    assert all(re.fullmatch(r"n\d_\d: leader is n3_3", line) for line in lines), lines
    assert stream_text(election, "stderr") == ""

    assert stream_text(agreement) == "16 of 16 nodes agree on leader n3_3\n"

    assert "16 nodes, 24 links (16 done)" in svgs(last_picture)[0]


def test_programming_nodes_lesson():
    cells = execute("02-programming-nodes.ipynb")
    for cell in cells:
        errors = [o for o in cell.outputs if o["output_type"] == "error"]
        assert errors == [], (cell.source, errors)
        assert stream_text(cell, "stderr") == "", cell.source

    build, channels, select, routing, lossy, repeat, stats = cells
    assert "added a 5x5 mesh: 25 nodes, n0_0..n4_4" in stream_text(build)
    assert stream_text(channels) == "n0_0: sampled\t10\treadings, total\t385\n"
    assert stream_text(select) == "n0_0: port east first:\thello from n0_1\n"
    assert stream_text(routing) == "n4_4: n0_0\tsays\t21.5\t- arrived on\tnorth\tafter\t8\thops\n"

    received = int(re.fullmatch(r"b received (\d+) of 100 messages\n", stream_text(lossy)).group(1))
    assert 50 <= received <= 90
    lines = stream_text(repeat).splitlines()
    assert lines[0] == "same seed, same losses:\ttrue"
    other = int(re.fullmatch(r"another seed keeps\t(\d+)\tmessages", lines[1]).group(1))

    tables = [o["data"]["text/plain"] for o in stats.outputs if o["output_type"] == "display_data"]
    node_rows = {line.split()[0]: line.split() for line in tables[0].splitlines()[1:3]}
    assert node_rows["a"][1:4] == ["100", "0", str(100 - other)]
    assert node_rows["b"][2] == str(other)
