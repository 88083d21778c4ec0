"""Issues #2/#3 once through the real `aws` CLI, using the admin-credentials file the broker wrote."""
import json
import os

from aws_clients import aws_cli
from conftest import trust_policy
from idp import TestIdP, b64, provider_arn, role_arn


def cli(broker, *args, creds_env=None):
    env = creds_env if creds_env is not None else {
        "AWS_SHARED_CREDENTIALS_FILE": broker.admin_credentials_path(), "AWS_PROFILE": "broker"}
    result = aws_cli(list(args), broker.url, env_extra=env)
    return result


def ok_json(result):
    assert result.returncode == 0, f"aws failed ({result.returncode}): {result.stderr}"
    return json.loads(result.stdout) if result.stdout.strip() else {}


def test_admin_credentials_file_is_an_ini_profile(broker):
    key_id, secret = broker.admin_credentials()
    assert key_id.startswith("AKIA") and len(secret) >= 40
    assert oct(os.stat(broker.admin_credentials_path()).st_mode & 0o777) == "0o600"


def test_iam_flows_through_the_aws_cli(broker, tmp_path):
    idp = TestIdP(str(tmp_path), "cli-idp", broker.acs_url)
    md = tmp_path / "cli-idp.xml"
    md.write_text(idp.metadata())
    arn = ok_json(cli(broker, "iam", "create-saml-provider", "--name", "cli-corp",
                      "--saml-metadata-document", f"file://{md}"))["SAMLProviderArn"]
    assert arn == provider_arn("cli-corp")
    assert arn in [p["Arn"] for p in ok_json(cli(broker, "iam", "list-saml-providers"))["SAMLProviderList"]]
    assert idp.entity_id in ok_json(cli(broker, "iam", "get-saml-provider", "--saml-provider-arn", arn))[
        "SAMLMetadataDocument"]

    policy = tmp_path / "trust.json"
    doc = trust_policy("cli-corp")
    policy.write_text(json.dumps(doc))
    role = ok_json(cli(broker, "iam", "create-role", "--role-name", "cli-role",
                       "--assume-role-policy-document", f"file://{policy}"))["Role"]
    assert role["Arn"] == role_arn("cli-role")
    assert ok_json(cli(broker, "iam", "get-role", "--role-name", "cli-role"))["Role"]["AssumeRolePolicyDocument"] == doc

    failed = cli(broker, "iam", "create-role", "--role-name", "cli-role", "--assume-role-policy-document",
                 f"file://{policy}")
    assert failed.returncode != 0 and "EntityAlreadyExists" in failed.stderr

    # The federation step through the CLI: assume-role-with-saml needs no credentials.
    assertion = tmp_path / "assertion.b64"
    assertion.write_text(b64(idp.response([(role_arn("cli-role"), arn)], session_name="cli-user")))
    out = ok_json(cli(broker, "sts", "assume-role-with-saml", "--role-arn", role_arn("cli-role"),
                      "--principal-arn", arn, "--saml-assertion", f"file://{assertion}", "--no-sign-request",
                      creds_env={}))
    creds = out["Credentials"]
    who = ok_json(cli(broker, "sts", "get-caller-identity", creds_env={
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "AWS_SESSION_TOKEN": creds["SessionToken"], "AWS_SHARED_CREDENTIALS_FILE": os.devnull}))
    assert who["Arn"] == f"arn:aws:sts::123456789012:assumed-role/cli-role/cli-user"

    ok_json(cli(broker, "iam", "delete-role", "--role-name", "cli-role"))
    ok_json(cli(broker, "iam", "delete-saml-provider", "--saml-provider-arn", arn))
    gone = cli(broker, "iam", "get-role", "--role-name", "cli-role")
    assert gone.returncode != 0 and "NoSuchEntity" in gone.stderr
