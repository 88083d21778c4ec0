"""boto3 / botocore / aws CLI pointed at a local broker, and helpers to read AWS errors.

Retries are switched off everywhere so a test sees the broker's first answer
(botocore would otherwise silently retry 5xx and throttling).
"""
import os
import subprocess
import sys

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
import botocore.exceptions

REGION = "us-east-1"
NO_RETRY = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                  connect_timeout=5, read_timeout=30)


def client(service, url, key_id=None, secret=None, token=None, signed=True):
    kwargs = dict(endpoint_url=url, region_name=REGION, config=NO_RETRY)
    if signed:
        kwargs.update(aws_access_key_id=key_id, aws_secret_access_key=secret, aws_session_token=token)
    else:
        kwargs["config"] = NO_RETRY.merge(botocore.config.Config(signature_version=botocore.UNSIGNED))
    return boto3.session.Session().client(service, **kwargs)


def iam(url, key_id, secret):
    return client("iam", url, key_id, secret)


def sts(url, key_id=None, secret=None, token=None):
    """Signed when credentials are given, otherwise unsigned (AssumeRoleWithSAML needs none)."""
    if key_id is None:
        return client("sts", url, signed=False)
    return client("sts", url, key_id, secret, token)


def sts_from_credentials(url, creds):
    """An STS client using the Credentials dict AssumeRoleWithSAML returned."""
    return sts(url, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])


def error_of(exc):
    """(code, message, http status) of a botocore ClientError."""
    err = exc.response.get("Error", {})
    return err.get("Code"), err.get("Message", ""), exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def expect_error(fn, *args, **kwargs):
    """Call fn, which must fail with a ClientError; return (code, message, status)."""
    try:
        result = fn(*args, **kwargs)
    except botocore.exceptions.ClientError as e:
        return error_of(e)
    raise AssertionError(f"expected an AWS error, got success: {result!r}")


def signed_request(url, service, key_id, secret, params, when=None, method="POST", token=None):
    """A SigV4-signed Query request built by botocore's own signer, optionally dated `when` (UTC datetime).

    Returns a botocore AWSPreparedRequest ready for `send`.
    """
    import datetime
    import urllib.parse
    body = urllib.parse.urlencode(params)
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    req = botocore.awsrequest.AWSRequest(method=method, url=url + "/", data=body, headers=headers)
    creds = botocore.credentials.Credentials(key_id, secret, token)
    signer = botocore.auth.SigV4Auth(creds, service, REGION)
    if when is None:
        signer.add_auth(req)
    else:
        original = botocore.auth.get_current_datetime
        botocore.auth.get_current_datetime = lambda *a, **k: when.replace(tzinfo=None)
        try:
            signer.add_auth(req)
        finally:
            botocore.auth.get_current_datetime = original
    return req.prepare()


def send(prepared, timeout=30):
    """Send a prepared request with urllib3 (no retries); returns (status, body text)."""
    import urllib3
    http = urllib3.PoolManager(retries=False, timeout=timeout)
    r = http.request(prepared.method, prepared.url, body=prepared.body, headers=dict(prepared.headers))
    return r.status, r.data.decode("utf-8", "replace")


def aws_cli(args, url, env_extra=None, timeout=60):
    """Run the `aws` CLI from this Python environment against the broker; returns CompletedProcess."""
    aws = os.path.join(os.path.dirname(sys.executable), "aws")
    if not os.path.exists(aws):
        aws = "aws"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_DEFAULT_REGION": REGION, "AWS_MAX_ATTEMPTS": "1", "AWS_PAGER": "",
                "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    env.update(env_extra or {})
    return subprocess.run([aws, "--endpoint-url", url, "--output", "json"] + list(args), env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
