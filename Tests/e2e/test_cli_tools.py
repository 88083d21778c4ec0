"""The broker's own CLI tools against real peers: `dev-idp` responses accepted by boto3's
AssumeRoleWithSAML, and `broker explain` on a pysaml2 response."""
import json
import os
import subprocess

import aws_clients
from broker_process import ACCOUNT_ID
from conftest import trust_policy
from idp import TestIdP, provider_arn, role_arn
from saml_attacks import tamper_nameid


def run(*args, timeout=60):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def init_dev_idp(b):
    """Before the broker starts: a development IdP, and a role `dev` that trusts it."""
    r = run(b.binary, "dev-idp", "init", "--certs", b.certs_dir, "--metadata", b.metadata_dir)
    assert r.returncode == 0, r.stderr
    assert os.path.exists(os.path.join(b.metadata_dir, "dev-idp.xml"))
    with open(b.roles_file, "w") as f:
        json.dump({"roles": [{"name": "dev", "path": "/", "maxSessionDuration": 3600,
                              "assumeRolePolicyDocument": trust_policy("dev-idp")}]}, f)


def test_dev_idp_response_is_accepted(brokers):
    b = brokers.new("devidp", before_start=init_dev_idp)
    r = run(b.binary, "dev-idp", "assert", "--email", "dev@corp.example", "--role", "dev", "--public-url", b.url,
            "--account-id", ACCOUNT_ID, "--certs", b.certs_dir, "--session-name", "devsession")
    assert r.returncode == 0, r.stderr
    out = aws_clients.sts(b.url).assume_role_with_saml(RoleArn=role_arn("dev"), PrincipalArn=provider_arn("dev-idp"),
                                                       SAMLAssertion=r.stdout.strip())
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/dev/devsession"
    assert out["Subject"] == "dev@corp.example"


def test_dev_idp_rsa_pss_is_standard_pss(brokers):
    """The broker's own PSS signer: signxml (an independent implementation) verifies what
    `dev-idp assert --algorithm rsa-pss-sha256` signs, and the broker accepts it."""
    import base64
    from signxml import SignatureConfiguration, SignatureMethod, XMLVerifier

    b = brokers.new("devidp-pss", before_start=init_dev_idp)
    r = run(b.binary, "dev-idp", "assert", "--email", "pss@corp.example", "--role", "dev", "--public-url", b.url,
            "--account-id", ACCOUNT_ID, "--certs", b.certs_dir, "--sign", "response", "--algorithm", "rsa-pss-sha256")
    assert r.returncode == 0, r.stderr
    xml = base64.b64decode(r.stdout.strip())
    assert b"sha256-rsa-MGF1" in xml
    with open(os.path.join(b.certs_dir, "dev-idp", "cert.pem")) as f:
        cert = f.read()
    config = SignatureConfiguration(signature_methods=frozenset({SignatureMethod.SHA256_RSA_MGF1}))
    XMLVerifier().verify(xml, x509_cert=cert, expect_config=config)  # raises when the signature is not valid PSS
    out = aws_clients.sts(b.url).assume_role_with_saml(RoleArn=role_arn("dev"), PrincipalArn=provider_arn("dev-idp"),
                                                       SAMLAssertion=r.stdout.strip())
    assert out["Subject"] == "pss@corp.example"
    bad = run(b.binary, "dev-idp", "assert", "--email", "pss@corp.example", "--role", "dev", "--certs", b.certs_dir,
              "--algorithm", "rsa-pss-sha1")
    assert bad.returncode != 0 and "rsa-pss-sha256" in bad.stderr


def test_explain_passes_a_good_response_and_names_the_failed_check(broker, tmp_path):
    idp = TestIdP(str(tmp_path), "explain-idp", broker.acs_url)
    md = tmp_path / "explain-idp.xml"  # explain names the provider after the metadata file
    md.write_text(idp.metadata())
    pair = [(role_arn("saml-dev"), provider_arn("explain-idp"))]
    good = tmp_path / "good.xml"
    good.write_text(idp.response(pair))
    r = run(broker.binary, "explain", str(good), "--metadata", str(md), "--public-url", broker.url)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS" in r.stdout and "FAIL" not in r.stdout

    bad = tmp_path / "bad.xml"
    bad.write_text(tamper_nameid(idp.response(pair)))
    r = run(broker.binary, "explain", str(bad), "--metadata", str(md), "--public-url", broker.url)
    assert r.returncode != 0
    fail_lines = [l for l in r.stdout.splitlines() if "FAIL" in l]
    assert fail_lines, r.stdout
    assert any("signature" in l.lower() or "digest" in l.lower() for l in fail_lines), r.stdout
