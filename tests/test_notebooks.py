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
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == ["01-first-network.ipynb"]


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
