#!/usr/bin/env python3
"""Writes sigv4_vectors.json: requests signed by botocore with fixed credentials at a
fixed time, so the Swift verifier and signer are checked against the reference SDK.

Run from this directory: python3 make_vectors.py
"""
import datetime
import json
import urllib.parse

import botocore.auth
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

NOW = datetime.datetime(2024, 5, 1, 12, 34, 56, tzinfo=datetime.timezone.utc)
botocore.auth.get_current_datetime = lambda: NOW  # freeze botocore's signing clock

AKID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TEMP_AKID = "ASIAQWERTYUIOPASDFGH"
TEMP_SECRET = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
TOKEN = "AQoDYXdzEJr+token/with+plus/and=equals=="

FORM = "application/x-www-form-urlencoded; charset=utf-8"
TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow",
                   "Principal": {"Federated": "arn:aws:iam::123456789012:saml-provider/corp"},
                   "Action": "sts:AssumeRoleWithSAML",
                   "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}],
})


def form(params):
    return urllib.parse.urlencode(params, quote_via=urllib.parse.quote, safe="-_.~")


def host_of(url):
    parts = urllib.parse.urlsplit(url)
    return parts.netloc


def vector(name, method, url, *, body="", params=None, headers=None, creds, region, service,
           presign_expires=None):
    input_headers = [("Host", host_of(url)), ("User-Agent", "make_vectors/1.0")] + list((headers or {}).items())
    req = AWSRequest(method=method, url=url, data=body, params=params or {}, headers=dict(input_headers[1:]))
    if presign_expires is None:
        SigV4Auth(creds, service, region).add_auth(req)
    else:
        SigV4QueryAuth(creds, service, region, expires=presign_expires).add_auth(req)
    prepared = req.prepare()
    split = urllib.parse.urlsplit(prepared.url)
    sent_headers = [("Host", host_of(url))] + [(k, v) for k, v in prepared.headers.items()]
    body_bytes = prepared.body or b""
    if isinstance(body_bytes, str):
        body_bytes = body_bytes.encode()
    out = {
        "name": name, "method": method, "path": split.path or "/", "rawQuery": split.query,
        "headers": [[k, v if isinstance(v, str) else v.decode()] for k, v in sent_headers],
        "inputHeaders": [[k, v] for k, v in input_headers],
        "body": body_bytes.decode("utf-8"),
        "accessKeyID": creds.access_key, "secretAccessKey": creds.secret_key, "sessionToken": creds.token,
        "region": region, "service": service, "now": int(NOW.timestamp()),
        "presigned": presign_expires is not None,
    }
    if presign_expires is None:
        auth = prepared.headers["Authorization"]
        out["authorization"] = auth
        out["signature"] = auth.rsplit("Signature=", 1)[1]
    else:
        q = urllib.parse.parse_qs(split.query)
        out["signature"] = q["X-Amz-Signature"][0]
        out["presignQuery"] = [[k, v] for k, v in (params or {}).items()]
        out["expires"] = presign_expires
    return out


long_term = Credentials(AKID, SECRET)
session = Credentials(TEMP_AKID, TEMP_SECRET, TOKEN)

vectors = [
    vector("sts-get-caller-identity-post", "POST", "https://sts.amazonaws.com/",
           body=form({"Action": "GetCallerIdentity", "Version": "2011-06-15"}),
           headers={"Content-Type": FORM}, creds=long_term, region="us-east-1", service="sts"),
    vector("iam-create-role-json-policy", "POST", "https://iam.amazonaws.com/",
           body=form({"Action": "CreateRole", "Version": "2010-05-08", "RoleName": "corp-admins",
                      "AssumeRolePolicyDocument": TRUST}),
           headers={"Content-Type": FORM}, creds=long_term, region="us-east-1", service="iam"),
    vector("get-query-spaces-unicode-plus-tilde", "GET", "https://sts.amazonaws.com/",
           params={"Action": "GetCallerIdentity", "Version": "2011-06-15",
                   "Note": "hello world \u2713 a+b ~tilde~ 100%", "Empty": ""},
           creds=long_term, region="us-east-1", service="sts"),
    vector("session-token-post-local-port", "POST", "http://127.0.0.1:8443/",
           body=form({"Action": "GetCallerIdentity", "Version": "2011-06-15"}),
           headers={"Content-Type": FORM}, creds=session, region="eu-west-1", service="sts"),
    vector("presigned-get-caller-identity", "GET", "https://sts.amazonaws.com/",
           params={"Action": "GetCallerIdentity", "Version": "2011-06-15"},
           creds=session, region="us-east-1", service="sts", presign_expires=900),
]

with open("sigv4_vectors.json", "w") as f:
    json.dump(vectors, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(f"wrote {len(vectors)} vectors")
