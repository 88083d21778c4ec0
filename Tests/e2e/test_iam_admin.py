"""Issue #2: the IAM admin API through boto3 — SAML provider and role CRUD, and their errors."""
import json
import os

import pytest

from aws_clients import expect_error
from broker_process import ACCOUNT_ID
from conftest import trust_policy
from idp import TestIdP, provider_arn

ROLE_PREFIX = f"arn:aws:iam::{ACCOUNT_ID}:role/"


@pytest.fixture(scope="module")
def crud_idp(broker, tmp_path_factory):
    return TestIdP(str(tmp_path_factory.mktemp("crud-idp")), "crud", broker.acs_url)


# ---- SAML providers -----------------------------------------------------------

def test_saml_provider_crud_round_trip(iam, crud_idp, tmp_path):
    metadata = crud_idp.metadata()
    created = iam.create_saml_provider(Name="crud-corp", SAMLMetadataDocument=metadata,
                                       Tags=[{"Key": "team", "Value": "e2e"}])
    arn = created["SAMLProviderArn"]
    assert arn == provider_arn("crud-corp")

    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert crud_idp.entity_id in got["SAMLMetadataDocument"]
    assert "CreateDate" in got and "ValidUntil" in got
    assert {"Key": "team", "Value": "e2e"} in got.get("Tags", [])

    listed = [p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]]
    assert arn in listed

    # Rollover: the new metadata carries a second certificate.
    second = TestIdP(str(tmp_path), "crud", crud_idp.acs_url, entity_id=crud_idp.entity_id)
    updated = iam.update_saml_provider(SAMLProviderArn=arn,
                                       SAMLMetadataDocument=crud_idp.metadata([second.cert_path]))
    assert updated["SAMLProviderArn"] == arn
    from idp import cert_body
    assert cert_body(second.cert_path) in iam.get_saml_provider(SAMLProviderArn=arn)["SAMLMetadataDocument"]

    iam.delete_saml_provider(SAMLProviderArn=arn)
    assert arn not in [p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]]
    code, _, status = expect_error(iam.get_saml_provider, SAMLProviderArn=arn)
    assert (code, status) == ("NoSuchEntity", 404)


def test_metadata_dir_seeds_a_provider_named_after_its_file(iam):
    listed = [p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]]
    assert provider_arn("seeded-idp") in listed


def test_duplicate_saml_provider_is_entity_already_exists(iam, crud_idp):
    iam.create_saml_provider(Name="crud-dup", SAMLMetadataDocument=crud_idp.metadata())
    try:
        code, message, status = expect_error(iam.create_saml_provider, Name="crud-dup",
                                             SAMLMetadataDocument=crud_idp.metadata())
        assert (code, status) == ("EntityAlreadyExists", 409)
        assert "crud-dup" in message
    finally:
        iam.delete_saml_provider(SAMLProviderArn=provider_arn("crud-dup"))


def test_bad_metadata_is_invalid_input(iam):
    # Long enough for botocore's 1000-character client check, but not SAML metadata.
    junk = "<notmetadata>" + "x" * 1200 + "</notmetadata>"
    code, message, status = expect_error(iam.create_saml_provider, Name="crud-bad", SAMLMetadataDocument=junk)
    assert (code, status) == ("InvalidInput", 400)
    assert "metadata" in message.lower()


def test_metadata_without_signing_certificate_is_invalid_input(iam, crud_idp):
    from lxml import etree
    from idp import NS
    root = etree.fromstring(crud_idp.metadata().encode())
    for kd in list(root.iter(f"{{{NS['md']}}}KeyDescriptor")):
        kd.getparent().remove(kd)
    root.insert(0, etree.Comment("p" * 1000))  # stay above botocore's 1000-character client-side minimum
    doc = etree.tostring(root).decode()
    code, message, status = expect_error(iam.create_saml_provider, Name="crud-nocert", SAMLMetadataDocument=doc)
    assert (code, status) == ("InvalidInput", 400)
    assert "certificate" in message.lower() or "key" in message.lower()


def test_missing_saml_provider_is_no_such_entity(iam):
    code, _, status = expect_error(iam.delete_saml_provider, SAMLProviderArn=provider_arn("crud-absent"))
    assert (code, status) == ("NoSuchEntity", 404)


# ---- roles ---------------------------------------------------------------------

def test_role_crud_round_trip(iam):
    policy = trust_policy("corp", ("sts:AssumeRoleWithSAML", "sts:TagSession"))
    created = iam.create_role(RoleName="crud-role", Path="/e2e/", AssumeRolePolicyDocument=json.dumps(policy),
                              Description="first", MaxSessionDuration=3600)["Role"]
    assert created["Arn"] == ROLE_PREFIX + "e2e/crud-role"
    assert created["RoleId"].startswith("AROA")
    assert created["AssumeRolePolicyDocument"] == policy  # botocore URL-decodes and JSON-loads it

    got = iam.get_role(RoleName="crud-role")["Role"]
    assert got["AssumeRolePolicyDocument"] == policy
    assert got["Path"] == "/e2e/" and got["MaxSessionDuration"] == 3600 and got["Description"] == "first"
    assert got["RoleId"] == created["RoleId"]

    names = [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert "crud-role" in names
    by_prefix = [r["RoleName"] for r in iam.list_roles(PathPrefix="/e2e/")["Roles"]]
    assert by_prefix == ["crud-role"]

    iam.update_role(RoleName="crud-role", Description="second", MaxSessionDuration=7200)
    got = iam.get_role(RoleName="crud-role")["Role"]
    assert got["Description"] == "second" and got["MaxSessionDuration"] == 7200

    new_policy = trust_policy("other")
    iam.update_assume_role_policy(RoleName="crud-role", PolicyDocument=json.dumps(new_policy))
    assert iam.get_role(RoleName="crud-role")["Role"]["AssumeRolePolicyDocument"] == new_policy

    iam.delete_role(RoleName="crud-role")
    assert "crud-role" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]


def test_roles_file_seeds_roles(iam):
    role = iam.get_role(RoleName="seeded")["Role"]
    assert role["AssumeRolePolicyDocument"] == trust_policy("corp")


def test_duplicate_role_is_entity_already_exists(iam):
    doc = json.dumps(trust_policy("corp"))
    iam.create_role(RoleName="crud-dup-role", AssumeRolePolicyDocument=doc)
    try:
        code, message, status = expect_error(iam.create_role, RoleName="crud-dup-role", AssumeRolePolicyDocument=doc)
        assert (code, status) == ("EntityAlreadyExists", 409)
        assert "crud-dup-role" in message
        # Role names are unique case-insensitively.
        code, _, _ = expect_error(iam.create_role, RoleName="CRUD-DUP-ROLE", AssumeRolePolicyDocument=doc)
        assert code == "EntityAlreadyExists"
    finally:
        iam.delete_role(RoleName="crud-dup-role")


def test_missing_role_is_no_such_entity(iam):
    for call in (lambda: iam.get_role(RoleName="crud-nope"), lambda: iam.delete_role(RoleName="crud-nope"),
                 lambda: iam.update_assume_role_policy(RoleName="crud-nope",
                                                       PolicyDocument=json.dumps(trust_policy("corp")))):
        code, message, status = expect_error(call)
        assert (code, status) == ("NoSuchEntity", 404)
        assert "crud-nope" in message


@pytest.mark.parametrize("document", [
    "{not json",
    json.dumps({"Version": "2012-10-17"}),
    json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Principal": {"Federated": "x"},
                                                         "Action": "sts:AssumeRoleWithSAML"}]}),
], ids=["not-json", "no-statement", "bad-effect"])
def test_bad_trust_policy_is_malformed_policy_document(iam, document):
    code, message, status = expect_error(iam.create_role, RoleName="crud-badpolicy", AssumeRolePolicyDocument=document)
    assert (code, status) == ("MalformedPolicyDocument", 400)
    assert message


@pytest.mark.parametrize("name", ["has space", "slash/inside", "x" * 65, "bad!char"])
def test_invalid_role_name_is_validation_error(iam, name):
    code, message, status = expect_error(iam.create_role, RoleName=name,
                                         AssumeRolePolicyDocument=json.dumps(trust_policy("corp")))
    assert (code, status) == ("ValidationError", 400)
    assert "roleName" in message or "RoleName" in message


def test_max_session_duration_out_of_range_is_validation_error(iam):
    code, message, _ = expect_error(iam.create_role, RoleName="crud-toolong", MaxSessionDuration=43201,
                                    AssumeRolePolicyDocument=json.dumps(trust_policy("corp")))
    assert code == "ValidationError"
    assert "axSessionDuration" in message
