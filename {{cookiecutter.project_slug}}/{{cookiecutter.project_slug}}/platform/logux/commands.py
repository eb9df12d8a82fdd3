"""Commands of back-end protocol 4: what the Logux server asks, and the answers we stream.

Write ``ActionCommand`` and ``ChannelCommand`` subclasses (in ``logux_actions.py``
and ``logux_subscriptions.py``) and register them on ``logux``. Each command's
``apply()`` yields its answers in protocol order (dicts, or JSON bytes for the
short ones), and FLUSH before it calls code that may take long (pacing.py), so
the view writes out what is waiting first.
"""

import logging
import re
from json.encoder import encode_basestring

from .. import airlock
from .client import add
from .errors import LoguxBadAuthException, LoguxWrongLoadResultsException
from .meta import Meta
from .pacing import may_take_long, timed
from .transactions import deferred_atomic

logger = logging.getLogger(__name__)
FLUSH = object()  # "write out the answers so far": yielded before user code runs
RESEND_KEYS = ("channels", "channel", "users", "user", "clients", "client", "nodes", "node")


def short_answer(answer, ident):
    """``{"answer": answer, "id": ident}`` as JSON bytes, written directly: approved and
    processed go out for every action, and a dict and an encoder pass each cost more
    than the rest of a quick action. ``ident`` was checked to be valid Unicode
    (protocol.command_for), so it always encodes."""
    return b'{"answer":"%s","id":%s}' % (answer, encode_basestring(ident).encode())


def _details(exc):
    return f"{type(exc).__name__}: {exc}"


class ActionCommand:
    """One action type: ``action_type`` and ``access`` (required); ``resend``, ``process``,
    ``_finally`` (optional)."""

    action_type = None

    def __init__(self, command):
        self._action = command["action"]
        self._meta = Meta(command["meta"])
        self._headers = command.get("headers") or {}

    # -- what subclasses implement -----------------------------------------

    def access(self, action, meta):
        """Whether this client may do this action: True (approved) or False (forbidden)."""
        raise NotImplementedError

    def resend(self, action, meta):
        """Who else gets the action: a list of channels, or a dict whose keys are among
        channels, users, clients and nodes (or their singulars)."""
        return None

    def process(self, action, meta):
        """Do the action (after approval). Effects enqueued with airlock run if it succeeds."""

    def _finally(self, action, meta):
        """Run last, whatever happened (the seed's name; ``finally`` is a keyword)."""

    # -- helpers -------------------------------------------------------------

    @property
    def action(self):
        return self._action

    @property
    def meta(self):
        return self._meta

    @property
    def headers(self):
        return self._headers

    def send_back(self, action, raw_meta=None):
        """Send ``action`` to the client that sent this one (through the Logux server)."""
        add(action, {"clients": [self._meta.client_id], **(raw_meta or {})})

    def undo(self, reason="error", extra=None):
        """Revert this action on its client with ``logux/undo`` (``extra`` is optional)."""
        raw = self._meta.get_raw_meta()
        undo_meta = {"status": "processed", "clients": [self._meta.client_id]}
        for key in ("users", "nodes", "reasons", "channels"):
            if key in raw:
                undo_meta[key] = raw[key]
        add(
            {"type": "logux/undo", "id": self._meta.id, "reason": reason, **(extra or {})},
            undo_meta,
        )

    # -- the protocol ----------------------------------------------------------

    def _resend_answer(self):
        targets = self.resend(self.action, self.meta)
        if not targets:
            return None
        if isinstance(targets, list | tuple):
            targets = {"channels": list(targets)}
        if not isinstance(targets, dict) or not set(targets) <= set(RESEND_KEYS):
            raise TypeError(f"resend() must return a list of channels or a dict of {RESEND_KEYS}")
        return {"answer": "resend", "id": self.meta.id, **targets}

    def apply(self):
        """Answers: before approval (resend), approved or forbidden, what the work sends
        back (a channel's loaded actions), then processed, or error at the failing step."""
        ident = self.meta.id
        cls = type(self)
        if may_take_long((cls, "access")):
            yield FLUSH
        try:
            with timed((cls, "access")):
                before = self._before_approval()
                allowed = bool(self.access(self.action, self.meta))
        except Exception as exc:
            logger.exception("Logux %s: access failed", self._subject())
            yield {"answer": "error", "id": ident, "details": _details(exc)}
            return
        if not allowed:
            yield short_answer(b"forbidden", ident)
            yield from self._run_finally()
            return
        yield from before
        yield short_answer(b"approved", ident)
        if self._has_work() and may_take_long((cls, "work")):
            yield FLUSH  # resend and approved leave before process() or load() starts
        try:
            with timed((cls, "work")):
                answers = self._work()
        except Exception as exc:
            logger.exception("Logux %s: processing failed", self._subject())
            yield {"answer": "error", "id": ident, "details": _details(exc)}
        else:
            yield from answers
            yield short_answer(b"processed", ident)
        yield from self._run_finally()

    def _subject(self):
        return self.action_type

    def _has_work(self):
        return type(self).process is not ActionCommand.process

    def _before_approval(self):
        """Answers sent before ``approved``: the resend, if any."""
        resend = self._resend_answer()
        return [resend] if resend else []

    def _work(self):
        """Do the approved action; the answers it sends back before ``processed``."""
        if self._has_work():  # else no transaction to open
            self._process_atomically()
        return []

    def _process_atomically(self):
        """process() in one transaction and one airlock scope: its writes and side
        effects happen together, or (if it raises) not at all.

        The transaction reaches the database only with process()'s first
        statement (transactions.py): an action that stores nothing pays for none.
        """
        with airlock.scope(), deferred_atomic():
            self.process(self.action, self.meta)

    def _run_finally(self):
        cls = type(self)
        if cls._finally is ActionCommand._finally:
            return
        if may_take_long((cls, "finally")):
            yield FLUSH
        try:
            with timed((cls, "finally")):
                self._finally(self.action, self.meta)
        except Exception as exc:
            logger.exception("Logux %s: finally failed", self.action_type)
            yield {"answer": "error", "id": self.meta.id, "details": _details(exc)}


class ChannelCommand(ActionCommand):
    """One channel pattern: ``channel_pattern`` (its named groups in ``self.params``),
    ``access`` and ``load``."""

    action_type = "logux/subscribe"
    channel_pattern = None

    def __init__(self, command):
        super().__init__(command)
        self.channel = self.action.get("channel", "")
        match = re.fullmatch(self.channel_pattern, self.channel)
        self.params = match.groupdict() if match else {}

    def load(self, action, meta):
        """The channel's current state: an action, a list of actions, or of (action, meta)."""
        raise NotImplementedError

    def _loaded(self, result):
        if result is None:
            return []
        if isinstance(result, dict):
            result = [result]
        if not isinstance(result, list | tuple):
            raise LoguxWrongLoadResultsException(f"load() returned {type(result).__name__}")
        items = []
        for item in result:
            if isinstance(item, dict) and isinstance(item.get("type"), str):
                items.append((item, {}))
            elif (
                isinstance(item, list | tuple)
                and len(item) == 2
                and isinstance(item[0], dict)
                and isinstance(item[1], dict)
            ):
                items.append((item[0], item[1]))
            else:
                raise LoguxWrongLoadResultsException(f"load() returned an item {item!r}")
        return items

    def _subject(self):
        return f"channel {self.channel}"

    def _has_work(self):
        return True  # load()

    def _before_approval(self):
        return []  # never a resend for a subscription: the Logux server refuses it

    def _work(self):
        """The channel's loaded actions, addressed to the subscribing client."""
        return [
            {
                "answer": "action",
                "id": self.meta.id,
                "action": action,
                "meta": {"clients": [self.meta.client_id], **raw_meta},
            }
            for action, raw_meta in self._loaded(self.load(self.action, self.meta))
        ]


class UnknownAction:
    def __init__(self, command):
        self.id = command["meta"]["id"]

    def apply(self):
        yield short_answer(b"unknownAction", self.id)


class UnknownChannel(UnknownAction):
    def apply(self):
        yield short_answer(b"unknownChannel", self.id)


class AuthCommand:
    """``auth``: the configured auth function decides; the subprotocol is checked first."""

    def __init__(self, command, auth_func, subprotocol, supported):
        self.command = command
        self.auth_func = auth_func
        self.subprotocol = subprotocol
        self.supported = supported

    def apply(self):
        import semantic_version

        command = self.command
        auth_id = command["authId"]
        try:
            client_version = semantic_version.Version(command["subprotocol"])
        except (TypeError, ValueError):
            client_version = None
        if client_version is None or client_version not in self.supported:
            yield {
                "answer": "wrongSubprotocol",
                "authId": auth_id,
                "supported": str(self.supported),
            }
            return
        if may_take_long((self.auth_func, "auth")):
            yield FLUSH
        try:
            with timed((self.auth_func, "auth")):
                allowed = self.auth_func(
                    command["userId"],
                    command.get("token"),
                    command.get("cookie") or {},
                    command.get("headers") or {},
                )
        except KeyError as exc:
            yield {"answer": "error", "authId": auth_id, "details": f"missing auth token: {exc}"}
            return
        except LoguxBadAuthException as exc:
            yield {"answer": "error", "authId": auth_id, "details": str(exc)}
            return
        except Exception as exc:
            logger.exception("Logux auth function failed")
            yield {"answer": "error", "authId": auth_id, "details": _details(exc)}
            return
        if allowed:
            yield {"answer": "authenticated", "authId": auth_id, "subprotocol": self.subprotocol}
        else:
            yield {"answer": "denied", "authId": auth_id}
