"""The catalogue commands' own options and arguments: list, port, show, module, matrix.

Each section is one command's; what several commands share is in netref.options.
"""

from __future__ import annotations

from typing import Annotated

from netref.options import (
    argument,
    complete_modules,
    complete_modules_and_protocols,
    complete_protocols,
    complete_statuses,
    complete_transports,
    deprecated,
    option,
    version_option,
)

# -- list -------------------------------------------------------------------------------------------

StatusOption = Annotated[
    str | None, option("--status", metavar="STATUS", autocompletion=complete_statuses,
                       help="Only protocols with a module of this status: current, renamed, deprecated, removed,"
                       " not-yet."),
]  # fmt: skip
TlsOption = Annotated[bool, option("--tls", help="Only protocols that can run over TLS (implicit or upgraded).")]
TutorialOption = Annotated[bool, option("--tutorial", help="Only the tutorial table's own rows.")]


# -- port, show, module -----------------------------------------------------------------------------

PortArgument = Annotated[
    str, argument("PORT", "A port, 0-65535 (53/udp, U:53: one transport), or a service name (smtp, as getent"
                  " services).", complete_protocols),
]  # fmt: skip
TransportOption = Annotated[
    str | None, option("--transport", metavar="tcp|udp", autocompletion=complete_transports,
                       help="Transport protocol (default: both)."),
]  # fmt: skip
OldTransportOption = Annotated[str | None, deprecated("port", "-t")]
ProtocolArgument = Annotated[
    str, argument("PROTOCOL", "A protocol key or alias: smtp, imap4, https, socket, ...", complete_protocols)
]
ModuleArgument = Annotated[
    str, argument("MODULE", "A module name, Python 2 or 3, any case: httplib, telnetlib, http.client ...; or one of"
                  " its functions, classes, constants or parameters: ssl.wrap_socket, urllib.urlencode,"
                  " smtplib.SMTP.starttls(keyfile)", complete_modules),
]  # fmt: skip


# -- matrix -----------------------------------------------------------------------------------------

MatrixArgument = Annotated[
    list[str] | None, argument("[MODULE|PROTOCOL]...", "Modules, or protocol keys for their modules (default: the"
                               " tutorial's modules and their successors).", complete_modules_and_protocols),
]  # fmt: skip
AllOption = Annotated[bool, option("--all", help="Every module in the catalogue.")]
FromOption = Annotated[str | None, version_option("--from", "First Python version shown (default 2.7).")]
ToOption = Annotated[
    str | None, version_option("--to", "Last Python version shown (default: the newest one catalogued).")
]
