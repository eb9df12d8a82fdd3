"""``Meta``: an action's meta, with the ids Logux packs into ``meta.id`` taken apart.

``meta.id`` is ``"<time> <node id> <counter>"`` and the node id is
``"<user id>:<client random>[:<tab random>]"``: the user is the node id's
first part, the client its first two parts.
"""

import copy
import datetime


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
        millis = raw_meta.get("time")
        self.time = (
            datetime.datetime.fromtimestamp(millis / 1000, datetime.UTC)
            if isinstance(millis, int | float) and not isinstance(millis, bool)
            else None
        )

    def get_raw_meta(self):
        return copy.deepcopy(self._raw)

    def __repr__(self):
        return f"Meta({self.id!r})"
