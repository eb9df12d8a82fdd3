"""The reference back-end @logux/backend-test checks, written with the project's Logux app.

Copied into a bake as ``<package>/logux_conformance.py`` and loaded through
``LOGUX_AUTH_FUNC=<package>.logux_conformance.auth`` (the app imports the auth
function at startup, which registers the commands below). It implements what
the suite's README and local.js describe: token or cookie ``<user id>:good``,
errors raised on ``headers.error``, a ``users/<id>`` channel that loads the
user's latest name, ``users/name`` resent to that channel and kept only when
newer, ``users/clean``, and an ``error`` action. Names live in the ``logux``
cache, so every gunicorn worker sees the same ones.
"""

from django.core.cache import caches

from .platform.logux import ActionCommand, ChannelCommand, add, logux

NAMES = "conformance:names"


def auth(user_id, token, cookie, headers):
    if headers.get("error"):
        raise RuntimeError(headers["error"])
    return f"{user_id}:good" in (token, cookie.get("token"))


def _names():
    return caches["logux"].get(NAMES) or {}


def _name_action(user_id, name):
    # Keys in the reference's order: the suite compares actions as JSON text.
    return {"payload": {"name": name, "userId": user_id}, "type": "users/name"}


def _newer(meta, last):
    """Logux's isFirstOlder(last, meta): by time, then by id."""
    if last is None:
        return True
    return (meta["time"], meta["id"]) > (last["time"], last["id"])


class UserChannel(ChannelCommand):
    channel_pattern = r"users/(?P<id>[^/]+)"

    def access(self, action, meta):
        if self.headers.get("error"):
            raise RuntimeError(self.headers["error"])
        return self.params["id"] == meta.user_id

    def load(self, action, meta):
        entry = _names().get(self.params["id"])
        if entry is None:
            return []
        return [(_name_action(self.params["id"], entry["name"]), {"time": entry["meta"]["time"]})]


class ErrorAction(ActionCommand):
    action_type = "error"

    def access(self, action, meta):
        raise RuntimeError("Error in action")


class UserName(ActionCommand):
    action_type = "users/name"

    def access(self, action, meta):
        if self.headers.get("error"):
            raise RuntimeError(self.headers["error"])
        return action["payload"]["userId"] == meta.user_id

    def resend(self, action, meta):
        return {"channels": [f"users/{action['payload']['userId']}"]}

    def process(self, action, meta):
        names = _names()
        raw = meta.get_raw_meta()
        last = names.get(meta.user_id)
        if _newer(raw, last and last["meta"]):
            names[meta.user_id] = {"name": action["payload"]["name"], "meta": raw}
            caches["logux"].set(NAMES, names, None)


class UserClean(ActionCommand):
    action_type = "users/clean"

    def access(self, action, meta):
        return True

    def process(self, action, meta):
        for user_id in _names():
            add(_name_action(user_id, ""), {"channels": [f"users/{user_id}"]})
        caches["logux"].delete(NAMES)


for command in (ErrorAction, UserName, UserClean):
    logux.actions.register(command)
logux.channels.register(UserChannel)
