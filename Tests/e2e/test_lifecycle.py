"""Issues #2/#3: the supervisor — restart keeps state, a killed mint is replaced while gate
keeps serving (503 in between), SIGTERM exits 0. Each test runs its own private broker."""
import os
import re
import signal
import subprocess
import time

import botocore.exceptions

import aws_clients
from aws_clients import expect_error
from broker_process import ADMIN_KEY_ID, ADMIN_SECRET
from conftest import federate
from idp import b64


def admin_cli(broker, *args):
    return subprocess.run([broker.binary, "admin", *args, "--endpoint", broker.url, "--data", broker.data_dir],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_sigterm_drains_and_exits_zero(brokers):
    b = brokers.new("sigterm")
    gate, mint = b.child_pid("gate"), b.child_pid("mint")
    assert gate and mint and gate != mint
    assert b.stop() == 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{p}") for p in (gate, mint)):
        time.sleep(0.1)
    assert not any(os.path.exists(f"/proc/{p}") for p in (gate, mint)), "children outlived the supervisor"


def test_restart_keeps_providers_roles_keys_and_replay_cache(brokers, tmp_path):
    b = brokers.new("restart")
    iam = aws_clients.iam(b.url, ADMIN_KEY_ID, ADMIN_SECRET)
    fed = federate(b, iam, str(tmp_path))

    created = admin_cli(b, "create-key")
    assert created.returncode == 0, created.stderr
    key_id = re.search(r"\b(AKIA[A-Z0-9]{16})\b", created.stdout).group(1)
    secret = re.search(r"(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])", created.stdout).group(1)
    assert "Roles" in aws_clients.iam(b.url, key_id, secret).list_roles()

    used = fed.idp.response([(fed.dev, fed.provider_arn)], session_name="before")
    fed.sts.assume_role_with_saml(RoleArn=fed.dev, PrincipalArn=fed.provider_arn, SAMLAssertion=b64(used))

    b.restart()

    iam = aws_clients.iam(b.url, ADMIN_KEY_ID, ADMIN_SECRET)
    providers = [p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]]
    assert fed.provider_arn in providers
    assert {r["RoleName"] for r in iam.list_roles()["Roles"]} >= {"saml-dev", "saml-ops", "saml-other", "seeded"}
    assert "Roles" in aws_clients.iam(b.url, key_id, secret).list_roles()
    assert key_id in admin_cli(b, "list-keys").stdout

    # A fresh assertion works after the restart; the one used before it is still spent.
    fresh = fed.idp.response([(fed.dev, fed.provider_arn)], session_name="after")
    out = fed.sts.assume_role_with_saml(RoleArn=fed.dev, PrincipalArn=fed.provider_arn, SAMLAssertion=b64(fresh))
    assert out["AssumedRoleUser"]["Arn"].endswith("/saml-dev/after")
    code, message, status = expect_error(fed.sts.assume_role_with_saml, RoleArn=fed.dev,
                                         PrincipalArn=fed.provider_arn, SAMLAssertion=b64(used))
    assert code == "InvalidIdentityToken" and status == 400, (code, message)
    assert re.search(r"replay|already|used", message, re.I), message

    # Session credentials issued before the restart still verify (sealed, not per-process).
    creds = out["Credentials"]
    b.restart()
    who = aws_clients.sts_from_credentials(b.url, creds).get_caller_identity()
    assert who["Arn"].endswith("/saml-dev/after")


def test_admin_cli_key_lifecycle(brokers):
    b = brokers.new("keys")
    created = admin_cli(b, "create-key")
    assert created.returncode == 0, created.stderr
    key_id = re.search(r"\b(AKIA[A-Z0-9]{16})\b", created.stdout).group(1)
    assert key_id in admin_cli(b, "list-keys").stdout
    deleted = admin_cli(b, "delete-key", key_id)
    assert deleted.returncode == 0, deleted.stderr
    assert key_id not in admin_cli(b, "list-keys").stdout
    secret = re.search(r"(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])", created.stdout).group(1)
    code, _, _ = expect_error(aws_clients.iam(b.url, key_id, secret).list_roles)
    assert code == "InvalidClientTokenId"


def test_killing_mint_gives_503_then_recovers_without_restarting_gate(brokers):
    b = brokers.new("killmint")
    iam = aws_clients.iam(b.url, ADMIN_KEY_ID, ADMIN_SECRET)
    gate_before, mint_before = b.child_pid("gate"), b.child_pid("mint")
    outcomes = []
    health = []
    killed = False
    deadline = time.monotonic() + 60
    for i in range(5000):  # bounded in count and in time
        if time.monotonic() > deadline:
            break
        try:
            iam.list_roles()
            outcomes.append("ok")
        except botocore.exceptions.ClientError as e:
            code, message, status = aws_clients.error_of(e)
            outcomes.append(f"{status}:{code}")
        except botocore.exceptions.BotoCoreError as e:
            outcomes.append(f"transport:{type(e).__name__}")
        if killed:
            health.append(b.healthz())
        if i == 5:
            os.kill(mint_before, signal.SIGKILL)
            killed = True
        if (killed and "503:ServiceUnavailable" in outcomes and 503 in health and outcomes[-1] == "ok"
                and len(outcomes) > 10):
            break
    summary = {o: outcomes.count(o) for o in set(outcomes)}
    assert "503:ServiceUnavailable" in outcomes, f"never saw 503 ServiceUnavailable: {summary}"
    first_503 = outcomes.index("503:ServiceUnavailable")
    assert "ok" in outcomes[first_503:], f"never recovered: {summary}"
    assert set(outcomes) <= {"ok", "503:ServiceUnavailable"}, f"unexpected outcomes: {summary}"
    assert b.child_pid("gate") == gate_before, "gate was restarted"
    assert os.path.exists(f"/proc/{gate_before}")
    mint_after = b.child_pid("mint")
    assert mint_after and mint_after != mint_before, "mint was not replaced"
    # /healthz follows mint: 503 while it is down, 200 again once it is back.
    assert 503 in health, f"/healthz never said 503 while mint was down: {health}"
    assert set(health) <= {200, 503}, health
    assert b.healthz() == 200
