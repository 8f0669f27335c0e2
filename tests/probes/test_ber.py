"""netref.probes.ber: encodings checked against X.690's rules and published byte strings, and
hostile encodings (indefinite, overlong, truncated, too deep, non-minimal) refused."""

from __future__ import annotations

import pytest

from netref.probes import ber
from netref.probes.ber import BerError, Class, Truncated

# An LDAP searchRequest for the RootDSE as RFC 4511 §4.5.1 defines it, written out by hand
# from the ASN.1 (messageID 1, baseObject "", scope baseObject, derefAliases never, sizeLimit
# 0, timeLimit 0, typesOnly FALSE, filter (objectClass=*), attributes "+" and "*").
ROOTDSE_REQUEST = bytes.fromhex(
    "302b"  # LDAPMessage
    "020101"  # messageID 1
    "6326"  # [APPLICATION 3] SearchRequest
    "0400"  # baseObject ""
    "0a0100"  # scope baseObject
    "0a0100"  # derefAliases neverDerefAliases
    "020100"  # sizeLimit 0
    "020100"  # timeLimit 0
    "010100"  # typesOnly FALSE
    "870b6f626a656374436c617373"  # filter present [7] "objectClass"
    "3006"
    "04012b"
    "04012a"  # attributes "+", "*"
)


def test_encoders_build_the_rootdse_request_byte_for_byte() -> None:
    request = ber.sequence(
        [
            ber.integer(1),
            ber.sequence(
                [
                    ber.octet_string(b""),
                    ber.enumerated(0),
                    ber.enumerated(0),
                    ber.integer(0),
                    ber.integer(0),
                    ber.boolean(False),
                    ber.octet_string("objectClass", tag=(Class.CONTEXT, 7)),
                    ber.sequence([ber.octet_string("+"), ber.octet_string("*")]),
                ],
                tag=(Class.APPLICATION, 3),
            ),
        ]
    )
    assert request == ROOTDSE_REQUEST


def test_decoder_walks_the_rootdse_request() -> None:
    message = ber.decode(ROOTDSE_REQUEST).expect(ber.SEQUENCE)
    message_id, search = message.children
    assert message_id.integer() == 1
    assert search.tag() == (Class.APPLICATION, 3) and search.constructed
    base, scope, deref, size, time, types_only, present, attributes = search.children
    assert base.octets() == b"" and scope.integer() == 0 and deref.is_(ber.ENUMERATED)
    assert (size.integer(), time.integer(), types_only.boolean()) == (0, 0, False)
    assert present.tag() == (Class.CONTEXT, 7) and present.text() == "objectClass"
    assert [item.text() for item in attributes.children] == ["+", "*"]


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, "020100"),
        (127, "02017f"),
        (128, "02020080"),  # X.690 §8.3: a positive value whose top bit is set needs a 0x00
        (256, "02020100"),
        (-1, "0201ff"),
        (-128, "020180"),
        (-129, "0202ff7f"),
        (2**31, "02050080000000"),
    ],
)
def test_integers_are_minimal_twos_complement(value: int, encoded: str) -> None:
    assert ber.integer(value).hex() == encoded
    assert ber.decode(bytes.fromhex(encoded)).integer() == value


@pytest.mark.parametrize(
    ("dotted", "encoded"),
    # The encodings as `openssl asn1parse -genstr OID:<dotted>` writes them (OpenSSL 3).
    [
        ("1.3.6.1.4.1.1466.20037", "060a2b060104018b3a819c45"),  # LDAP StartTLS (RFC 4511)
        ("1.3.6.1.2.1.1.1.0", "06082b06010201010100"),  # SNMP sysDescr.0 (RFC 1213)
        ("2.999.3", "0603883703"),  # X.690 §8.19.5's example
    ],
)
def test_object_identifiers_round_trip(dotted: str, encoded: str) -> None:
    assert ber.oid(dotted).hex() == encoded
    assert ber.decode(bytes.fromhex(encoded)).oid() == dotted


def test_lengths_and_tags_in_their_long_forms() -> None:
    content = b"x" * 300
    encoded = ber.octet_string(content)
    assert encoded[:4] == bytes.fromhex("0482012c")
    assert ber.decode(encoded).octets() == content
    high = ber.encode(Class.CONTEXT, False, 200, b"")
    assert high == bytes.fromhex("9f814800")
    assert ber.decode(high).tag() == (Class.CONTEXT, 200)


def test_a_non_minimal_long_form_length_is_accepted_as_ber_allows() -> None:
    # Active Directory writes every length as 0x84 + four octets (X.690 §8.1.3.5 allows it).
    element = ber.decode(bytes.fromhex("308400000003020105"))
    assert element.children[0].integer() == 5


def test_null_boolean_and_unsigned() -> None:
    ber.decode(ber.null()).null()  # raises on anything but an empty NULL
    assert ber.decode(ber.boolean(True)).boolean() is True
    assert ber.decode(bytes.fromhex("010101")).boolean() is True  # any non-zero octet is TRUE in BER
    counter = ber.integer(4294967295, tag=(Class.APPLICATION, 1))  # SNMP Counter32 at its top
    assert ber.decode(counter).unsigned() == 4294967295
    with pytest.raises(BerError, match="negative"):
        ber.decode(ber.integer(-1)).unsigned()


def test_decode_prefix_and_decode_all_walk_a_stream() -> None:
    stream = ber.integer(1) + ber.octet_string(b"ab") + ber.null()
    element, end = ber.decode_prefix(stream)
    assert element.integer() == 1 and end == 3
    assert [item.tag() for item in ber.decode_all(stream)] == [
        (Class.UNIVERSAL, ber.INTEGER),
        (Class.UNIVERSAL, ber.OCTET_STRING),
        (Class.UNIVERSAL, ber.NULL),
    ]


def test_element_size_tells_a_reader_how_much_to_wait_for() -> None:
    encoded = ber.octet_string(b"y" * 1000)
    assert ber.element_size(encoded[:1]) is None  # header incomplete
    assert ber.element_size(encoded[:3]) is None  # inside the long-form length
    assert ber.element_size(encoded[:4]) == len(encoded)
    with pytest.raises(BerError, match="exceeds the limit"):
        ber.element_size(encoded[:4], max_length=999)
    with pytest.raises(BerError, match="indefinite"):
        ber.element_size(b"\x30\x80")


def test_expect_names_what_was_found() -> None:
    with pytest.raises(BerError, match=r"expected SEQUENCE, found INTEGER"):
        ber.decode(ber.integer(3)).expect(ber.SEQUENCE)
    with pytest.raises(BerError, match=r"expected BindResponse, found \[APPLICATION 5\]"):
        ber.decode(ber.sequence([], tag=(Class.APPLICATION, 5))).expect(1, Class.APPLICATION, "BindResponse")


# ------------------------------------------------------------------ hostile encodings


@pytest.mark.parametrize(
    ("hexed", "why"),
    [
        ("3080020101 0000", "indefinite length"),
        ("30ff", "reserved length octet"),
        ("3085 0000000001 00", "length field of 5 octets"),
        ("3084 7fffffff", "exceeds the limit"),  # 2 GiB announced: refused before any buffering
        ("02", "the bytes end before"),
        ("0201", "element of 1 bytes, 0 present"),
        ("020300", "element of 3 bytes, 1 present"),
        ("308202", "inside the length"),
        ("1f", "inside the tag"),
        ("9f8048 00", "leading 0x80"),
        ("9f1e00", "high-tag form"),  # 30 fits the low form
        ("9f8181818101 00", "longer than 4 octets"),
        ("0200", "no content"),
        ("02020001", "not minimally encoded"),
        ("0202ff80", "not minimally encoded"),
        ("0102ffff", "BOOLEAN of 2 octets"),
        ("050100", "NULL with 1 content"),
        ("06022b86", "ends inside a subidentifier"),
        ("0603 2b8001", "leading 0x80"),
        ("0600", "no content"),
        ("2403 040100", "constructed OCTET STRING"),  # legal BER, forbidden by LDAP and SNMP
        ("1000", "primitive SEQUENCE"),
        ("3003 020201", "overruns its parent"),
        ("3003 020101 00", "bytes after the element"),
    ],
)
def test_hostile_encodings_are_refused_with_a_reason(hexed: str, why: str) -> None:
    data = bytes.fromhex(hexed.replace(" ", ""))
    with pytest.raises(BerError, match=why) as caught:
        element = ber.decode(data)
        element.integer() if element.is_(ber.INTEGER) else None
        element.boolean() if element.is_(ber.BOOLEAN) else None
        element.null() if element.is_(ber.NULL) else None
        element.oid() if element.is_(ber.OID) else None
    assert "\n" not in str(caught.value)


def test_truncation_is_told_apart_from_malformation() -> None:
    whole = ber.sequence([ber.integer(1), ber.octet_string(b"abc")])
    for cut in range(len(whole)):
        with pytest.raises(Truncated):
            ber.decode(whole[:cut])
    with pytest.raises(BerError) as caught:
        ber.decode(bytes.fromhex("3080"))
    assert not isinstance(caught.value, Truncated)


def test_nesting_is_bounded() -> None:
    deep = b""
    for _ in range(40):
        deep = ber.sequence([deep])
    with pytest.raises(BerError, match="nested too deeply"):
        ber.decode(deep)
    assert ber.decode(deep, max_depth=41).constructed


def test_a_huge_integer_is_refused_not_converted() -> None:
    with pytest.raises(BerError, match="at most 32"):
        ber.decode(b"\x02\x40\x01" + b"\x00" * 63).integer()


def test_strings_decode_leniently_but_primitives_are_checked() -> None:
    assert ber.decode(ber.octet_string(b"\xff\xfe")).text() == "\\xff\\xfe"
    with pytest.raises(BerError, match="constructed SEQUENCE where a string"):
        ber.decode(ber.sequence([])).octets()


def test_encoders_refuse_what_cannot_be_encoded() -> None:
    for bad in ("", "1", "3.1", "1.40", "1.x", "1.-2"):
        with pytest.raises(ValueError, match="not an object identifier"):
            ber.oid(bad)
    with pytest.raises(ValueError, match="negative tag"):
        ber.encode(Class.CONTEXT, False, -1, b"")
