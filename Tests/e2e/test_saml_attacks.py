"""Issue #3: attacks on AssumeRoleWithSAML. Each asserts the AWS error code, that the
message names the failed check, and that no input produces a 5xx.

Every attack starts from a response pysaml2 really signed (threats.md C1-C5).
"""
import datetime
import re

import pytest

import saml_attacks as atk
from aws_clients import expect_error
from idp import NS, TestIdP, b64, cert_body, set_times, utcnow


def rejected(saml, xml, code, check, role=None, provider=None, **kwargs):
    """AssumeRoleWithSAML must fail with `code` and a message matching regex `check` (case-insensitive)."""
    encoded = b64(xml) if not isinstance(xml, bytes) else xml.decode()
    got_code, message, status = expect_error(
        saml.sts.assume_role_with_saml, RoleArn=role or saml.dev, PrincipalArn=provider or saml.provider_arn,
        SAMLAssertion=encoded, **kwargs)
    assert status is not None and status < 500, f"5xx for an attack: {status} {got_code} {message}"
    assert got_code == code, f"expected {code}, got {got_code}: {message}"
    assert re.search(check, message, re.IGNORECASE), f"message does not name the check /{check}/: {message!r}"
    assert encoded[:32] not in message, "the error echoes the assertion"
    return message


def pair(saml, role=None):
    return [(role or saml.dev, saml.provider_arn)]


def signed(saml, sign_response=True, sign_assertion=False, **kwargs):
    return saml.idp.response(pair(saml), sign_response=sign_response, sign_assertion=sign_assertion, **kwargs)


SIGNATURE = r"signature|signed|digest|reference"
WRAPPING = r"signature|signed|assertion|reference|duplicate|wrap|structure"


# ---- signature wrapping ----------------------------------------------------------

@pytest.mark.parametrize("attack", [atk.xsw3_evil_assertion_before_signed, atk.xsw4_signed_assertion_inside_evil,
                                    atk.xsw5_edited_assertion_with_detached_copy, atk.xsw6_copy_hidden_in_signature,
                                    atk.xsw7_signed_assertion_in_extensions],
                         ids=lambda f: f.__name__.split("_")[0])
def test_xsw_on_signed_assertion(saml, attack):
    xml = attack(signed(saml, sign_response=False, sign_assertion=True))
    rejected(saml, xml, "InvalidIdentityToken", WRAPPING)


@pytest.mark.parametrize("attack", [atk.xsw1_response_copy_inside_signature, atk.xsw2_response_copy_before_signature,
                                    atk.xsw3_evil_assertion_before_signed, atk.xsw7_signed_assertion_in_extensions],
                         ids=lambda f: f.__name__.split("_")[0])
def test_xsw_on_signed_response(saml, attack):
    xml = attack(signed(saml, sign_response=True, sign_assertion=False))
    rejected(saml, xml, "InvalidIdentityToken", WRAPPING)


def test_two_genuinely_signed_assertions(saml):
    a = signed(saml, sign_response=False, sign_assertion=True, email="alice@corp.example")
    b = signed(saml, sign_response=False, sign_assertion=True, email="admin@corp.example")
    rejected(saml, atk.two_signed_assertions(a, b), "InvalidIdentityToken", r"assertion")


def test_unsigned_response(saml):
    rejected(saml, signed(saml, sign_response=False, sign_assertion=False), "InvalidIdentityToken", r"signature|signed")


# ---- keys ------------------------------------------------------------------------

def test_signed_by_a_foreign_key_claiming_the_real_certificate(saml):
    attacker = TestIdP(saml.workdir, "attacker-a", saml.idp.acs_url, entity_id=saml.idp.entity_id)
    xml = attacker.response(pair(saml), sign_response=True)
    xml = atk.replace_keyinfo_certificate(xml, cert_body(saml.idp.cert_path))
    rejected(saml, xml, "InvalidIdentityToken", SIGNATURE)


def test_embedded_attacker_certificate_is_not_trusted(saml):
    attacker = TestIdP(saml.workdir, "attacker-b", saml.idp.acs_url, entity_id=saml.idp.entity_id)
    xml = attacker.response(pair(saml), sign_response=True, sign_assertion=True)
    rejected(saml, xml, "InvalidIdentityToken", r"certificate|key|signature")


def test_response_signed_by_another_registered_provider(saml):
    # `other` is a real provider of this broker, but not the one named by PrincipalArn.
    xml = saml.other_idp.response(pair(saml))
    rejected(saml, xml, "InvalidIdentityToken", r"issuer|signature|certificate")


# ---- content after signing -------------------------------------------------------

@pytest.mark.parametrize("where", ["response", "assertion"])
def test_digest_tamper_nameid_edited_after_signing(saml, where):
    xml = signed(saml, sign_response=where == "response", sign_assertion=where == "assertion")
    rejected(saml, atk.tamper_nameid(xml), "InvalidIdentityToken", SIGNATURE)


def test_comment_in_nameid(saml):
    xml = signed(saml, email="victim@corp.example.evil.example")
    xml = atk.comment_in_nameid(xml, "victim@corp.example", ".evil.example")
    rejected(saml, xml, "InvalidIdentityToken", r"NameID|comment|text")


def test_xxe(saml):
    xml = atk.with_doctype(atk.reference_entity_in_nameid(signed(saml)), atk.XXE_DOCTYPE)
    rejected(saml, xml, "InvalidIdentityToken", r"DOCTYPE|DTD|entit")


def test_billion_laughs(saml):
    xml = atk.with_doctype(atk.reference_entity_in_nameid(signed(saml)), atk.BILLION_LAUGHS_DOCTYPE)
    rejected(saml, xml, "InvalidIdentityToken", r"DOCTYPE|DTD|entit")


def test_not_base64(saml):
    rejected(saml, b"!!!not base64!!!" * 4, "InvalidIdentityToken", r"base64")


def test_not_xml(saml):
    rejected(saml, "this is not xml at all", "InvalidIdentityToken", r"XML|parse")


def test_oversize_assertion_is_validation_error(saml):
    # AWS's SAMLAssertion limit is 100,000 characters of base64.
    code, message, status = expect_error(saml.sts.assume_role_with_saml, RoleArn=saml.dev,
                                         PrincipalArn=saml.provider_arn, SAMLAssertion="A" * 100_004)
    assert status < 500 and code == "ValidationError", (code, message)
    assert re.search(r"sAMLAssertion|SAMLAssertion|100000|100,000", message), message


# ---- replay --------------------------------------------------------------------

def test_replay_same_assertion_same_role(saml):
    xml = signed(saml)
    saml.sts.assume_role_with_saml(RoleArn=saml.dev, PrincipalArn=saml.provider_arn, SAMLAssertion=b64(xml))
    rejected(saml, xml, "InvalidIdentityToken", r"replay|already|used")


# ---- profile checks (each response re-signed by the IdP after the edit) ------------

def _edit_audience(root):
    root.find("saml:Assertion/saml:Conditions/saml:AudienceRestriction/saml:Audience", NS).text = \
        "https://signin.aws.amazon.com/saml"


def _edit_recipient(root):
    root.find("saml:Assertion/saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", NS).set(
        "Recipient", "https://elsewhere.example/saml")


def _edit_destination(root):
    root.set("Destination", "https://elsewhere.example/saml")


def _edit_issuer(root):
    for issuer in root.iter(f"{{{NS['saml']}}}Issuer"):
        issuer.text = "https://impostor.idp.example/idp"


def _drop_bearer(root):
    sc = root.find("saml:Assertion/saml:Subject/saml:SubjectConfirmation", NS)
    sc.set("Method", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key")


def _remove_confirmation(root):
    subject = root.find("saml:Assertion/saml:Subject", NS)
    subject.remove(subject.find("saml:SubjectConfirmation", NS))


def _expired(root):
    now = utcnow()
    set_times(root, not_before=now - datetime.timedelta(minutes=10), not_on_or_after=now - datetime.timedelta(minutes=4),
              issue_instant=now - datetime.timedelta(minutes=10))


def _not_yet_valid(root):
    now = utcnow()
    set_times(root, not_before=now + datetime.timedelta(minutes=10), not_on_or_after=now + datetime.timedelta(minutes=20),
              issue_instant=now + datetime.timedelta(minutes=10))


def _old_issue_instant(root):
    now = utcnow()
    set_times(root, not_before=now - datetime.timedelta(minutes=30), not_on_or_after=now + datetime.timedelta(minutes=5),
              issue_instant=now - datetime.timedelta(minutes=30))


def _failed_status(root):
    root.find("samlp:Status/samlp:StatusCode", NS).set("Value", "urn:oasis:names:tc:SAML:2.0:status:Responder")


PROFILE = {
    "wrong-audience": (_edit_audience, "InvalidIdentityToken", r"audience"),
    "wrong-recipient": (_edit_recipient, "InvalidIdentityToken", r"recipient"),
    "wrong-destination": (_edit_destination, "InvalidIdentityToken", r"destination"),
    "wrong-issuer": (_edit_issuer, "InvalidIdentityToken", r"issuer"),
    "no-bearer-method": (_drop_bearer, "InvalidIdentityToken", r"bearer|SubjectConfirmation"),
    "no-subject-confirmation": (_remove_confirmation, "InvalidIdentityToken", r"bearer|SubjectConfirmation"),
    "expired": (_expired, "ExpiredTokenException", r"expired|NotOnOrAfter|not-on-or-after"),
    "not-yet-valid": (_not_yet_valid, "InvalidIdentityToken", r"NotBefore|not-before|not yet|future"),
    "too-old": (_old_issue_instant, "ExpiredTokenException", r"IssueInstant|issue-instant|redeemed"),
    "failed-status": (_failed_status, "InvalidIdentityToken", r"status"),
}


@pytest.mark.parametrize("name", sorted(PROFILE))
def test_profile_check(saml, name):
    mutate, code, check = PROFILE[name]
    xml = saml.idp.response(pair(saml), sign_response=True, sign_assertion=True, mutate=mutate)
    rejected(saml, xml, code, check)


def test_mutation_pipeline_control_is_accepted(saml):
    # The control for test_profile_check: an edit that changes nothing checked still succeeds,
    # so the failures above come from the edits, not from re-signing.
    xml = saml.idp.response(pair(saml), sign_response=True, sign_assertion=True, mutate=lambda root: None)
    out = saml.sts.assume_role_with_saml(RoleArn=saml.dev, PrincipalArn=saml.provider_arn, SAMLAssertion=b64(xml))
    assert out["Subject"] == "alice@corp.example"


# ---- roles and trust ------------------------------------------------------------

def test_role_not_in_assertion(saml):
    xml = saml.idp.response(pair(saml, saml.dev))
    rejected(saml, xml, "AccessDenied", r"role|not authorized", role=saml.ops)


def test_role_trusting_another_provider(saml):
    xml = saml.idp.response([(saml.other, saml.provider_arn)])
    rejected(saml, xml, "AccessDenied", r"not authorized|trust", role=saml.other)


def test_principal_arn_for_a_missing_provider(saml):
    from idp import provider_arn
    xml = saml.idp.response([(saml.dev, provider_arn("nobody"))])
    rejected(saml, xml, "InvalidIdentityToken", r"provider", provider=provider_arn("nobody"))


def test_tags_without_tag_session_permission(saml):
    xml = saml.idp.response(pair(saml, saml.ops), tags={"CostCenter": "1"})
    rejected(saml, xml, "AccessDenied", r"TagSession|not authorized", role=saml.ops)


def test_non_email_nameid_under_default_policy(saml):
    xml = saml.idp.response(pair(saml), email="alice",
                            name_id_format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
    rejected(saml, xml, "InvalidIdentityToken", r"format|NameID")


def test_malformed_email_nameid(saml):
    xml = saml.idp.response(pair(saml), email="not-an-address")
    rejected(saml, xml, "InvalidIdentityToken", r"NameID|address|email")


def test_bad_role_session_name(saml):
    xml = saml.idp.response(pair(saml), session_name="has spaces!")
    rejected(saml, xml, "InvalidIdentityToken", r"RoleSessionName|role-session-name")


def test_missing_role_session_name(saml):
    xml = saml.idp.response(pair(saml), session_name=None)
    rejected(saml, xml, "InvalidIdentityToken", r"RoleSessionName|role-session-name")
