"""The default LOGUX_AUTH_FUNC: a client is the Django user its token or its session says.

Two ways in, whichever the client has:

* a browser page of this site connects with ``userId`` set to the user's id
  and no token: the browser sends the session cookie with the WebSocket
  upgrade, the Logux server passes it on in ``cookie``;
* any other client (a Node script, a mobile app) sends a token from
  ``issue_token(user)``, signed with SECRET_KEY, valid for TOKEN_MAX_AGE.
"""

from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user, get_user_model
from django.core import signing

TOKEN_SALT = "logux-auth"
TOKEN_MAX_AGE = 24 * 3600


def issue_token(user):
    """A token proving ``user`` (a user or its pk), for ``new Client({token})``."""
    return signing.dumps(str(getattr(user, "pk", user)), salt=TOKEN_SALT)


def _token_user(token):
    try:
        return signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:  # tampered, expired or not ours
        return None


def _session_user(cookie):
    """The session's user as Django's own get_user() sees it: authentication backend,
    password-change check (the session hash) and is_active included."""
    session_key = cookie.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(SimpleNamespace(session=session))
    return user.pk if user.is_authenticated else None


def session_auth(user_id, token, cookie, headers):
    """True when the token or the session cookie belongs to ``user_id``, an active user."""
    claimed = _token_user(token) if token else _session_user(cookie)
    if claimed is None or str(claimed) != str(user_id):
        return False
    return get_user_model()._default_manager.filter(pk=claimed, is_active=True).exists()
