"""Peer benchmark for the VNetOS runtime: Python multiprocessing with the fork
start method, measured the way vnet's runtime benchmark measures i-nodes.
Prints `summary:` lines.

Usage: python3 vnet/benches/peers/mp_fork.py
"""

import multiprocessing as mp
import statistics
import time


def echo(connection):
    connection.send("ready")
    while True:
        value = connection.recv()
        if value is False:
            return
        connection.send(value)


def start(context):
    parent, child = context.Pipe()
    started = time.perf_counter()
    process = context.Process(target=echo, args=(child,))
    process.start()
    parent.recv()
    return process, parent, (time.perf_counter() - started) * 1000


def children_rss_kib():
    """Resident set of this process's children, from /proc, in KiB."""
    total = 0
    for child in mp.active_children():
        try:
            with open(f"/proc/{child.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def main():
    context = mp.get_context("fork")
    times, running = [], []
    for _ in range(20):
        process, connection, ms = start(context)
        times.append(ms)
        running.append((process, connection))
    per_child = children_rss_kib() / len(running) / 1024
    for process, connection in running:
        connection.send(False)
        process.join()
    print(f"summary: multiprocessing fork creation median {statistics.median(times):.2f} ms, "
          f"resident per process {per_child:.1f} MiB (20 processes)")

    process, connection, _ = start(context)
    samples = []
    for index in range(20000):
        started = time.perf_counter()
        connection.send(index)
        connection.recv()
        samples.append((time.perf_counter() - started) / 2 * 1e6)
    connection.send(False)
    process.join()
    samples.sort()
    print(f"summary: multiprocessing one-way message median {statistics.median(samples):.2f} us, "
          f"p99 {samples[int((len(samples) - 1) * 0.99)]:.2f} us (20000 round trips)")


if __name__ == "__main__":
    main()
