"""Raw-socket HTTP for framing attacks: send exact bytes, read the one answer, see whether the server closed."""
import socket
import time


class RawAnswer:
    def __init__(self, status, head, body, closed):
        self.status = status
        self.head = head
        self.body = body
        self.closed = closed

    def __repr__(self):
        return f"RawAnswer(status={self.status}, closed={self.closed}, head={self.head[:200]!r})"


def exchange(port, payload, timeout=10.0, host="127.0.0.1"):
    """Send `payload`, read until the server closes or `timeout` passes (bounded either way)."""
    deadline = time.monotonic() + timeout
    data = b""
    closed = False
    with socket.create_connection((host, port), timeout=timeout) as s:
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before it has read everything we sent
        while time.monotonic() < deadline:
            s.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
            if len(data) > 1_000_000:
                break
    head, _, body = data.partition(b"\r\n\r\n")
    status = None
    first = head.split(b"\r\n", 1)[0]
    parts = first.split(b" ", 2)
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        status = int(parts[1])
    return RawAnswer(status, head.decode("latin-1"), body, closed)


def healthz_request(port):
    return f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
