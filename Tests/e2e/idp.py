"""A real SAML IdP for the tests: pysaml2's `saml2.server.Server`, signing with the xmlsec1 binary.

The broker's SP side is described to pysaml2 by a metadata file written here
(entity id and ACS URL both `<public-url>/saml`, as the broker promises).
Responses either come straight from pysaml2 (`response()`), or are produced
unsigned by pysaml2, edited with lxml, then signed by pysaml2's security
context (`response(mutate=...)`) — so every signature in the tests is a real
xmlsec1 signature, never one we computed ourselves.
"""
import base64
import datetime
import hashlib
import os
import shutil
import warnings

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", message=".*CFB.*")

from saml2 import BINDING_HTTP_POST  # noqa: E402
from saml2.config import IdPConfig  # noqa: E402
from saml2.metadata import entity_descriptor  # noqa: E402
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID  # noqa: E402
from saml2.server import Server  # noqa: E402
from saml2.sigver import pre_signature_part  # noqa: E402
from saml2.xmldsig import DIGEST_SHA256, SIG_ECDSA_SHA256, SIG_RSA_SHA256  # noqa: E402

ACCOUNT_ID = "123456789012"
ROLE_ATTR = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTR = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
SESSION_DURATION_ATTR = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
TAG_ATTR_PREFIX = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:"
TRANSITIVE_ATTR = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys"
URI_FORMAT = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
XMLSEC1 = shutil.which("xmlsec1") or "/usr/bin/xmlsec1"

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
}
ASSERTION_NODE = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"
RESPONSE_NODE = "urn:oasis:names:tc:SAML:2.0:protocol:Response"


def role_arn(name):
    return f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"


def provider_arn(name):
    return f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/{name}"


def name_qualifier(issuer, provider_name, account=ACCOUNT_ID):
    """Base64(SHA1(issuer + account + "/" + provider)) as AWS documents it."""
    return base64.b64encode(hashlib.sha1(f"{issuer}{account}/{provider_name}".encode()).digest()).decode()


def b64(xml):
    return base64.b64encode(xml.encode("utf-8") if isinstance(xml, str) else xml).decode("ascii")


def make_keypair(directory, name, key_size=2048, elliptic=False):
    """A self-signed certificate like an IdP admin makes with `openssl req -x509` (RSA, or EC P-256 when
    `elliptic`); returns (key path, cert path)."""
    key = (ec.generate_private_key(ec.SECP256R1()) if elliptic
           else rsa.generate_private_key(public_exponent=65537, key_size=key_size))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .sign(key, hashes.SHA256()))
    key_path = os.path.join(directory, f"{name}.key")
    cert_path = os.path.join(directory, f"{name}.crt")
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.NoEncryption()))
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def cert_body(cert_path):
    """The base64 body of a PEM certificate (what metadata and KeyInfo carry)."""
    with open(cert_path) as f:
        return "".join(l.strip() for l in f if "-----" not in l)


def sp_metadata(acs_url):
    """The broker as a SAML SP: entity id and ACS URL are both <public-url>/saml."""
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{acs_url}">
 <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAssertionsSigned="true">
  <md:NameIDFormat>{NAMEID_FORMAT_EMAILADDRESS}</md:NameIDFormat>
  <md:AssertionConsumerService Binding="{BINDING_HTTP_POST}" Location="{acs_url}" index="0" isDefault="true"/>
 </md:SPSSODescriptor>
</md:EntityDescriptor>
"""


class TestIdP:
    """One IdP (entity id + signing key) issuing IdP-initiated responses to the broker."""

    __test__ = False  # not a pytest test class

    def __init__(self, workdir, name, acs_url, entity_id=None, elliptic=False):
        self.workdir = os.path.join(workdir, name)
        os.makedirs(self.workdir, exist_ok=True)
        self.name = name
        self.acs_url = acs_url
        self.entity_id = entity_id or f"https://{name}.idp.example/idp"
        self.key_path, self.cert_path = make_keypair(self.workdir, name, elliptic=elliptic)
        # xmlsec1 signs with whatever key it is given; the template names the algorithm.
        self.sign_alg = SIG_ECDSA_SHA256 if elliptic else SIG_RSA_SHA256
        # pysaml2's response builder only offers RSA/DSA/HMAC algorithms, so EC
        # responses take the build-unsigned-then-sign path (xmlsec1 signs either way).
        self.elliptic = elliptic
        sp_path = os.path.join(self.workdir, "broker-sp.xml")
        with open(sp_path, "w") as f:
            f.write(sp_metadata(acs_url))
        self.config = IdPConfig()
        self.config.load({
            "entityid": self.entity_id,
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [(f"{self.entity_id}/sso", BINDING_HTTP_POST)]},
                "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None,
                                       "name_form": URI_FORMAT}},
            }},
            "key_file": self.key_path,
            "cert_file": self.cert_path,
            "metadata": {"local": [sp_path]},
            "xmlsec_binary": XMLSEC1,
            "delete_tmpfiles": True,
        })
        self.server = Server(config=self.config)

    # ---- metadata ---------------------------------------------------------

    def metadata(self, extra_cert_paths=()):
        """IdP metadata as pysaml2 generates it, plus one signing KeyDescriptor per extra cert (rollover)."""
        xml = str(entity_descriptor(self.config))
        if not extra_cert_paths:
            return xml
        root = etree.fromstring(xml.encode())
        idp = root.find("md:IDPSSODescriptor", NS)
        first_key = idp.find("md:KeyDescriptor", NS)
        for path in extra_cert_paths:
            kd = etree.Element(f"{{{NS['md']}}}KeyDescriptor", use="signing")
            ki = etree.SubElement(kd, f"{{{NS['ds']}}}KeyInfo")
            xd = etree.SubElement(ki, f"{{{NS['ds']}}}X509Data")
            etree.SubElement(xd, f"{{{NS['ds']}}}X509Certificate").text = cert_body(path)
            first_key.addnext(kd)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()

    # ---- responses ---------------------------------------------------------

    def identity(self, roles, session_name="alice", tags=None, transitive=None, session_duration=None, extra=None):
        ident = {}
        if roles is not None:
            ident[ROLE_ATTR] = [r if isinstance(r, str) else f"{r[0]},{r[1]}" for r in roles]
        if session_name is not None:
            ident[SESSION_NAME_ATTR] = [session_name]
        if session_duration is not None:
            ident[SESSION_DURATION_ATTR] = [str(session_duration)]
        for k, v in (tags or {}).items():
            ident[TAG_ATTR_PREFIX + k] = [v]
        if transitive:
            ident[TRANSITIVE_ATTR] = list(transitive)
        ident.update(extra or {})
        return ident

    def response(self, roles, email="alice@corp.example", session_name="alice", tags=None, transitive=None,
                 session_duration=None, extra_attributes=None, name_id_format=NAMEID_FORMAT_EMAILADDRESS,
                 sign_response=True, sign_assertion=False, mutate=None, sha1=False):
        """A samlp:Response (XML text). `roles`: list of (role ARN, provider ARN) or raw 'a,b' strings.

        With `mutate`, pysaml2 builds the response unsigned, `mutate(root)` edits the lxml tree
        (times, audience, ...), and then pysaml2 signs what the flags ask for.
        """
        ident = self.identity(roles, session_name, tags, transitive, session_duration, extra_attributes)
        name_id = NameID(format=name_id_format, text=email) if name_id_format else NameID(text=email)
        algs = {} if sha1 else {"sign_alg": self.sign_alg, "digest_alg": DIGEST_SHA256}
        if mutate is None and not self.elliptic:
            return str(self.server.create_authn_response(
                ident, in_response_to=None, destination=self.acs_url, sp_entity_id=self.acs_url,
                name_id=name_id, authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
                sign_response=sign_response, sign_assertion=sign_assertion, **algs))
        unsigned = str(self.server.create_authn_response(
            ident, in_response_to=None, destination=self.acs_url, sp_entity_id=self.acs_url,
            name_id=name_id, authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_response=False, sign_assertion=False))
        root = etree.fromstring(unsigned.encode())
        if mutate is not None:
            mutate(root)
        return self.sign(etree.tostring(root).decode(), sign_response, sign_assertion, sha1=sha1)

    def sign(self, xml, sign_response=True, sign_assertion=False, sha1=False, key_path=None):
        """Sign the (first) Assertion and/or the Response of `xml` with pysaml2 + xmlsec1."""
        sign_alg, digest_alg = (None, None) if sha1 else (self.sign_alg, DIGEST_SHA256)
        if sign_assertion:
            root = etree.fromstring(xml.encode())
            assertion = root.find("saml:Assertion", NS)
            self._insert_template(assertion, sign_alg, digest_alg)
            xml = self.server.sec.sign_statement(etree.tostring(root).decode(), ASSERTION_NODE,
                                                 key_file=key_path, node_id=assertion.get("ID"))
        if sign_response:
            root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
            self._insert_template(root, sign_alg, digest_alg)
            xml = self.server.sec.sign_statement(etree.tostring(root).decode(), RESPONSE_NODE,
                                                 key_file=key_path, node_id=root.get("ID"))
        return xml if isinstance(xml, str) else xml.decode()

    def _insert_template(self, element, sign_alg, digest_alg):
        """A ds:Signature template right after the element's Issuer, as the schema places it."""
        kwargs = {"public_key": cert_body(self.cert_path)}
        if sign_alg:
            kwargs.update(sign_alg=sign_alg, digest_alg=digest_alg)
        template = etree.fromstring(str(pre_signature_part(element.get("ID"), **kwargs)).encode())
        issuer = element.find("saml:Issuer", NS)
        if issuer is not None:
            issuer.addnext(template)
        else:
            element.insert(0, template)


# ---- small tree helpers shared by tests and mutations ------------------------

def assertion_of(root):
    return root.find("saml:Assertion", NS)


def set_times(root, not_before=None, not_on_or_after=None, issue_instant=None):
    """Rewrite the Conditions / bearer confirmation times (datetime, UTC) of the first assertion."""
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    a = assertion_of(root)
    cond = a.find("saml:Conditions", NS)
    scd = a.find("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", NS)
    if not_before is not None:
        cond.set("NotBefore", not_before.strftime(fmt))
    if not_on_or_after is not None:
        cond.set("NotOnOrAfter", not_on_or_after.strftime(fmt))
        scd.set("NotOnOrAfter", not_on_or_after.strftime(fmt))
    if issue_instant is not None:
        root.set("IssueInstant", issue_instant.strftime(fmt))
        a.set("IssueInstant", issue_instant.strftime(fmt))
        authn = a.find("saml:AuthnStatement", NS)
        if authn is not None:
            authn.set("AuthnInstant", issue_instant.strftime(fmt))


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
