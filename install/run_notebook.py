"""Execute a notebook with the vnetos kernel and print each cell's text output.

Usage: run_notebook.py NOTEBOOK OUTPUT
"""

import pathlib
import sys

import nbformat
from nbclient import NotebookClient


def text_of(output):
    if output["output_type"] == "stream":
        return output["text"]
    if output["output_type"] == "error":
        return f"{output['ename']}: {output['evalue']}\n"
    data = output.get("data", {})
    if "image/svg+xml" in data:
        return "[SVG picture] " + data.get("text/plain", "") + "\n"
    return data.get("text/plain", "") + "\n"


def main():
    source, target = map(pathlib.Path, sys.argv[1:3])
    notebook = nbformat.read(source, as_version=4)
    NotebookClient(notebook, kernel_name="vnetos", timeout=120).execute()
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        print(f"--- cell {index}: {cell.source.splitlines()[0] if cell.source else ''}")
        for output in cell.outputs:
            sys.stdout.write(text_of(output))
    print(f"\nExecuted notebook written to {target}")


if __name__ == "__main__":
    main()
