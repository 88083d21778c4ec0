"""Issue #3: AssumeRoleWithSAML with responses signed by pysaml2's IdP, and the sessions it yields."""
import datetime
import json
import urllib.error
import urllib.request

import pytest

import aws_clients
from aws_clients import expect_error
from conftest import trust_policy
from idp import NAMEID_FORMAT_EMAILADDRESS, NS, TestIdP, b64, name_qualifier, provider_arn, role_arn


def assume(saml, xml, role=None, provider=None, **kwargs):
    return saml.sts.assume_role_with_saml(RoleArn=role or saml.dev, PrincipalArn=provider or saml.provider_arn,
                                          SAMLAssertion=b64(xml), **kwargs)


def seconds_left(expiration):
    return (expiration - datetime.datetime.now(datetime.timezone.utc)).total_seconds()


@pytest.mark.parametrize("sign_response,sign_assertion", [(True, False), (False, True), (True, True)],
                         ids=["signed-response", "signed-assertion", "both-signed"])
def test_assume_role_with_saml_returns_the_identity(saml, sign_response, sign_assertion):
    xml = saml.idp.response([(saml.dev, saml.provider_arn)], email="alice@corp.example", session_name="alice",
                            sign_response=sign_response, sign_assertion=sign_assertion)
    out = assume(saml, xml)
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{saml.account}:assumed-role/saml-dev/alice"
    assert out["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    assert out["AssumedRoleUser"]["AssumedRoleId"].endswith(":alice")
    assert out["Subject"] == "alice@corp.example"
    # Only the SAML 2.0 nameid-format prefix is stripped; the 1.1 emailAddress URI comes back whole.
    assert out["SubjectType"] == NAMEID_FORMAT_EMAILADDRESS
    assert out["Issuer"] == saml.idp.entity_id
    assert out["Audience"] == saml.idp.acs_url
    assert out["NameQualifier"] == name_qualifier(saml.idp.entity_id, "corp")
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert len(creds["SecretAccessKey"]) == 40
    assert 3500 < seconds_left(creds["Expiration"]) <= 3600 + 5

    who = aws_clients.sts_from_credentials(saml.url, creds).get_caller_identity()
    assert who["Arn"] == out["AssumedRoleUser"]["Arn"]
    assert who["Account"] == saml.account
    assert who["UserId"] == out["AssumedRoleUser"]["AssumedRoleId"]


def test_several_roles_each_chosen_by_role_arn(saml):
    pairs = [(saml.dev, saml.provider_arn), (saml.ops, saml.provider_arn)]
    for role, name in ((saml.dev, "saml-dev"), (saml.ops, "saml-ops")):
        out = assume(saml, saml.idp.response(pairs, session_name="multi"), role=role)
        assert out["AssumedRoleUser"]["Arn"].endswith(f":assumed-role/{name}/multi")


def test_one_assertion_serves_several_roles_once_each(saml):
    # Per-role replay rule (aws-wire.md 2.5): multi-role CLI tools reuse one assertion across roles.
    xml = saml.idp.response([(saml.dev, saml.provider_arn), (saml.ops, saml.provider_arn)], session_name="reuse")
    assert assume(saml, xml, role=saml.dev)["AssumedRoleUser"]["Arn"].endswith("/saml-dev/reuse")
    assert assume(saml, xml, role=saml.ops)["AssumedRoleUser"]["Arn"].endswith("/saml-ops/reuse")


def test_reversed_pair_order_is_accepted(saml):
    xml = saml.idp.response([f"{saml.provider_arn},{saml.dev}"], session_name="reversed")
    assert assume(saml, xml)["AssumedRoleUser"]["Arn"].endswith("/saml-dev/reversed")


def test_session_tags_with_tag_session_permission(saml):
    xml = saml.idp.response([(saml.dev, saml.provider_arn)], session_name="tagged",
                            tags={"CostCenter": "987654", "Project": "e2e"}, transitive=["CostCenter"])
    out = assume(saml, xml)
    assert out["AssumedRoleUser"]["Arn"].endswith("/saml-dev/tagged")
    assert out.get("PackedPolicySize", 0) >= 0


def test_duration_seconds_up_to_role_maximum(saml):
    out = assume(saml, saml.idp.response([(saml.dev, saml.provider_arn)]), DurationSeconds=7200)
    assert 7100 < seconds_left(out["Credentials"]["Expiration"]) <= 7205


def test_duration_seconds_above_role_maximum_is_validation_error(saml):
    xml = saml.idp.response([(saml.ops, saml.provider_arn)])
    code, message, status = expect_error(assume, saml, xml, role=saml.ops, DurationSeconds=7200)
    assert (code, status) == ("ValidationError", 400)
    assert "MaxSessionDuration" in message


def test_session_duration_attribute_shortens_the_session(saml):
    xml = saml.idp.response([(saml.dev, saml.provider_arn)], session_duration=1800)
    out = assume(saml, xml, DurationSeconds=3600)
    assert 1700 < seconds_left(out["Credentials"]["Expiration"]) <= 1805


def test_session_duration_attribute_never_lengthens_an_api_session(saml):
    xml = saml.idp.response([(saml.dev, saml.provider_arn)], session_duration=7200)
    out = assume(saml, xml)  # DurationSeconds defaults to 3600
    assert 3500 < seconds_left(out["Credentials"]["Expiration"]) <= 3605


def test_certificate_rollover_either_certificate_signs(saml, iam):
    old = TestIdP(saml.workdir, "roll-old", saml.idp.acs_url, entity_id="https://rollover.idp.example/idp")
    new = TestIdP(saml.workdir, "roll-new", saml.idp.acs_url, entity_id=old.entity_id)
    iam.create_saml_provider(Name="rollover", SAMLMetadataDocument=old.metadata([new.cert_path]))
    iam.create_role(RoleName="saml-rollover", AssumeRolePolicyDocument=json.dumps(trust_policy("rollover")))
    pair = [(role_arn("saml-rollover"), provider_arn("rollover"))]
    for signer in (old, new):
        out = assume(saml, signer.response(pair, session_name=signer.name), role=role_arn("saml-rollover"),
                     provider=provider_arn("rollover"))
        assert out["AssumedRoleUser"]["Arn"].endswith(f"/saml-rollover/{signer.name}")


@pytest.mark.parametrize("sign_response,sign_assertion", [(True, False), (False, True)],
                         ids=["signed-response", "signed-assertion"])
def test_ecdsa_p256_signed_responses_are_accepted(saml, iam, sign_response, sign_assertion):
    """ECDSA-SHA256 (P-256 key in the metadata), signed by xmlsec1 through pysaml2."""
    name = f"ecdsa-{int(sign_response)}{int(sign_assertion)}"
    idp = TestIdP(saml.workdir, name, saml.idp.acs_url, elliptic=True)
    assert "ecdsa-sha256" in idp.response([], sign_response=sign_response, sign_assertion=sign_assertion)
    iam.create_saml_provider(Name=name, SAMLMetadataDocument=idp.metadata())
    iam.create_role(RoleName=f"saml-{name}", AssumeRolePolicyDocument=json.dumps(trust_policy(name)))
    pair = [(role_arn(f"saml-{name}"), provider_arn(name))]
    xml = idp.response(pair, session_name="ec-user", sign_response=sign_response, sign_assertion=sign_assertion)
    out = assume(saml, xml, role=role_arn(f"saml-{name}"), provider=provider_arn(name))
    assert out["AssumedRoleUser"]["Arn"].endswith(f"/saml-{name}/ec-user")
    # Another EC key over the same document is a foreign key, whatever the algorithm.
    intruder = TestIdP(saml.workdir, name + "-intruder", saml.idp.acs_url, entity_id=idp.entity_id, elliptic=True)
    forged = intruder.response(pair, session_name="ec-user", sign_response=sign_response, sign_assertion=sign_assertion)
    code, message, status = expect_error(assume, saml, forged, role=role_arn(f"saml-{name}"), provider=provider_arn(name))
    assert (code, status) == ("InvalidIdentityToken", 400)
    assert message.startswith("certificate-match:"), message
    # Key-type confusion: the EC signature relabelled as RSA is refused, never checked with RSA rules.
    relabelled = xml.replace("xmldsig-more#ecdsa-sha256", "xmldsig-more#rsa-sha256")
    assert relabelled != xml
    code, message, status = expect_error(assume, saml, relabelled, role=role_arn(f"saml-{name}"), provider=provider_arn(name))
    assert (code, status) == ("InvalidIdentityToken", 400)
    assert message.startswith("signature:"), message


def sign_with_signxml(idp, xml, method):
    """Signs the Assertion with signxml: an XML-DSig implementation of its own (pure
    Python + cryptography), not xmlsec. `method`: a signxml SignatureMethod name."""
    from lxml import etree
    from signxml import DigestAlgorithm, SignatureMethod, XMLSigner, methods
    from signxml.algorithms import CanonicalizationMethod
    root = etree.fromstring(xml.encode())
    assertion = root.find("saml:Assertion", NS)
    # The ds prefix throughout: lxml would otherwise renumber the prefix of the signed
    # SignedInfo when the assertion moves back into the Response, and break the signature.
    dsig = "http://www.w3.org/2000/09/xmldsig#"
    placeholder = etree.Element(f"{{{dsig}}}Signature", nsmap={"ds": dsig}, Id="placeholder")
    assertion.find("saml:Issuer", NS).addnext(placeholder)
    signer = XMLSigner(method=methods.enveloped, signature_algorithm=SignatureMethod[method],
                       digest_algorithm=DigestAlgorithm.SHA256,
                       c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    with open(idp.key_path, "rb") as k, open(idp.cert_path, "rb") as c:
        signed = signer.sign(etree.fromstring(etree.tostring(assertion)), key=k.read(), cert=c.read().decode(),
                             reference_uri="#" + assertion.get("ID"))
    root.replace(assertion, signed)
    return etree.tostring(root).decode()


@pytest.mark.parametrize("method,uri", [
    ("SHA256_RSA_MGF1", "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"),
    ("SHA512_RSA_MGF1", "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1"),
    ("RSA_SHA384", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"),
    ("RSA_SHA512", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"),
])
def test_rsa_signatures_by_signxml_are_accepted_and_tampering_is_not(saml, method, uri):
    """RSA-PSS and RSA-SHA384/512 signed by another implementation: the broker checks
    these with its own xmlsec transform klasses (RSASignatureTransforms.c)."""
    unsigned = saml.idp.response([(saml.dev, saml.provider_arn)], session_name="rsa-user",
                                 sign_response=False, mutate=lambda root: None)
    xml = sign_with_signxml(saml.idp, unsigned, method)
    assert f'Algorithm="{uri}"' in xml
    out = assume(saml, xml)
    assert out["AssumedRoleUser"]["Arn"].endswith("/saml-dev/rsa-user")
    forged = sign_with_signxml(saml.idp, unsigned, method).replace("rsa-user", "rsa-root")
    code, message, status = expect_error(assume, saml, forged)
    assert (code, status) == ("InvalidIdentityToken", 400)
    assert message.startswith("signature:"), message


def test_sha1_signature_rejected_by_default(saml):
    xml = saml.idp.response([(saml.dev, saml.provider_arn)], sha1=True)
    code, message, status = expect_error(assume, saml, xml)
    assert (code, status) == ("InvalidIdentityToken", 400)
    assert "sha1" in message.lower() or "sha-1" in message.lower()


# ---- using the issued credentials --------------------------------------------

@pytest.fixture(scope="module")
def session_creds(saml):
    return assume(saml, saml.idp.response([(saml.dev, saml.provider_arn)], session_name="caller"))["Credentials"]


def test_tampered_session_token_is_invalid_client_token_id(saml, session_creds):
    token = session_creds["SessionToken"]
    flipped = token[:len(token) // 2] + ("A" if token[len(token) // 2] != "A" else "B") + token[len(token) // 2 + 1:]
    client = aws_clients.sts(saml.url, session_creds["AccessKeyId"], session_creds["SecretAccessKey"], flipped)
    code, _, status = expect_error(client.get_caller_identity)
    assert (code, status) == ("InvalidClientTokenId", 403)


def test_session_without_token_is_invalid_client_token_id(saml, session_creds):
    client = aws_clients.sts(saml.url, session_creds["AccessKeyId"], session_creds["SecretAccessKey"])
    code, _, _ = expect_error(client.get_caller_identity)
    assert code == "InvalidClientTokenId"


def test_session_with_wrong_secret_is_signature_does_not_match(saml, session_creds):
    client = aws_clients.sts(saml.url, session_creds["AccessKeyId"], "W" * 40, session_creds["SessionToken"])
    code, _, status = expect_error(client.get_caller_identity)
    assert (code, status) == ("SignatureDoesNotMatch", 403)


def test_presigned_get_caller_identity(saml, session_creds):
    client = aws_clients.sts_from_credentials(saml.url, session_creds)
    url = client.generate_presigned_url("get_caller_identity", ExpiresIn=300, HttpMethod="GET")
    assert url.startswith(saml.url) and "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as r:
        body = r.read().decode()
    assert r.status == 200
    assert "<GetCallerIdentityResponse" in body
    assert f"<Arn>arn:aws:sts::{saml.account}:assumed-role/saml-dev/caller</Arn>" in body


def test_presigned_url_with_edited_query_is_rejected(saml, session_creds):
    client = aws_clients.sts_from_credentials(saml.url, session_creds)
    url = client.generate_presigned_url("get_caller_identity", ExpiresIn=300, HttpMethod="GET")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url.replace("X-Amz-Expires=300", "X-Amz-Expires=301"), timeout=10)
    assert e.value.code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in e.value.read().decode()


# ---- provider policy knobs (IAM tags on the provider) ---------------------------

PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"


def _provider_with_tags(saml, iam, name, tags, role_names):
    idp = TestIdP(saml.workdir, name, saml.idp.acs_url)
    iam.create_saml_provider(Name=name, SAMLMetadataDocument=idp.metadata(),
                             Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    for r in role_names:
        iam.create_role(RoleName=r, AssumeRolePolicyDocument=json.dumps(trust_policy(name)))
    return idp


def test_nameid_formats_tag_admits_persistent_and_strips_the_saml2_prefix(saml, iam):
    idp = _provider_with_tags(saml, iam, "knobs-persistent",
                              {"broker:nameid-formats": f"{PERSISTENT} {NAMEID_FORMAT_EMAILADDRESS}"},
                              ["saml-persistent"])
    pair = [(role_arn("saml-persistent"), provider_arn("knobs-persistent"))]
    out = assume(saml, idp.response(pair, email="u-12345", name_id_format=PERSISTENT),
                 role=role_arn("saml-persistent"), provider=provider_arn("knobs-persistent"))
    assert out["Subject"] == "u-12345"
    assert out["SubjectType"] == "persistent"


def test_strict_replay_tag_allows_one_exchange_per_assertion(saml, iam):
    idp = _provider_with_tags(saml, iam, "knobs-strict", {"broker:replay": "strict"},
                              ["saml-strict-a", "saml-strict-b"])
    prov = provider_arn("knobs-strict")
    xml = idp.response([(role_arn("saml-strict-a"), prov), (role_arn("saml-strict-b"), prov)])
    assume(saml, xml, role=role_arn("saml-strict-a"), provider=prov)
    code, message, _ = expect_error(assume, saml, xml, role=role_arn("saml-strict-b"), provider=prov)
    assert code == "InvalidIdentityToken"
    assert "replay" in message.lower()
