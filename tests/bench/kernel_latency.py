"""Benchmark: kernel start to kernel_info_reply, and a trivial cell from
execute_request to the idle status, for vnetos and a peer kernel measured in
the same run (ipykernel's python3, when installed).

Usage: .venv/bin/python tests/bench/kernel_latency.py [--starts N] [--cells N]
Prints medians and the ratio peer / vnetos. Not part of the test suite: the
numbers depend on the machine and its load.
"""

import argparse
import statistics
import time

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

TRIVIAL = {"vnetos": "1", "python3": "1"}


def time_start(name):
    manager = KernelManager(kernel_name=name)
    started = time.perf_counter()
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    client.kernel_info()
    while True:
        reply = client.get_shell_msg(timeout=30)
        if reply["msg_type"] == "kernel_info_reply":
            break
    elapsed = time.perf_counter() - started
    return elapsed, manager, client


def time_cells(client, code, count):
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        msg_id = client.execute(code)
        while True:
            message = client.get_iopub_msg(timeout=30)
            if (message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "status"
                    and message["content"]["execution_state"] == "idle"):
                break
        samples.append(time.perf_counter() - started)
        client.get_shell_msg(timeout=30)
    return samples


def measure(name, starts, cells):
    start_samples = []
    cell_samples = []
    for index in range(starts):
        elapsed, manager, client = time_start(name)
        start_samples.append(elapsed)
        if index == 0:
            time_cells(client, TRIVIAL[name], 20)
            cell_samples = time_cells(client, TRIVIAL[name], cells)
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return statistics.median(start_samples), statistics.median(cell_samples), \
        statistics.quantiles(cell_samples, n=100)[98]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=15)
    parser.add_argument("--cells", type=int, default=300)
    args = parser.parse_args()
    kernels = ["vnetos"] + (["python3"] if "python3" in KernelSpecManager().find_kernel_specs() else [])
    results = {name: measure(name, args.starts, args.cells) for name in kernels}
    print(f"{'kernel':<10} {'start->kernel_info_reply':>26} {'trivial cell median':>20} {'p99':>10}")
    for name, (start, cell, p99) in results.items():
        print(f"{name:<10} {start * 1e3:>23.1f} ms {cell * 1e3:>17.2f} ms {p99 * 1e3:>7.2f} ms")
    if "python3" in results:
        ours, peer = results["vnetos"], results["python3"]
        print(f"ratio python3/vnetos: start {peer[0] / ours[0]:.1f}x, trivial cell {peer[1] / ours[1]:.1f}x")


if __name__ == "__main__":
    main()
