"""Socket activation, as deploy/systemd/broker-mint.socket sets it up: the service manager
binds mint's Unix socket and hands it over as fd 3 with LISTEN_FDS=1 and LISTEN_PID; mint
then never binds (or unlinks) a socket of its own, and gate reaches it at the unit's path.

Here the test plays the service manager: it binds the socket and puts it at fd 3 of the
child, and `sh` sets LISTEN_PID to its own pid before exec'ing mint (exec keeps the pid)."""
import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

import aws_clients
from broker_process import ACCOUNT_ID, ADMIN_KEY_ID, ADMIN_SECRET, free_port

ACTIVATE = 'LISTEN_FDS="$FDS" LISTEN_PID="${PID_OVERRIDE:-$$}" exec "$@"'


class Processes:
    """Every process a test starts, stopped at the end whatever happened."""

    def __init__(self):
        self.procs = []

    def start(self, args, env=None, fd3=None):
        # The child gets `fd3` as its descriptor 3 (and no other of ours), as systemd arranges it.
        p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             env=env, text=True, start_new_session=True, pass_fds=(3,) if fd3 is not None else (),
                             preexec_fn=(lambda: os.dup2(fd3, 3)) if fd3 is not None else None)
        self.procs.append(p)
        return p

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)


@pytest.fixture
def procs():
    p = Processes()
    yield p
    p.stop_all()


def first_line(proc, prefix, timeout=30):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"process exited ({proc.wait(timeout=5)}) before printing {prefix!r}: {seen}")
        if line.startswith(prefix):
            return line.strip()
        seen.append(line.strip())
    raise AssertionError(f"no {prefix!r} line within {timeout}s: {seen}")


def settings(tmp_path, url):
    for d in ("data", "certs", "metadata"):
        os.makedirs(tmp_path / d, exist_ok=True)
    return ["--data", str(tmp_path / "data"), "--certs", str(tmp_path / "certs"), "--metadata", str(tmp_path / "metadata"),
            "--public-url", url, "--account-id", ACCOUNT_ID]


def bound_listener(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, 0o600)
    s.listen(16)
    return s


def activated_mint(procs, binary, common, sock, decoy, fds="1", pid_override=None):
    env = dict(os.environ, FDS=fds,
               BROKER_ADMIN_ACCESS_KEY_ID=ADMIN_KEY_ID, BROKER_ADMIN_SECRET_ACCESS_KEY=ADMIN_SECRET)
    if pid_override:
        env["PID_OVERRIDE"] = pid_override
    return procs.start(["/bin/sh", "-c", ACTIVATE, "sh", binary, "mint", *common, "--socket", decoy],
                       env=env, fd3=sock.fileno())


def test_mint_serves_the_socket_it_is_handed_and_gate_reaches_it(broker_binary, tmp_path, procs):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    common = settings(tmp_path, url)
    activated = str(tmp_path / "activated.sock")
    decoy = str(tmp_path / "decoy.sock")  # mint's --socket: must stay unused
    listener = bound_listener(activated)
    mint = activated_mint(procs, broker_binary, common, listener, decoy)
    listener.close()  # mint holds its own copy, as with systemd
    assert "LISTEN_FDS" in first_line(mint, "mint: serving")
    assert not os.path.exists(decoy), "mint bound a socket of its own"

    gate = procs.start([broker_binary, "gate", *common, "--socket", activated, "--listen", f"127.0.0.1:{port}"])
    first_line(gate, "gate: listening")
    with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
        assert r.status == 200
    roles = aws_clients.iam(url, ADMIN_KEY_ID, ADMIN_SECRET).list_roles()
    assert roles["Roles"] == []

    mint.send_signal(signal.SIGTERM)
    assert mint.wait(timeout=15) == 0
    assert os.path.exists(activated), "mint removed the socket file the service manager owns"


def test_activation_meant_for_another_process_is_ignored(broker_binary, tmp_path, procs):
    common = settings(tmp_path, f"http://127.0.0.1:{free_port()}")
    listener = bound_listener(str(tmp_path / "activated.sock"))
    decoy = str(tmp_path / "own.sock")
    mint = activated_mint(procs, broker_binary, common, listener, decoy, pid_override="1")
    assert first_line(mint, "mint: serving") == f"mint: serving {decoy}"
    assert os.path.exists(decoy)


@pytest.mark.parametrize("fds,sock_type", [("2", socket.SOCK_STREAM), ("1", socket.SOCK_DGRAM)], ids=["two-fds", "datagram"])
def test_a_misconfigured_socket_unit_stops_mint_with_a_clear_error(broker_binary, tmp_path, procs, fds, sock_type):
    common = settings(tmp_path, f"http://127.0.0.1:{free_port()}")
    s = socket.socket(socket.AF_UNIX, sock_type)
    s.bind(str(tmp_path / "activated.sock"))
    if sock_type == socket.SOCK_STREAM:
        s.listen(1)
    mint = activated_mint(procs, broker_binary, common, s, str(tmp_path / "own.sock"), fds=fds)
    out, _ = mint.communicate(timeout=30)
    assert mint.returncode != 0
    assert "socket activation" in out, out
    assert not os.path.exists(tmp_path / "own.sock")
