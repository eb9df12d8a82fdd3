"""Reading version.json, the build's identity served at /__version__."""

import json
from pathlib import Path

KEYS = ("source", "version", "commit", "build")


class MalformedVersion(ValueError):
    """version.json exists but is not the object Dockerflow describes."""


def get_version(base_dir):
    """Return the parsed ``<base_dir>/version.json``, or None when there is none.

    Raises MalformedVersion when the file is not a JSON object whose ``source``,
    ``version``, ``commit`` and ``build`` are strings (``version`` may be empty).
    """
    path = Path(base_dir) / "version.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise MalformedVersion(f"cannot be read: {exc}") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise MalformedVersion(f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedVersion("it must hold a JSON object")
    missing = [key for key in KEYS if not isinstance(data.get(key), str)]
    if missing:
        raise MalformedVersion(f"it lacks string values for {', '.join(missing)}")
    return data
