"""Request bodies: a payload template, a serializer class, or the default JSON document.

Templates use Django's template language, but every ``{{ value }}`` is escaped
for the hook's content type instead of for HTML: a JSON string escape for JSON
(``"{{ instance.name }}"`` stays valid whatever the name holds; true, false and
null come out as JSON literals), XML character escapes for XML. ``|safe`` inserts
a value as it is. The rendered body is validated against the content type, and
a hook is checked when it is saved, by rendering its template against a stand-in
instance, so a broken template is refused then rather than when an event fires.
"""

import base64
import datetime
import decimal
import json
from xml.etree import ElementTree
from xml.sax.saxutils import escape as xml_escape

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.fields.files import FieldFile
from django.dispatch import Signal as DjangoSignal
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import VariableNode
from django.utils.html import escape as html_escape
from django.utils.module_loading import import_string
from django.utils.safestring import SafeData

from . import conf
from .errors import InvalidPayloadError, InvalidSignalError

JSON_TYPES = frozenset({"application/json", "application/javascript"})
XML_TYPES = frozenset({"application/xml", "text/xml"})
ENGINE = Engine(autoescape=False)


def import_signal(path):
    """The signal object at ``path``; InvalidSignalError if there is none."""
    try:
        found = import_string(path)
    except ImportError as exc:
        raise InvalidSignalError(f"Cannot import the signal {path!r}: {exc}.") from None
    if not isinstance(found, DjangoSignal):
        raise InvalidSignalError(f"{path!r} is not a Django signal (django.dispatch.Signal).")
    return found


class PayloadEncoder(DjangoJSONEncoder):
    """JSON for model field values: files as their names, bytes as base64."""

    def default(self, o):
        if isinstance(o, FieldFile):
            return o.name or None
        if isinstance(o, bytes | memoryview):
            return base64.b64encode(bytes(o)).decode()
        return super().default(o)


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def escape_json(value):
    if isinstance(value, SafeData):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | decimal.Decimal):
        return str(value)
    return json.dumps(_plain(value), ensure_ascii=False)[1:-1]


def escape_xml(value):
    if isinstance(value, SafeData):
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_escape(_plain(value), {'"': "&quot;", "'": "&apos;"})


def escape_html(value):
    return str(value) if isinstance(value, SafeData) else str(html_escape(_plain(value)))


def escape_text(value):
    return "" if value is None else _plain(value)


def escaper_for(content_type):
    if content_type in JSON_TYPES:
        return escape_json
    if content_type in XML_TYPES:
        return escape_xml
    if content_type == "text/html":
        return escape_html
    return escape_text


class _EscapingVariableNode(VariableNode):
    """``{{ value }}`` rendered through the escaper the render context carries."""

    def render(self, context):
        return context.hook_escape(self.filter_expression.resolve(context))


def compile_template(text):
    """Compile a payload template whose variables are escaped at render time."""
    try:
        template = ENGINE.from_string(text)
    except TemplateSyntaxError as exc:
        raise InvalidPayloadError(f"The payload template does not compile: {exc}.") from None
    for node in template.nodelist.get_nodes_by_type(VariableNode):
        node.__class__ = _EscapingVariableNode
    return template


def validate_payload(payload, content_type):
    """InvalidPayloadError unless ``payload`` is well-formed for ``content_type``."""
    if content_type == "application/json":
        try:
            json.loads(payload)
        except ValueError as exc:
            raise InvalidPayloadError(f"The payload is not valid JSON: {exc}.") from None
    elif content_type in XML_TYPES:
        try:
            ElementTree.fromstring(payload)
        except ElementTree.ParseError as exc:
            raise InvalidPayloadError(f"The payload is not valid XML: {exc}.") from None


def is_secret_field(field):
    """Password fields and the fields named in DJANGO_HTTP_HOOKS_EXCLUDED_FIELDS."""
    if "password" in field.name.lower():
        return True
    excluded = conf.get("EXCLUDED_FIELDS")
    return field.name in excluded or f"{field.model._meta.label_lower}.{field.name}" in excluded


def object_serialization(instance):
    """The instance's own column values (no queries), secrets left out."""
    return {
        field.attname: field.value_from_object(instance)
        for field in instance._meta.concrete_fields
        if not is_secret_field(field)
    }


def default_payload(instance, event_type):
    return {
        "object_type": instance._meta.label_lower,
        "object_id": instance.pk,
        "event_type": event_type,
        "object_serialization": object_serialization(instance),
    }


class _StandIn:
    """Any attribute, item or call of it is itself; it renders as 0.

    0 is valid wherever a template puts a value: in a JSON string or number
    position, in XML text or attributes.
    """

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __getitem__(self, key):
        return self

    def __iter__(self):
        return iter(())

    def __str__(self):
        return "0"


STAND_IN = _StandIn()
STAND_IN_CONTEXT = {
    "created": True,
    "update_fields": None,
    "raw": False,
    "using": "default",
    "signal": "django.db.models.signals.post_save",
}


class PayloadBuilder:
    """Turns an instance and its event into a hook's request body.

    Built once per hook configuration (the registry keeps one per enabled hook),
    so templates are compiled and serializers imported once, not per event.
    Precedence, as in the seed: payload template, then serializer, then default.
    """

    def __init__(self, content_type, template_text="", serializer_path=""):
        self.content_type = content_type
        self.template = compile_template(template_text) if template_text.strip() else None
        self.serializer = self._import_serializer(serializer_path) if not self.template else None
        if self.serializer is None and self.template is None and content_type not in JSON_TYPES:
            raise InvalidPayloadError(
                f"Without a payload template, hooks send JSON: write a template for "
                f"{content_type} or choose application/json."
            )
        self.escape = escaper_for(content_type)

    @classmethod
    def for_hook(cls, hook):
        return cls(hook.content_type, hook.payload_template, hook.serializer_class)

    @staticmethod
    def _import_serializer(path):
        path = (path or "").strip()
        if not path:
            return None
        try:
            serializer = import_string(path)
        except ImportError as exc:
            raise InvalidPayloadError(f"Cannot import the serializer {path!r}: {exc}.") from None
        if not callable(getattr(serializer, "to_representation", None)):
            raise InvalidPayloadError(f"{path} has no to_representation(instance) method.")
        return serializer

    def build(self, instance, event_type, signal_kwargs=None):
        """The body for this event, validated; InvalidPayloadError if it cannot be made."""
        if self.template is not None:
            context = Context(
                {**(signal_kwargs or {}), "instance": instance, "event_type": event_type},
                autoescape=False,
            )
            context.hook_escape = self.escape
            try:
                payload = self.template.render(context)
            except Exception as exc:
                raise InvalidPayloadError(f"The payload template failed: {exc!r}.") from exc
        else:
            if self.serializer is not None:
                try:
                    data = self.serializer().to_representation(instance)
                except Exception as exc:
                    raise InvalidPayloadError(f"The serializer failed: {exc!r}.") from exc
            else:
                data = default_payload(instance, event_type)
            try:
                payload = json.dumps(data, cls=PayloadEncoder, ensure_ascii=False)
            except (TypeError, ValueError) as exc:
                raise InvalidPayloadError(f"The payload cannot be encoded: {exc}.") from exc
        validate_payload(payload, self.content_type)
        return payload

    def check(self):
        """Render a template against a stand-in instance: refuse it now if it cannot work."""
        if self.template is not None:
            self.build(STAND_IN, "created", STAND_IN_CONTEXT)


def sample_payload(hook, builder, instance=None):
    """The body of the admin's "send test event": the latest object, or a stand-in."""
    if instance is None:
        if builder.template is not None:
            return builder.build(STAND_IN, "test", STAND_IN_CONTEXT)
        return json.dumps(
            {"object_type": hook.model.model, "object_id": None, "event_type": "test"}
        )
    return builder.build(instance, "test", {})
