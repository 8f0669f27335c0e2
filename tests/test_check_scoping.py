"""Issue 20, item 1: `netref check` follows Python's own scoping rules on code it has never seen.

Each case is a pattern from real projects' compatibility code (six-era try/except shims, aliases,
star imports, conditional imports, subclasses of stdlib classes). The cases in the ``FIXED`` tables
fail on the tree before this change (each was run against it); the ``STILL_QUIET`` ones hold the
precision the fixes must keep.
"""

from __future__ import annotations

import pytest

from netref.catalog import load_catalog
from netref.check import make_rules
from netref.check.scanner import scan_bytes

CATALOG = load_catalog()


def found(source: str, target: tuple[int, int], prefilter: bool = True) -> list[tuple[int, str]]:
    rules = make_rules(CATALOG, target)
    return [(f.line, f.code) for f in scan_bytes(source.encode(), "t.py", rules, prefilter=prefilter).findings]


def messages(source: str, target: tuple[int, int]) -> list[str]:
    rules = make_rules(CATALOG, target)
    return [f"{f.code} {f.message}" for f in scan_bytes(source.encode(), "t.py", rules).findings]


# -- guard scope: a function body runs when called, not where it is defined ------------------------------

GUARD_SCOPE = [
    # a client class defined inside the try of a cStringIO fallback; its method imports urllib2 when called
    (
        "try:\n"
        "    from cStringIO import StringIO\n"
        "    class Client(object):\n"
        "        def fetch(self, url):\n"
        "            import urllib2\n"
        "            return urllib2.urlopen(url)\n"
        "except ImportError:\n"
        "    from io import StringIO\n",
        [(5, "NR101"), (6, "NR104")],
    ),
    # ssl.wrap_socket inside a function defined in a try: the ImportError guard has finished by the call
    (
        "import ssl\n"
        "try:\n"
        "    import json\n"
        "    def wrap(sock):\n"
        "        return ssl.wrap_socket(sock)\n"
        "except ImportError:\n"
        "    json = None\n",
        [(5, "NR112")],
    ),
    # a lambda is a function too
    (
        "import ssl\ntry:\n    wrap = lambda s: ssl.wrap_socket(s)\nexcept AttributeError:\n    wrap = None\n",
        [(3, "NR112")],
    ),
]


@pytest.mark.parametrize(("source", "expected"), GUARD_SCOPE)
def test_an_import_or_use_inside_a_def_is_not_guarded_by_a_try_around_the_definition(source, expected):
    for prefilter in (True, False):
        assert found(source, (3, 13), prefilter) == expected


def test_a_function_local_import_under_a_dead_handler_is_not_said_to_silently_disappear():
    # the try's own import (json) exists, so its handler never runs; urllib2 fails when post() is called
    source = "try:\n    import json\n    def post(url):\n        import urllib2\nexcept ImportError:\n    json = None\n"
    assert messages(source, (3, 13)) == [
        "NR101 urllib2 was renamed in Python 3.0 (PEP 3108): use urllib.request",
    ]


# -- stand-ins: a handler that defines the name is a shim --------------------------------------------------

STAND_INS = [
    # mechanize-style: a class of its own in place of the Python 2 module's
    "try:\n    from rfc822 import Message\nexcept ImportError:\n    class Message(object):\n        pass\n",
    # a function of its own
    "try:\n    from urllib import quote\nexcept ImportError:\n    def quote(s, safe='/'):\n        return s\n",
    # an assignment from the Python 3 home
    "import urllib.parse\ntry:\n    from urlparse import urljoin\nexcept ImportError:\n"
    "    urljoin = urllib.parse.urljoin\n",
    # on one line
    "import urllib.parse\ntry:\n    from urllib import unquote\nexcept ImportError: unquote = urllib.parse.unquote\n",
    # from ... import * in the handler: it may bind anything
    "try:\n    from urllib import urlencode, quote\nexcept ImportError:\n    from urllib.parse import *\n",
]


@pytest.mark.parametrize("source", STAND_INS)
def test_a_handler_that_defines_a_replacement_under_the_same_name_is_a_shim(source):
    assert found(source, (3, 13)) == []


def test_a_handler_that_sets_the_name_to_none_still_loses_the_feature():
    source = "try:\n    import telnetlib\nexcept ImportError:\n    telnetlib = None\n"
    (message,) = messages(source, (3, 13))
    assert message.startswith("NR103 telnetlib was removed") and "silently disappears" in message


def test_a_stand_in_defined_inside_a_function_of_the_handler_binds_nothing_there():
    source = (
        "try:\n    from rfc822 import Message\nexcept ImportError:\n    def make():\n"
        "        Message = dict\n        return Message\n"
    )
    assert found(source, (3, 13)) == [(2, "NR103")]


# -- guarded API imports: a guard that hides a removal is NR114 -------------------------------------------

HIDDEN = [
    ("try:\n    from ssl import match_hostname\nexcept ImportError:\n    pass\n", [(2, "NR114")]),
    ("try:\n    from ssl import wrap_socket\nexcept ImportError:\n    wrap_socket = None\n", [(2, "NR114")]),
    # an alias: the name the code uses is what goes missing
    (
        "try:\n    from ssl import match_hostname as check\nexcept (ImportError, AttributeError):\n    HAS = False\n",
        [(2, "NR114")],
    ),
    # a bare except guards it just the same
    ("try:\n    import os\n    from ssl import wrap_socket\nexcept:\n    pass\n", [(3, "NR114")]),
]
SHIMS = [
    # the backport under the same name (websocket-client, requests)
    "try:\n    from ssl import match_hostname\nexcept ImportError:\n"
    "    from backports.ssl_match_hostname import match_hostname\n",
    # a function of its own
    "try:\n    from ssl import match_hostname\nexcept ImportError:\n    def match_hostname(cert, host):\n"
    "        raise ValueError(host)\n",
    # a handler that raises makes the failure loud
    "try:\n    from ssl import wrap_socket\nexcept ImportError:\n    raise SystemExit('needs ssl.wrap_socket')\n",
    # a star import may bind it
    "try:\n    from ssl import wrap_socket\nexcept ImportError:\n    from .compat import *\n",
]


@pytest.mark.parametrize(("source", "expected"), HIDDEN)
def test_a_guard_that_hides_a_removed_api_is_its_own_finding(source, expected):
    for prefilter in (True, False):
        assert found(source, (3, 12), prefilter) == expected


@pytest.mark.parametrize("source", SHIMS)
def test_a_guard_with_a_replacement_or_a_raise_is_a_shim(source):
    assert found(source, (3, 13)) == []


def test_nr114_says_what_goes_missing_and_what_to_use():
    source = "try:\n    from ssl import match_hostname\nexcept ImportError:\n    pass\n"
    assert messages(source, (3, 12)) == [
        "NR114 ssl.match_hostname was removed in Python 3.12; its `except ImportError` binds no replacement, "
        "so on Python 3.12 `match_hostname` is silently missing: use ssl.SSLContext.check_hostname"
    ]
    assert found(source, (3, 11)) == []  # deprecated there: the import succeeds, the guard hides nothing


# -- calls resolved through subclasses of the API's class ---------------------------------------------------

SUBCLASSES = [
    # urllib3/boto-style: the base's __init__ called by name
    (
        "from http.client import HTTPSConnection\n"
        "class Verified(HTTPSConnection):\n"
        "    def __init__(self, host, key_file=None, cert_file=None):\n"
        "        HTTPSConnection.__init__(self, host, key_file=key_file, cert_file=cert_file)\n",
        [(4, "NR113")],
    ),
    # through the module, behind a try/except ImportError whose Python 2 handler never runs
    (
        "try:\n    import http.client as httplib\nexcept ImportError:\n    import httplib\n"
        "class Conn(httplib.HTTPSConnection):\n"
        "    def __init__(self, host, **kw):\n"
        "        httplib.HTTPSConnection.__init__(self, host, key_file=kw.get('key'))\n",
        [(7, "NR113")],
    ),
    # super()
    (
        "import http.client\n"
        "class Conn(http.client.HTTPSConnection):\n"
        "    def __init__(self, host, key):\n"
        "        super().__init__(host, key_file=key)\n",
        [(4, "NR113")],
    ),
    (
        "import smtplib\n"
        "class Mail(smtplib.SMTP_SSL):\n"
        "    def __init__(self, host, key):\n"
        "        super(Mail, self).__init__(host, keyfile=key)\n",
        [(4, "NR113")],
    ),
    # an inherited method through self
    (
        "import smtplib\nclass Mail(smtplib.SMTP):\n    def secure(self, k):\n        self.starttls(keyfile=k)\n",
        [(4, "NR113")],
    ),
    # a subclass without an __init__ of its own, called
    (
        "import http.client\nclass Conn(http.client.HTTPSConnection):\n    pass\nConn('h', key_file='k')\n",
        [(4, "NR113")],
    ),
]
SUBCLASSES_QUIET = [
    # its own __init__ takes the keyword (and does not pass it on)
    "import http.client\nclass Conn(http.client.HTTPSConnection):\n    def __init__(self, h, key_file=None):\n"
    "        super().__init__(h)\nConn('h', key_file='k')\n",
    # its own starttls
    "import smtplib\nclass Mail(smtplib.SMTP):\n    def starttls(self, keyfile=None):\n        pass\n"
    "    def secure(self, k):\n        self.starttls(keyfile=k)\n",
    # two bases: the mixin may define anything
    "import smtplib\nclass Mail(Mixin, smtplib.SMTP):\n    def secure(self, k):\n        self.starttls(keyfile=k)\n",
    # a staticmethod's first parameter is no instance
    "import smtplib\nclass Mail(smtplib.SMTP):\n    @staticmethod\n"
    "    def secure(s, k):\n        s.starttls(keyfile=k)\n",
]


@pytest.mark.parametrize(("source", "expected"), SUBCLASSES)
def test_keywords_passed_through_a_subclass_are_found(source, expected):
    for prefilter in (True, False):
        assert found(source, (3, 12), prefilter) == expected


@pytest.mark.parametrize("source", SUBCLASSES_QUIET)
def test_a_subclass_that_defines_the_name_itself_is_not_the_api(source):
    assert found(source, (3, 12)) == []


# -- rebinding: the bindings that run on the target are the ones followed -----------------------------------

REBINDING = [
    # one `ssl = None` in an ImportError handler silenced every ssl finding of the file
    (
        "try:\n    import ssl\nexcept ImportError:\n    ssl = None\n\ndef wrap(s):\n    return ssl.wrap_socket(s)\n",
        [(7, "NR112")],
    ),
    (
        "try:\n    import ssl\n    HAS_SSL = True\nexcept ImportError:\n    ssl = None\n    HAS_SSL = False\n"
        "if HAS_SSL:\n    ctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)\n",
        [(8, "NR111")],
    ),
    # a conditional import: the Python 2 branch never runs on the target
    (
        "import sys\nif sys.version_info[0] >= 3:\n    import http.client as httplib\nelse:\n    import httplib\n"
        "httplib.HTTPSConnection(h, key_file=k)\n",
        [(6, "NR113")],
    ),
    # six-style flags
    (
        "import six\nif six.PY2:\n    import httplib\nelse:\n    from http import client as httplib\n"
        "httplib.HTTPSConnection(h, cert_file=c)\n",
        [(6, "NR113")],
    ),
    # the Python 2 side in the try body: on the target, the handler's binding is the one that runs
    (
        "try:\n    import httplib\nexcept ImportError:\n    import http.client as httplib\n"
        "httplib.HTTPSConnection(h, key_file=k)\n",
        [(5, "NR113")],
    ),
    (
        "try:\n    from httplib import HTTPSConnection\nexcept ImportError:\n"
        "    from http.client import HTTPSConnection\nHTTPSConnection(h, key_file=k)\n",
        [(5, "NR113")],
    ),
]
REBINDING += [
    # urllib3's contrib/pyopenssl.py: setting an item binds no name (``ssl`` is only read in ``d[ssl.X]``)
    (
        "import ssl\nversions = {}\nversions[ssl.PROTOCOL_SSLv23] = 1\nTLS1 = ssl.PROTOCOL_TLSv1\n",
        [(3, "NR111"), (4, "NR111")],
    ),
    # urllib3's test_util.py: a decorator is part of the definition it decorates, above its ``def`` line
    (
        "import ssl\nimport pytest\nclass TestTLS:\n    @pytest.mark.parametrize('v', [ssl.PROTOCOL_TLSv1])\n"
        "    def test_version(self, v):\n        pass\n",
        [(4, "NR111")],
    ),
]
REBINDING += [
    # getattr(module, "name") without a default is the attribute itself: an AttributeError where it is gone
    ("import ssl\n_wrap = getattr(ssl, 'wrap_socket')\n", [(2, "NR112")]),
    ('import ssl as _ssl\ndef wrap(s):\n    return getattr(_ssl, "wrap_socket")(s)\n', [(3, "NR112")]),
]
REBINDING_QUIET = [
    # the handler runs where ssl is missing, so ssl may be None: the code tests for it
    "try:\n    import ssl\nexcept ImportError:\n    ssl = None\nwrap = getattr(ssl, 'wrap_socket', None)\n",
    # getattr in a feature test
    "import ssl\nif hasattr(ssl, 'wrap_socket'):\n    wrap = getattr(ssl, 'wrap_socket')\n",
    # a rebinding that does run: nothing certain
    "import ssl\nssl = load_ssl()\nssl.wrap_socket(s)\n",
    # a third-party module in the try: netref cannot say which side runs
    "try:\n    import gevent.ssl as ssl\nexcept ImportError:\n    import ssl\nssl.wrap_socket(s)\n",
]


@pytest.mark.parametrize(("source", "expected"), REBINDING)
def test_names_are_followed_as_the_interpreter_binds_them_on_the_target(source, expected):
    for prefilter in (True, False):
        assert found(source, (3, 13), prefilter) == expected


@pytest.mark.parametrize("source", REBINDING_QUIET)
def test_bindings_that_may_run_keep_a_name_unresolved(source):
    assert found(source, (3, 13)) == []


# -- wording: deprecated in the docs since 3.6, warning from 3.10 -------------------------------------------


@pytest.mark.parametrize(
    ("constant", "target", "says"),
    [
        ("PROTOCOL_SSLv23", (3, 12), "is deprecated since Python 3.6 (it warns from 3.10)"),
        ("PROTOCOL_TLSv1", (3, 8), "is deprecated since Python 3.6 (it warns from 3.10)"),
        ("PROTOCOL_TLSv1_2", (3, 11), "is deprecated since Python 3.6 (it warns from 3.10)"),
        ("PROTOCOL_TLS", (3, 12), "is deprecated since Python 3.10 (it warns)"),
    ],
)
def test_a_constant_deprecated_before_it_warns_says_both(constant, target, says):
    (message,) = messages(f"import ssl\nssl.SSLContext(ssl.{constant})\n", target)
    assert message.startswith(f"NR111 ssl.{constant} {says}: use ssl.PROTOCOL_TLS_CLIENT")


# -- found on the second set of real projects (benchmarks/check_realworld.py) --------------------------------


def test_a_flag_tested_for_with_hasattr_is_still_the_flag():
    # websocket-client 0.57.0, _handshake.py
    source = (
        "import six\nif hasattr(six, 'PY3') and six.PY3:\n    from http import client as HTTPStatus\n"
        "else:\n    import httplib as HTTPStatus\n"
    )
    assert found(source, (3, 13)) == []
    assert found(source, (2, 7)) == []  # and the if-branch is dead there (http.client would be NR105)


def test_an_import_under_hasattr_of_a_rebound_module_name_is_a_feature_test():
    # websocket-client 0.57.0, _ssl_compat.py: `ssl = lambda: None` in the handler leaves `ssl` unresolved
    source = (
        "try:\n    import ssl\n    from backports import thing\n    if hasattr(ssl, 'match_hostname'):\n"
        "        from ssl import match_hostname\nexcept ImportError:\n    ssl = lambda: None\n"
    )
    assert found(source, (3, 13)) == []


def test_send_on_an_object_made_by_a_module_that_hands_out_no_sockets_is_not_nr201():
    # websocket-client 0.57.0, tests: a WebSocket's send takes str
    websocket = (
        "import socket\nimport websocket as ws\ndef test():\n    s = ws.create_connection(url)\n    s.send('Hi')\n"
    )
    assert found(websocket, (3, 13)) == []
    sock = "import socket\nimport websocket as ws\ndef test():\n    s = socket.create_connection(a)\n    s.send('Hi')\n"
    assert found(sock, (3, 13)) == [(5, "NR201")]
