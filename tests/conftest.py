"""Shared fixtures: a real vnetos kernel started through jupyter_client from
the kernelspec that tests/run.sh installs into .venv."""

import queue
import time

import pytest
from jupyter_client.manager import start_new_kernel

KERNEL_NAME = "vnetos"
TIMEOUT = 60


class Session:
    """A running kernel and a client, with helpers that collect the outputs
    of one request."""

    def __init__(self, manager, client):
        self.manager = manager
        self.client = client

    def execute(self, code, timeout=TIMEOUT, allow_stdin=False, on_input=None):
        """Run one cell; returns (reply content, list of iopub messages)."""
        msg_id = self.client.execute(code, allow_stdin=allow_stdin)
        deadline = time.monotonic() + timeout
        reply = None
        outputs = []
        idle = False
        while reply is None or not idle:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"cell did not finish in {timeout} s: {code!r}")
            if on_input is not None:
                try:
                    request = self.client.get_stdin_msg(timeout=0.01)
                    self.client.input(on_input(request["content"]["prompt"]))
                except queue.Empty:
                    pass
            if reply is None:
                try:
                    message = self.client.get_shell_msg(timeout=0.01)
                    if message["parent_header"].get("msg_id") == msg_id:
                        reply = message["content"]
                except queue.Empty:
                    pass
            try:
                message = self.client.get_iopub_msg(timeout=0.05)
            except queue.Empty:
                continue
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind = message["msg_type"]
            if kind == "status":
                idle = message["content"]["execution_state"] == "idle"
            elif kind != "execute_input":
                outputs.append(message)
        return reply, outputs

    def stdout(self, outputs):
        return "".join(m["content"]["text"] for m in outputs
                       if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")

    def stderr(self, outputs):
        return "".join(m["content"]["text"] for m in outputs
                       if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")

    def errors(self, outputs):
        return [m["content"] for m in outputs if m["msg_type"] == "error"]

    def run_ok(self, code, timeout=TIMEOUT):
        reply, outputs = self.execute(code, timeout=timeout)
        assert reply["status"] == "ok", (code, reply, outputs)
        return outputs


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A kernel whose working directory is a fresh folder, so files that
    cells write (`%save`) land there."""
    folder = tmp_path_factory.mktemp("kernel")
    manager, client = start_new_kernel(kernel_name=KERNEL_NAME, startup_timeout=TIMEOUT, cwd=str(folder))
    session = Session(manager, client)
    session.folder = folder
    yield session
    client.stop_channels()
    manager.shutdown_kernel(now=True)


@pytest.fixture
def fresh(kernel):
    """The module's kernel with an empty network."""
    kernel.run_ok("%reset")
    return kernel
