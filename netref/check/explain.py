"""``netref check --explain CODE``: what a code finds, why it matters, an example and its fix.

As ``ruff rule CODE`` and ``ruff check --explain``, the text is the code's documentation, kept
next to the code table (a test checks that every code in :data:`netref.check.codes.CODES` has one,
and that each example is reported with its code and each fix is not).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Explanation:
    finds: str
    why: str
    example: str  # a file that is reported with this code (for the target named in ``target``)
    fix: str  # the same file, fixed: not reported with this code
    target: str = "3.13"


EXPLANATIONS: dict[str, Explanation] = {
    "NR101": Explanation(
        "An import of a module under its Python 2 name, renamed in Python 3.0 by PEP 3108 (httplib, urllib2, "
        "SocketServer, ...).",
        "The old name does not exist on Python 3: the import raises ModuleNotFoundError.",
        "import httplib\nconnection = httplib.HTTPConnection('example.org')\n",
        "import http.client\nconnection = http.client.HTTPConnection('example.org')\n",
    ),
    "NR102": Explanation(
        "An import of a module that is deprecated on the target Python (documented as deprecated, or warning "
        "on import), such as the PEP 594 modules telnetlib and nntplib on 3.11 and 3.12.",
        "A deprecated module is removed a few releases later; code that imports it stops working then.",
        "import telnetlib\n",
        "import socket\n",
        "3.12",
    ),
    "NR103": Explanation(
        "An import of a module that is gone on the target Python (removed by PEP 594 or PEP 3108).",
        "The import raises ModuleNotFoundError on the target; the message names the replacement and the PyPI "
        "backport, where there is one.",
        "import asyncore\n",
        "import asyncio\n",
    ),
    "NR104": Explanation(
        "A Python 2 attribute of urllib or urllib2 (urllib.urlopen, urllib2.HTTPError, urllib.quote, ...) "
        "that lives in another module on Python 3.",
        "On Python 3 the attribute is not there: an AttributeError, or an ImportError for `from urllib import "
        "urlencode`.",
        "from urllib import urlencode\nquery = urlencode({'q': 'netref'})\n",
        "from urllib.parse import urlencode\nquery = urlencode({'q': 'netref'})\n",
    ),
    "NR105": Explanation(
        "An import of a module that does not exist yet on the target Python (http.client on 2.7).",
        "The import fails on the target: the code needs the older name there, or a newer target.",
        "import http.client\n",
        "import httplib\n",
        "2.7",
    ),
    "NR111": Explanation(
        "A use of a function, class, constant, method or keyword argument that is deprecated on the target "
        "Python (from the catalogue's API entries: `netref module ssl`).",
        "It warns, or is documented to go; it is removed a few releases later.",
        "import ssl\ncontext = ssl.SSLContext(ssl.PROTOCOL_TLS)\n",
        "import ssl\ncontext = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n",
        "3.11",
    ),
    "NR112": Explanation(
        "A use of a function, class, constant or method that is removed on the target Python.",
        "The name is gone: an AttributeError, or an ImportError for `from ssl import wrap_socket`.",
        "import socket, ssl\nsock = ssl.wrap_socket(socket.socket())\n",
        "import socket, ssl\ncontext = ssl.create_default_context()\n"
        "sock = context.wrap_socket(socket.socket(), server_hostname='example.org')\n",
    ),
    "NR113": Explanation(
        "A keyword argument that the target Python no longer accepts (keyfile=, certfile= of smtplib's "
        "starttls on 3.12).",
        "The call raises TypeError on the target.",
        "import smtplib\nsmtplib.SMTP('localhost').starttls(keyfile='k.pem', certfile='c.pem')\n",
        "import smtplib, ssl\ncontext = ssl.create_default_context()\ncontext.load_cert_chain('c.pem', 'k.pem')\n"
        "smtplib.SMTP('localhost').starttls(context=context)\n",
    ),
    "NR114": Explanation(
        "An import of a removed function, class or constant inside `try:` whose `except ImportError:` binds "
        "no replacement and raises nothing (`except ImportError: pass`, or `name = None`).",
        "The guard hides the removal: on the target the import fails silently, and the code that uses the "
        "name later fails (a NameError, or a feature that quietly disappears).",
        "try:\n    from ssl import match_hostname\nexcept ImportError:\n    pass\n",
        "import ssl\ncontext = ssl.create_default_context()\nassert context.check_hostname\n",
    ),
    "NR201": Explanation(
        "A str literal passed to a socket's send, sendall or sendto, in a file that imports a socket module.",
        "Python 3 sockets send bytes: a str raises TypeError (the classic tutorial's Python 2 code does this).",
        "import socket\ns = socket.create_connection(('example.org', 80))\ns.sendall('HEAD / HTTP/1.0\\r\\n\\r\\n')\n",
        "import socket\ns = socket.create_connection(('example.org', 80))\ns.sendall(b'HEAD / HTTP/1.0\\r\\n\\r\\n')\n",
    ),
    "NR202": Explanation(
        "A statement that only names a method of a socket or file object (`s.close`) without calling it.",
        "Nothing happens: the socket stays open (another bug of the classic tutorial).",
        "import socket\ns = socket.socket()\ns.close\n",
        "import socket\ns = socket.socket()\ns.close()\n",
    ),
    "NR301": Explanation(
        "A file in Python 2 syntax (a print or exec statement, `except E, e:`, `raise E, 'text'`) that "
        "Python 3's compiler refuses.",
        "The file cannot run on Python 3 at all; its imports are still checked, but --fix leaves it alone "
        "until its syntax is ported.",
        "import socket\nprint 'connecting'\n",
        "import socket\nprint('connecting')\n",
    ),
    "NR401": Explanation(
        "Opt-in (--select NR401 or --extend-select NR401): compatibility code that cannot run on the target "
        "Python (the other branch of a version test, a try whose imports all fail there, an except ImportError "
        "whose try always succeeds).",
        "A codebase that has dropped old Pythons can delete it, as pyupgrade's outdated-version-block does.",
        "try:\n    from urllib2 import urlopen\nexcept ImportError:\n    from urllib.request import urlopen\n",
        "from urllib.request import urlopen\n",
    ),
    "NR900": Explanation(
        "A file that cannot be read (missing, a dangling link, no permission, a directory that cannot be "
        "listed) or that is binary (it holds a NUL byte), as ruff's E902.",
        "Nothing in it could be checked; a binary file named on the command line is not Python source.",
        "a\x00b\n",
        "import socket\n",
    ),
    "NR901": Explanation(
        "A file that does not parse (targets 3.7 and later), at the line and column where Python's parser stopped, "
        "as ruff's E999. Asked of every file named on the command line, and of a file found below a directory "
        "whose code leaves a bracket unclosed or holds a merge-conflict marker.",
        "The file cannot be imported or run; netref's other findings in it come from a lexical scan.",
        "import socket\naddress = ('example.org', 80\n",
        "import socket\naddress = ('example.org', 80)\n",
    ),
    "NR902": Explanation(
        "A file whose bytes are not valid in its encoding: not UTF-8 without a coding line saying otherwise "
        "(a Latin-1 file of the Python 2 era), or a coding line naming a codec Python does not know.",
        "Python refuses such a file (SyntaxError); netref read it as Latin-1 (or UTF-8) to check it, and "
        "--fix leaves it alone, since writing it back would change bytes no fix touches.",
        "# caf\xe9 (a Latin-1 byte)\nimport socket\n",
        "# -*- coding: latin-1 -*-\n# caf\xe9 (a Latin-1 byte)\nimport socket\n",
    ),
}


def explain(code: str) -> str:
    """The text ``--explain CODE`` prints. Raises ValueError (one line) for an unknown code."""
    from netref.check.codes import CODES

    key = code.strip().upper()
    if key not in CODES:
        raise ValueError(f"unknown code {code!r} (codes: {', '.join(CODES)})")
    declared, text = CODES[key], EXPLANATIONS[key]
    lines = [
        f"{key} ({declared.kind}): {declared.title}",
        "",
        "What it finds",
        f"  {text.finds}",
        "",
        "Why",
        f"  {text.why}",
        "",
        f"Example (reported for Python {text.target})",
    ]
    lines += [f"    {line}" for line in _shown(text.example).splitlines()]
    lines += ["", "Fix"] + [f"    {line}" for line in _shown(text.fix).splitlines()]
    return "\n".join(lines)


def _shown(source: str) -> str:
    """Source as it can be printed: a NUL byte or a Latin-1 character spelled out."""
    return source.replace("\x00", "\\x00").replace("\xe9", "\\xe9")
