"""The one interface every protocol family codes against, checked when a family is loaded.

A probe is split in two. The *core* (:mod:`netref.probes`, :mod:`~netref.probes.session`,
:mod:`~netref.probes.net`, :mod:`~netref.probes.tls`) resolves the name, connects, wraps
TLS, keeps the deadline and the memory bound, times the phases and turns every failure
into a verdict. A *family* module (``netref/probes/<family>.py``, the name comes from the
catalogue's ``Protocol.family``) only speaks the protocol: it is a :class:`Family`::

    def probe(session: Session) -> None:
        '''Greet, ask for capabilities, quit; fill session.result; raise ProbeFailure.'''

A family that can log in (only ftp: ``--user``) is a :class:`LoginFamily`: it also defines
``needs_password(user) -> bool`` (an anonymous login takes no secret); ``--user`` on any
other family is a usage error.

A family with options of its own (``dns``: ``--query``/``--type``; ``snmp``: ``--community``)
lists their :class:`~netref.probes.values.ProbeOptions` field names in a ``TAKES`` frozenset
(``transport`` there means it speaks UDP and TCP both) and may define
``check_options(options)``, which raises :class:`~netref.probes.values.ProbeUsageError` before
anything is sent: the core refuses such an option on every family that does not take it.

The family receives a :class:`~netref.probes.session.Session` whose socket is already
connected (and already TLS-wrapped for implicit-TLS protocols such as ``smtps``). It must
not open connections of its own, must not import a module the catalogue says is deprecated
or removed on the running Python (``session.module`` names what to speak through), and must
stay read-only: greet, ask capabilities, quit. What families share lives once, below them:
the stdlib client hooks in :mod:`~netref.probes.clients`, the shared verdicts and greeting
readers in :mod:`~netref.probes.replies`. A new protocol family is one new module plus its
catalogue entry.
"""

from __future__ import annotations

import importlib
import sys
import threading
from typing import TYPE_CHECKING, Protocol, cast, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover - typing only
    from netref.probes.session import Session
    from netref.probes.values import ProbeOptions


@runtime_checkable
class Family(Protocol):
    """A protocol family module: one ``probe`` that speaks the protocol on a session."""

    def probe(self, session: Session) -> None: ...


@runtime_checkable
class LoginFamily(Family, Protocol):
    """A family that can log in with ``--user``: it says whether a user needs a password."""

    def needs_password(self, user: str) -> bool: ...


class LoadedFamily:
    """A family module, checked once: what the core calls. Each call looks the function up
    on the module, so a family replaced at run time (a test's monkeypatch) is honoured."""

    __slots__ = ("_module", "logs_in", "name", "takes")

    def __init__(self, name: str, module: Family) -> None:
        self.name = name
        self._module = module
        #: Whether the family can log in (``--user``): it defines ``needs_password``.
        self.logs_in = isinstance(module, LoginFamily) and callable(module.needs_password)
        #: The family's own option fields (see the module's docstring).
        self.takes: frozenset[str] = frozenset(getattr(module, "TAKES", ()))

    def check_options(self, options: ProbeOptions) -> None:
        """The family's own check of its options (a usage error for a wrong one), if it has one."""
        check = getattr(self._module, "check_options", None)
        if callable(check):
            check(options)

    def probe(self, session: Session) -> None:
        self._module.probe(session)

    def needs_password(self, user: str) -> bool:
        """Whether ``user`` logs in with a secret; False for a family that never logs in."""
        return self.logs_in and cast(LoginFamily, self._module).needs_password(user)


_LOADED: dict[str, LoadedFamily] = {}
_LOADING = threading.Lock()


def load_family(name: str) -> LoadedFamily:
    """``netref.probes.<name>``, imported on first use only and checked against
    :class:`Family`: a module without a callable ``probe`` is a TypeError naming it.

    The first load holds a lock: a scan probes from many threads at once, and another thread
    must not find the family in ``sys.modules`` while it is still being imported."""
    loaded = _LOADED.get(name)
    if loaded is None:
        with _LOADING:
            loaded = _LOADED.get(name)
            if loaded is None:
                loaded = _LOADED[name] = _check(name, _import(name))
    return loaded


def _import(name: str) -> object:
    module = sys.modules.get(f"netref.probes.{name}")
    return module if module is not None else importlib.import_module(f"netref.probes.{name}")


def _check(name: str, module: object) -> LoadedFamily:
    if not isinstance(module, Family) or not callable(module.probe):
        raise TypeError(f"netref.probes.{name} is not a probe family: it defines no probe(session)")
    return LoadedFamily(name, module)
