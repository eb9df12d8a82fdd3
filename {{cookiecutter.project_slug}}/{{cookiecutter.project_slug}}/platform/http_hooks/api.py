"""Create hooks and signals from code (tests, data migrations, setup scripts), as in the seed."""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from .errors import InvalidHookError
from .payloads import import_signal


class InvalidModelError(InvalidHookError):
    """``create_hook(model=...)`` does not name exactly one installed model."""

    field = "model"


def create_signal(signal, create=True, **kwargs):
    """The Signal row for a dotted path (created if needed), or with ``create=False`` the
    imported signal itself. InvalidSignalError if the path names no signal."""
    imported = import_signal(signal)
    if not create:
        return imported
    from .models import Signal

    row, _ = Signal.objects.get_or_create(signal=signal)
    return row


def content_type_for(model):
    """A ContentType from a model class, "app_label.model", or a bare model name ("user")."""
    if isinstance(model, ContentType):
        return model
    if isinstance(model, type):
        return ContentType.objects.get_for_model(model)
    name = str(model).lower()
    if "." in name:
        try:
            return ContentType.objects.get_for_model(apps.get_model(name))
        except (LookupError, ValueError):
            raise InvalidModelError(f"No installed model is called {model!r}.") from None
    matches = [m for m in apps.get_models() if m._meta.model_name == name]
    if len(matches) != 1:
        found = ", ".join(m._meta.label_lower for m in matches) or "none"
        raise InvalidModelError(
            f"{model!r} must name exactly one model (found: {found}); use app_label.model."
        )
    return ContentType.objects.get_for_model(matches[0])


def create_hook(signals, model=None, **kwargs):
    """Create an enabled hook on ``model`` for ``signals`` (dotted paths) and return it.

    Keyword arguments are Hook fields: target_url, http_method, headers,
    payload_template, serializer_class, content_type, name, enabled. Everything
    is validated before anything is saved: an invalid signal, header, template or
    target raises and leaves no hook behind.
    """
    from .models import Hook

    if isinstance(signals, str):
        signals = [signals]
    for path in signals:
        import_signal(path)
    hook = Hook(model=content_type_for(model), **kwargs)
    hook.validate_configuration()
    with transaction.atomic():
        hook.save()
        hook.signals.set([create_signal(path) for path in signals])
    return hook
