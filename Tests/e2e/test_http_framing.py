"""Issue #2: HTTP framing attacks over a raw socket.

Each malformed request must get the listed status, the connection must be
closed (no second request can be smuggled behind it), and the server must
still answer a normal request afterwards.
"""
import pytest

from raw_http import exchange, healthz_request

BODY = b"Action=GetCallerIdentity&Version=2011-06-15"


def post(headers, body=b"", version=b"HTTP/1.1"):
    return b"POST / " + version + b"\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n" + body


HOST = b"Host: 127.0.0.1"
FORM = b"Content-Type: application/x-www-form-urlencoded"

ATTACKS = {
    "cl-and-te": (post([HOST, FORM, b"Content-Length: 4", b"Transfer-Encoding: chunked"],
                       b"5\r\nhello\r\n0\r\n\r\n"), {400}),
    "duplicate-content-length": (post([HOST, FORM, b"Content-Length: %d" % len(BODY), b"Content-Length: 5"], BODY),
                                 {400}),
    "bad-chunk-size": (post([HOST, FORM, b"Transfer-Encoding: chunked"], b"zz\r\nhello\r\n0\r\n\r\n"), {400}),
    "obs-fold": (post([HOST, FORM, b"X-Folded: first", b" continued", b"Content-Length: %d" % len(BODY)], BODY),
                 {400}),
    "bare-lf": (b"POST / HTTP/1.1\nHost: 127.0.0.1\nContent-Length: %d\n\n" % len(BODY) + BODY, {400}),
    "bare-cr-in-header": (post([HOST, FORM, b"X-Evil: a\rb", b"Content-Length: %d" % len(BODY)], BODY), {400}),
    "nul-in-header": (post([HOST, FORM, b"X-Evil: a\x00b", b"Content-Length: %d" % len(BODY)], BODY), {400}),
    "oversize-headers": (post([HOST, FORM] + [b"X-Pad-%d: %s" % (i, b"a" * 1000) for i in range(200)]
                              + [b"Content-Length: %d" % len(BODY)], BODY), {431}),
    "oversize-body": (post([HOST, FORM, b"Content-Length: 104857600"], b"Action="), {413}),
    "http-2-version": (post([HOST, FORM, b"Content-Length: %d" % len(BODY)], BODY, version=b"HTTP/2.0"), {505}),
    "missing-host": (post([FORM, b"Content-Length: %d" % len(BODY)], BODY), {400}),
    "negative-content-length": (post([HOST, FORM, b"Content-Length: -1"], BODY), {400}),
    "te-not-chunked": (post([HOST, FORM, b"Transfer-Encoding: gzip"], BODY), {400, 501}),
    "space-before-colon": (post([HOST, FORM, b"Content-Length : %d" % len(BODY)], BODY), {400}),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_framing_attack_is_rejected_and_connection_closed(broker, name):
    payload, statuses = ATTACKS[name]
    answer = exchange(broker.port, payload)
    assert answer.status in statuses, f"{name}: expected {statuses}, got {answer!r}"
    assert answer.closed, f"{name}: connection left open after {answer.status}"
    # A request smuggled behind the attack must never be answered.
    assert b"HTTP/1.1 200" not in answer.body
    after = exchange(broker.port, healthz_request(broker.port))
    assert after.status == 200, f"server stopped serving after {name}: {after!r}"


def test_smuggled_second_request_is_not_served(broker):
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    payload = post([HOST, FORM, b"Content-Length: 4", b"Transfer-Encoding: chunked"], b"0\r\n\r\n" + smuggled)
    answer = exchange(broker.port, payload)
    assert answer.status == 400
    assert b"HTTP/1.1 200" not in answer.body


def test_well_formed_keep_alive_requests_are_both_answered(broker):
    # The control: two well-formed pipelined requests on one connection both get answers.
    one = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{broker.port}\r\n\r\n".encode()
    answer = exchange(broker.port, one + healthz_request(broker.port))
    assert answer.status == 200
    assert answer.body.count(b"HTTP/1.1 200") == 1  # the second answer follows the first
