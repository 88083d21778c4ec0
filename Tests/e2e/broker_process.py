"""Start, watch and stop one `broker up` on loopback.

Every wait here is bounded, and stop() always ends the supervisor (SIGTERM,
then SIGKILL) and then any child it may have left behind, so a failing test
never leaks a process into the next one.
"""
import configparser
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

ACCOUNT_ID = "123456789012"
ADMIN_KEY_ID = "AKIAE2ETESTADMIN0001"
ADMIN_SECRET = "E2eAdminSecret0123456789abcdefghijklmnop"


def free_port():
    """A port the kernel just handed out on 127.0.0.1 (closed again at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class BrokerProcess:
    """One supervisor and its two children, rooted in `root` (data/, certs/, metadata/)."""

    def __init__(self, binary, root, roles_doc=None, port=None, drop_in=False, extra_env=None):
        self.binary = binary
        self.root = root
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.acs_url = self.url + "/saml"
        self.data_dir = os.path.join(root, "data")
        self.certs_dir = os.path.join(root, "certs")
        self.metadata_dir = os.path.join(root, "metadata")
        self.roles_file = os.path.join(root, "roles.json")
        self.log_path = os.path.join(root, "broker.log")
        self.drop_in = drop_in
        self.extra_env = extra_env or {}
        for d in (self.data_dir, self.certs_dir, self.metadata_dir):
            os.makedirs(d, exist_ok=True)
        if not os.path.exists(self.roles_file):
            import json
            with open(self.roles_file, "w") as f:
                json.dump(roles_doc or {"roles": []}, f)
        self.proc = None
        self._lines = []
        self._lines_lock = threading.Lock()
        self._reader = None
        self._children_seen = set()

    # ---- lifecycle -------------------------------------------------------

    def command(self):
        cmd = [self.binary, "up", "--listen", f"127.0.0.1:{self.port}", "--data", self.data_dir,
               "--certs", self.certs_dir, "--metadata", self.metadata_dir, "--roles", self.roles_file,
               "--public-url", self.url, "--account-id", ACCOUNT_ID]
        if self.drop_in:
            cmd.append("--drop-in")
        return cmd

    def start(self, timeout=60):
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("broker already running")
        env = dict(os.environ)
        env["BROKER_ADMIN_ACCESS_KEY_ID"] = ADMIN_KEY_ID
        env["BROKER_ADMIN_SECRET_ACCESS_KEY"] = ADMIN_SECRET
        env.update(self.extra_env)
        with self._lines_lock:
            self._lines = []
        log = open(self.log_path, "a")
        log.write(f"---- start {' '.join(self.command())}\n")
        log.flush()
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=env, text=True, bufsize=1,
                                     start_new_session=True)
        self._reader = threading.Thread(target=self._pump, args=(self.proc, log), daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"broker exited with {self.proc.returncode} before listening:\n{self.output()}")
                if self.saw(f"broker: listening on {self.url}") and self.healthz() == 200:
                    self._remember_children()
                    return self
                time.sleep(0.1)
            raise RuntimeError(f"broker not ready after {timeout}s:\n{self.output()}")
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout=15):
        """SIGTERM, bounded wait, SIGKILL; then reap children the supervisor left. Returns the exit code."""
        code = None
        if self.proc is not None:
            self._remember_children()
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    code = self.proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
                    code = "killed"
            else:
                code = self.proc.returncode
            # The supervisor led its own process group (start_new_session): anything
            # still in that group after it exited is a child it failed to stop.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if self._reader is not None:
                self._reader.join(timeout=5)
        for pid in list(self._children_seen):
            if _pid_alive(pid) and self._is_our_child(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self._children_seen.clear()
        return code

    def restart(self, timeout=60):
        self.stop()
        return self.start(timeout=timeout)

    # ---- observation -----------------------------------------------------

    def _pump(self, proc, log):
        for line in proc.stdout:
            with self._lines_lock:
                self._lines.append(line.rstrip("\n"))
            log.write(line)
            log.flush()
        log.close()

    def output(self):
        with self._lines_lock:
            return "\n".join(self._lines[-200:])

    def saw(self, text):
        with self._lines_lock:
            return any(text in l for l in self._lines)

    def healthz(self, timeout=2):
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=timeout) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return None

    def child_pid(self, name):
        """Pid written by the supervisor in DATA/<name>.pid (name: mint | gate), or None."""
        try:
            with open(os.path.join(self.data_dir, f"{name}.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def _remember_children(self):
        for name in ("mint", "gate"):
            pid = self.child_pid(name)
            if pid:
                self._children_seen.add(pid)

    def _is_our_child(self, pid):
        # Only ever signal a process that is this broker binary (pid files may be stale).
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return os.path.basename(self.binary).encode() in f.read()
        except OSError:
            return False

    def admin_credentials_path(self):
        """The file named on the `broker: admin credentials in PATH` line (DATA/admin-credentials if none)."""
        prefix = "broker: admin credentials in "
        with self._lines_lock:
            for line in self._lines:
                if line.startswith(prefix):
                    return line[len(prefix):].strip()
        return os.path.join(self.data_dir, "admin-credentials")

    def admin_credentials(self):
        """The [broker] profile of the admin-credentials file as (key id, secret)."""
        cp = configparser.ConfigParser()
        cp.read(self.admin_credentials_path())
        return cp["broker"]["aws_access_key_id"], cp["broker"]["aws_secret_access_key"]
