"""Fixtures: build the broker once, run it on a free loopback port, always stop it.

Environment knobs:
  BROKER_BIN           use this binary instead of building
  BROKER_SCRATCH_PATH  scratch path for the release build (default .build-e2e)
"""
import json
import os
import subprocess
import sys
import types

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import aws_clients  # noqa: E402
from broker_process import ACCOUNT_ID, ADMIN_KEY_ID, ADMIN_SECRET, BrokerProcess  # noqa: E402
from idp import TestIdP, provider_arn, role_arn  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_TIMEOUT = 45 * 60


@pytest.fixture(scope="session")
def broker_binary():
    explicit = os.environ.get("BROKER_BIN")
    if explicit:
        path = os.path.abspath(explicit)
        if not os.access(path, os.X_OK):
            pytest.fail(f"BROKER_BIN={explicit} is not an executable file")
        return path
    scratch = os.environ.get("BROKER_SCRATCH_PATH", ".build-e2e")
    build = subprocess.run(["swift", "build", "-c", "release", "--scratch-path", scratch, "--product", "broker"],
                           cwd=REPO, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    if build.returncode != 0:
        pytest.fail("swift build of the broker failed:\n" + build.stdout[-4000:] + build.stderr[-4000:])
    return os.path.join(REPO, scratch, "release", "broker")


def trust_policy(provider_name, actions=("sts:AssumeRoleWithSAML",), aud=None):
    stmt = {"Effect": "Allow", "Principal": {"Federated": provider_arn(provider_name)},
            "Action": list(actions) if len(actions) > 1 else actions[0]}
    if aud:
        stmt["Condition"] = {"StringEquals": {"SAML:aud": aud}}
    return {"Version": "2012-10-17", "Statement": [stmt]}


def seeded_roles_doc():
    """Roles file content: one role the SAML tests never touch, to check the file is loaded."""
    return {"roles": [{"name": "seeded", "path": "/", "maxSessionDuration": 3600,
                       "assumeRolePolicyDocument": trust_policy("corp")}]}


class Brokers:
    """Factory for private broker instances (tests that stop, kill or restart); stops them all at teardown."""

    def __init__(self, binary, tmp_path_factory):
        self.binary = binary
        self.tmp = tmp_path_factory
        self.started = []

    def new(self, name="private", roles_doc=None, before_start=None):
        b = BrokerProcess(self.binary, str(self.tmp.mktemp(name)), roles_doc=roles_doc or seeded_roles_doc())
        if before_start:
            before_start(b)
        self.started.append(b)
        return b.start()

    def stop_all(self):
        for b in self.started:
            b.stop()


@pytest.fixture
def brokers(broker_binary, tmp_path_factory):
    f = Brokers(broker_binary, tmp_path_factory)
    yield f
    f.stop_all()


@pytest.fixture(scope="session")
def broker(broker_binary, tmp_path_factory):
    """The shared broker: started once for the session, seeded from a roles file and a metadata dir."""
    root = str(tmp_path_factory.mktemp("broker"))
    b = BrokerProcess(broker_binary, root, roles_doc=seeded_roles_doc())
    seeded_idp = TestIdP(os.path.join(root, "idps"), "seeded-idp", b.acs_url)
    with open(os.path.join(b.metadata_dir, "seeded-idp.xml"), "w") as f:
        f.write(seeded_idp.metadata())
    try:
        b.start()
        yield b
    finally:
        code = b.stop()
        print(f"\nbroker exit code on SIGTERM: {code}; log: {b.log_path}")


@pytest.fixture(scope="session")
def iam(broker):
    return aws_clients.iam(broker.url, ADMIN_KEY_ID, ADMIN_SECRET)


def federate(broker, iam, workdir):
    """The federation setup the SAML tests use, on any running broker.

    IdP `corp` (pysaml2) uploaded as SAML provider `corp`, a second provider `other`, and roles:
      saml-dev   trusts corp; AssumeRoleWithSAML + TagSession; MaxSessionDuration 7200
      saml-ops   trusts corp; AssumeRoleWithSAML only (no tags)
      saml-other trusts `other` only
    """
    corp = TestIdP(workdir, "corp", broker.acs_url)
    other = TestIdP(workdir, "other", broker.acs_url)
    iam.create_saml_provider(Name="corp", SAMLMetadataDocument=corp.metadata())
    iam.create_saml_provider(Name="other", SAMLMetadataDocument=other.metadata())
    roles = {
        "saml-dev": (trust_policy("corp", ("sts:AssumeRoleWithSAML", "sts:TagSession"), aud=broker.acs_url), 7200),
        "saml-ops": (trust_policy("corp", aud=broker.acs_url), 3600),
        "saml-other": (trust_policy("other"), 3600),
    }
    for name, (doc, max_duration) in roles.items():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(doc), MaxSessionDuration=max_duration)
    return types.SimpleNamespace(
        idp=corp, other_idp=other, workdir=workdir, provider="corp", provider_arn=provider_arn("corp"),
        dev=role_arn("saml-dev"), ops=role_arn("saml-ops"), other=role_arn("saml-other"),
        sts=aws_clients.sts(broker.url), url=broker.url, account=ACCOUNT_ID,
    )


@pytest.fixture(scope="session")
def saml(broker, iam, tmp_path_factory):
    return federate(broker, iam, str(tmp_path_factory.mktemp("idps")))
