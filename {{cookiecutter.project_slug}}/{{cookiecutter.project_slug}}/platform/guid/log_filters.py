"""Logging filter that puts the correlation id on every record."""

import logging

from .context import get_guid


class CorrelationId(logging.Filter):
    """Set ``record.<correlation_id_field>`` to the current id (or ``default`` outside one).

    Attach it to a handler so every line that handler writes carries the id,
    whichever logger produced it. It never drops a record.
    """

    def __init__(self, name="", correlation_id_field="correlation_id", default=None):
        super().__init__(name)
        self.correlation_id_field = correlation_id_field
        self.default = default

    def filter(self, record):
        guid = get_guid()
        setattr(record, self.correlation_id_field, guid if guid is not None else self.default)
        return True
