"""Which hooks listen to what, in every process, current, at no cost to other models.

Each process keeps the enabled hooks in memory, keyed by (model label, signal
path). Any change to hooks or signals (admin, API, shell, another server)
writes a new random token to a shared cache (DJANGO_HTTP_HOOKS_CACHE) at once
and again when its transaction commits. Before each save, delete or m2m change
of a model some hook watches, a process compares the token with its own and
reloads the hooks when they differ, so an edited, disabled or deleted hook
applies to the very next event everywhere. With the token in a database cache
on PostgreSQL (the generated default without Redis), that comparison rides on
the statement that writes the event's callbacks (``INSERT ... RETURNING`` the
stored token): no round trip of its own; when the token changed, the callbacks
just written are deleted and the event is handled again with the reloaded
hooks, before the transaction commits. For a model no hook watches, the
process trusts what it loaded for DJANGO_HTTP_HOOKS_REGISTRY_MAX_AGE seconds
(1 by default) before it reads the token again: such a save costs no cache read
and no query, and a hook on a model nothing watched yet starts firing within
that time in every other process (at once in the process that made it). No
reload command or restart is ever needed (the seed's DJANGO_HTTP_HOOKS_RELOAD).

Receivers: the model signals are connected once, for every sender; any other
signal a hook uses (custom signals, pre_init/post_init) is connected while an
enabled hook uses it and disconnected when none does; a process connects it at
its next reload, that is, at its first save or delete after the change.
"""

import base64
import logging
import pickle
import threading
import time
import uuid
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import DatabaseError, connection, connections, router, transaction
from django.db.models import signals as model_signals
from django.utils import timezone

from . import conf
from .errors import InvalidHookError
from .headers import parse_headers
from .payloads import PayloadBuilder, import_signal

logger = logging.getLogger(__name__)
TOKEN_KEY = "http_hooks:registry-token"
SIGNALS_PATH = "django.db.models.signals."
# Connected for every sender, always: the first signal of each save, delete
# and m2m change checks the token; the others only look hooks up.
MODEL_SIGNALS = {
    SIGNALS_PATH + name: getattr(model_signals, name)
    for name in ("pre_save", "post_save", "pre_delete", "post_delete", "m2m_changed")
}
CHECKS_TOKEN = frozenset(SIGNALS_PATH + name for name in ("pre_save", "pre_delete", "m2m_changed"))


@dataclass(frozen=True)
class HookSpec:
    """What a callback needs from its hook, built once per registry load."""

    id: int
    target_url: str
    http_method: str
    content_type: str
    headers: dict
    builder: PayloadBuilder | None
    error: str = ""


def event_type(signal_path, kwargs):
    """created / updated / deleted for model signals, the m2m action, else the signal's path."""
    if signal_path.endswith(("post_save", "pre_save")):
        if "created" in kwargs:
            return "created" if kwargs["created"] else "updated"
        return "created" if kwargs["instance"]._state.adding else "updated"
    if signal_path.endswith(("post_delete", "pre_delete")):
        return "deleted"
    if signal_path.endswith("m2m_changed"):
        return kwargs.get("action", "m2m_changed")
    return signal_path


class HookRegistry:
    def __init__(self):
        self._token = None
        self._checked_at = float("-inf")  # time.monotonic() of the last token read
        self._hooks = {}
        self._watched = frozenset()  # labels of the models some enabled hook watches
        # (sql, params) with which the callbacks' INSERT returns the token (see fire), or None.
        self._token_sql = None
        self._extra_receivers = {}
        self._lock = threading.Lock()
        self._tables_exist = False
        # On-commit callbacks of hook changes made in a transaction not yet over.
        self._uncommitted = set()
        self.suspended = False

    # -- freshness ---------------------------------------------------------

    def _cache(self):
        return caches[conf.get("CACHE")]

    def invalidate(self):
        """Tell every process (this one included) to reload the hooks before their next use."""
        token = uuid.uuid4().hex
        try:
            self._cache().set(TOKEN_KEY, token, None)
        except Exception:
            logger.exception("Could not publish a hooks change to the cache")
        self._token = None

    def invalidate_now_and_on_commit(self):
        """For a change to hooks: visible at once here, published again once it commits.

        Should the transaction (or the savepoint) roll back instead, this process
        may have loaded the uncommitted change: Django then drops the on-commit
        callback registered here, and the next check, in a transaction or not,
        sees it gone and reloads.
        """
        self.invalidate()
        if connection.in_atomic_block:

            def committed():
                self._uncommitted.discard(committed)
                self.invalidate()

            self._uncommitted.add(committed)
            transaction.on_commit(committed, robust=True)

    def _rolled_back(self):
        """Whether a change this process loaded was rolled back (its callback is gone)."""
        pending = {entry[1] for entry in connection.run_on_commit}
        gone = {callback for callback in self._uncommitted if callback not in pending}
        self._uncommitted -= gone
        return bool(gone)

    def ensure_current(self, label=None):
        """Reload the hooks if another process changed them since this one loaded them.

        With ``label`` (the model of the event about to happen), a model no hook
        watches is checked at most every REGISTRY_MAX_AGE seconds.
        """
        if self.suspended:
            return
        if self._uncommitted and self._rolled_back():
            self._token = None
        if (
            label is not None
            and self._token is not None
            and (label not in self._watched or self._token_sql is not None)
            and time.monotonic() - self._checked_at < conf.get("REGISTRY_MAX_AGE")
        ):
            return
        self._checked_at = time.monotonic()
        try:
            cache = self._cache()
            token = cache.get(TOKEN_KEY)
            if token is None:
                cache.add(TOKEN_KEY, uuid.uuid4().hex, None)
                token = cache.get(TOKEN_KEY)
        except Exception:
            logger.warning("Cannot read the hooks token from the cache: reloading hooks")
            token = None
        if token is None or token != self._token:
            self.reload(token)

    def reload(self, token=None):
        with self._lock:
            hooks = self._load()
            if hooks is None:
                return
            self._hooks = hooks
            self._watched = frozenset(label for label, _ in hooks)
            self._token_sql = self._token_subquery()
            self._connect_extra_signals({path for _, path in hooks})
            self._token = token

    def _load(self):
        from .models import Hook

        if not self._tables_exist:
            self._tables_exist = Hook._meta.db_table in connection.introspection.table_names()
            if not self._tables_exist:
                return {}
        try:
            # A savepoint, so a failed read cannot break the caller's transaction.
            with transaction.atomic():
                rows = list(
                    Hook.objects.filter(enabled=True)
                    .select_related("model")
                    .prefetch_related("signals")
                )
        except DatabaseError:
            logger.exception("Could not load the HTTP hooks; keeping the previous set")
            return None
        hooks = {}
        builders = {}  # hooks configured alike share one builder, so one rendering per event
        for hook in rows:
            model = hook.model.model_class()
            if model is None:
                logger.warning("Hook %s: model %s no longer exists", hook.pk, hook.model)
                continue
            spec = self._spec(hook, builders)
            for signal in hook.signals.all():
                key = (model._meta.label_lower, signal.signal)
                hooks[key] = (*hooks.get(key, ()), spec)
        return hooks

    @staticmethod
    def _spec(hook, builders):
        config = (hook.content_type, hook.payload_template, hook.serializer_class)
        try:
            headers, error = parse_headers(hook.headers), ""
            if config not in builders:
                builders[config] = PayloadBuilder.for_hook(hook)
            builder = builders[config]
        except InvalidHookError as exc:
            # Saved before a dependency changed (e.g. its serializer was removed):
            # its events are recorded as errors, not dropped.
            headers, builder, error = {}, None, exc.message
        return HookSpec(
            hook.pk, hook.target_url, hook.http_method, hook.content_type, headers, builder, error
        )

    # -- receivers ---------------------------------------------------------

    def connect(self):
        for path, signal in MODEL_SIGNALS.items():
            signal.connect(self._receiver(path), weak=False, dispatch_uid=f"http_hooks:{path}")
        model_signals.pre_migrate.connect(self._suspend, dispatch_uid="http_hooks:pre_migrate")
        model_signals.post_migrate.connect(self._resume, dispatch_uid="http_hooks:post_migrate")

    def disconnect(self):
        for path, signal in MODEL_SIGNALS.items():
            signal.disconnect(dispatch_uid=f"http_hooks:{path}")
        self._connect_extra_signals(set())

    def _suspend(self, **kwargs):
        self.suspended = True

    def _resume(self, **kwargs):
        self.suspended = False
        self._tables_exist = False
        self._token = None

    def _connect_extra_signals(self, paths):
        wanted = {p for p in paths if p not in MODEL_SIGNALS}
        for path in set(self._extra_receivers) - wanted:
            signal = self._extra_receivers.pop(path)
            signal.disconnect(dispatch_uid=f"http_hooks:{path}")
        for path in wanted - set(self._extra_receivers):
            try:
                signal = import_signal(path)
            except InvalidHookError as exc:
                logger.error("Hooks on %s cannot fire: %s", path, exc.message)
                continue
            signal.connect(self._receiver(path), weak=False, dispatch_uid=f"http_hooks:{path}")
            self._extra_receivers[path] = signal

    def _receiver(self, path):
        checks = path in CHECKS_TOKEN

        def receive(sender, **kwargs):
            instance = kwargs.get("instance")
            meta = getattr(instance if hasattr(instance, "_meta") else sender, "_meta", None)
            label = meta.label_lower if meta is not None else None
            if checks and (path != SIGNALS_PATH + "m2m_changed" or kwargs["action"][:4] == "pre_"):
                self.ensure_current(label)
            if not self._hooks:
                return
            specs = self._hooks.get((label, path)) if label is not None else None
            if specs and not kwargs.get("raw"):  # fixtures being loaded are not events
                self.fire(specs, path, instance, kwargs, label)

        receive.__qualname__ = f"http_hooks receiver for {path}"
        return receive

    # -- events ------------------------------------------------------------

    def fire(self, specs, path, instance, kwargs, label=None, check_token=True):
        """Write one callback per hook, in the caller's transaction; deliver after commit.

        When the INSERT can return the stored token (``_token_subquery``), a token
        other than the one these hooks were loaded under means they changed
        elsewhere: the callbacks are deleted again, the hooks reloaded, and the
        event handled with them.
        """
        from .delivery import schedule_delivery
        from .models import Callback

        kind = event_type(path, kwargs)
        extra = {k: v for k, v in kwargs.items() if k not in ("sender", "instance", "signal")}
        extra["signal"] = path
        now, rendered = timezone.now(), {}
        callbacks = [self._callback(spec, instance, kind, extra, now, rendered) for spec in specs]
        subquery = self._token_sql if check_token and label is not None else None
        stored = Callback.objects.write(callbacks, also_return=subquery)
        if subquery is not None and self._decode(stored) != self._token:
            Callback.objects.filter(pk__in=[c.pk for c in callbacks])._raw_delete(
                Callback.objects.db
            )
            self._token = None
            self.ensure_current()
            current = self._hooks.get((label, path))
            if current:
                self.fire(current, path, instance, kwargs, label, check_token=False)
            return
        waiting = [c.pk for c in callbacks if c.status == Callback.Status.WAITING]
        if waiting:
            schedule_delivery(waiting)

    def _token_subquery(self):
        """``(sql, params)`` selecting the stored token, or None where it cannot ride along.

        Only for Django's database cache on PostgreSQL, in the callbacks' database:
        the same table and row ``cache.get`` would read.
        """
        from .models import Callback

        try:
            cache = self._cache()
        except Exception:
            return None
        if not isinstance(cache, DatabaseCache):
            return None
        alias = router.db_for_read(cache.cache_model_class)
        if alias != router.db_for_write(Callback) or connections[alias].vendor != "postgresql":
            return None
        table = connections[alias].ops.quote_name(cache._table)
        sql = f"(SELECT value FROM {table} WHERE cache_key = %(token_key)s)"
        return sql, {"token_key": cache.make_and_validate_key(TOKEN_KEY)}

    @staticmethod
    def _decode(stored):
        """The token as DatabaseCache stores it (base64 of a pickle); None if unreadable."""
        if stored is None:
            return None
        try:
            return pickle.loads(
                base64.b64decode(stored.encode())
            )  # our own row, as DatabaseCache.get
        except Exception:
            return None

    @staticmethod
    def _callback(spec, instance, kind, extra, now, rendered):
        """One Callback; ``rendered`` keeps this event's payload per builder (shared configs)."""
        from ..guid import get_guid
        from .models import Callback

        status, details, payload = Callback.Status.WAITING, "", ""
        try:
            if spec.error:
                raise InvalidHookError(spec.error)
            if spec.builder not in rendered:
                rendered[spec.builder] = spec.builder.build(instance, kind, extra)
            payload = rendered[spec.builder]
        except Exception as exc:  # any failure: recorded as an error callback, never lost
            if conf.get("RAISE_EXCEPTIONS"):
                raise
            logger.error("Hook %s: no request for this %s event: %s", spec.id, kind, exc)
            status, details = Callback.Status.ERROR, str(exc)[:512]
        pk = getattr(instance, "pk", None)
        return Callback(
            hook_id=spec.id,
            target_url=spec.target_url,
            http_method=spec.http_method,
            headers=spec.headers,
            payload=payload,
            content_type=spec.content_type,
            status=status,
            status_details=details,
            event_type=kind[:128],
            object_id="" if pk is None else str(pk)[:64],
            correlation_id=get_guid() or "",
            next_attempt_at=now,
        )


registry = HookRegistry()
