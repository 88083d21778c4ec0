"""Issue #2: SigV4 verification of admin calls and Query API action dispatch."""
import datetime
import re

import aws_clients
from aws_clients import expect_error, send, signed_request
from broker_process import ADMIN_KEY_ID, ADMIN_SECRET


def _code(body):
    m = re.search(r"<Code>([^<]*)</Code>", body)
    return m.group(1) if m else None


def _message(body):
    m = re.search(r"<Message>([^<]*)</Message>", body)
    return m.group(1) if m else ""


def test_admin_key_lists_roles(iam):
    assert "Roles" in iam.list_roles()


def test_wrong_secret_is_signature_does_not_match(broker):
    bad = aws_clients.iam(broker.url, ADMIN_KEY_ID, "X" * 40)
    code, message, status = expect_error(bad.list_roles)
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    assert "signature" in message.lower()


def test_unknown_key_is_invalid_client_token_id(broker):
    stranger = aws_clients.iam(broker.url, "AKIAUNKNOWNKEY000000", ADMIN_SECRET)
    code, message, status = expect_error(stranger.list_roles)
    assert (code, status) == ("InvalidClientTokenId", 403)
    assert "security token" in message.lower()


def test_request_signed_twenty_minutes_ago_is_signature_expired(broker):
    when = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(minutes=20)
    req = signed_request(broker.url, "iam", ADMIN_KEY_ID, ADMIN_SECRET,
                         {"Action": "ListRoles", "Version": "2010-05-08"}, when=when)
    status, body = send(req)
    assert status == 403, body
    assert _code(body) == "SignatureDoesNotMatch"
    assert "Signature expired" in _message(body)
    assert when.strftime("%Y%m%dT%H%M%SZ") in _message(body)


def test_request_signed_twenty_minutes_ahead_is_rejected(broker):
    when = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(minutes=20)
    req = signed_request(broker.url, "iam", ADMIN_KEY_ID, ADMIN_SECRET,
                         {"Action": "ListRoles", "Version": "2010-05-08"}, when=when)
    status, body = send(req)
    assert status == 403, body
    assert _code(body) == "SignatureDoesNotMatch"
    assert "not yet current" in _message(body)


def test_signed_request_by_hand_succeeds(broker):
    # The control for the two tests above: the same request, dated now, works.
    req = signed_request(broker.url, "iam", ADMIN_KEY_ID, ADMIN_SECRET, {"Action": "ListRoles", "Version": "2010-05-08"})
    status, body = send(req)
    assert status == 200, body
    assert "<ListRolesResponse" in body and "<RequestId>" in body


def test_unsigned_admin_call_is_missing_authentication_token(broker):
    import urllib3
    r = urllib3.PoolManager(retries=False).request(
        "POST", broker.url + "/", body="Action=ListRoles&Version=2010-05-08",
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    body = r.data.decode()
    assert r.status == 403, body
    assert _code(body) == "MissingAuthenticationToken"


def test_unknown_action_is_invalid_action(broker):
    req = signed_request(broker.url, "iam", ADMIN_KEY_ID, ADMIN_SECRET,
                         {"Action": "LaunchMissiles", "Version": "2010-05-08"})
    status, body = send(req)
    assert status == 400, body
    assert _code(body) == "InvalidAction"
    assert "LaunchMissiles" in _message(body)
    assert "<ErrorResponse" in body and "<Type>Sender</Type>" in body


def test_missing_action_is_missing_action(broker):
    req = signed_request(broker.url, "iam", ADMIN_KEY_ID, ADMIN_SECRET, {"Version": "2010-05-08"})
    status, body = send(req)
    assert status == 400, body
    assert _code(body) == "MissingAction"

