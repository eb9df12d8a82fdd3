"""``Meta``: an action's meta, with the ids Logux packs into ``meta.id`` taken apart.

``meta.id`` is ``"<time> <node id> <counter>"`` and the node id is
``"<user id>:<client random>[:<tab random>]"``: the user is the node id's
first part, the client its first two parts.
"""

import copy
import datetime


def _datetime(millis):
    """meta.time (milliseconds since 1970) as an aware datetime; None if it cannot be one."""
    if not isinstance(millis, int | float) or isinstance(millis, bool):
        return None
    try:
        return datetime.datetime.fromtimestamp(millis / 1000, datetime.UTC)
    except (OverflowError, OSError, ValueError):  # NaN, infinite, or out of a datetime's range
        return None


class Meta:
    def __init__(self, raw_meta):
        self._raw = raw_meta  # copied only when asked for (get_raw_meta): most never are
        parts = str(raw_meta.get("id", "")).split(" ")
        self.id = raw_meta.get("id", "")
        self.time_from_id = parts[0]
        self.node_id = parts[1] if len(parts) > 1 else ""
        self.counter = parts[2] if len(parts) > 2 else ""
        node_parts = self.node_id.split(":")
        self.user_id = node_parts[0] if self.node_id else None
        self.client_id = ":".join(node_parts[:2]) if self.node_id else None
        self.subprotocol = raw_meta.get("subprotocol")
        self.time = _datetime(raw_meta.get("time"))

    def get_raw_meta(self):
        return copy.deepcopy(self._raw)

    def __repr__(self):
        return f"Meta({self.id!r})"
