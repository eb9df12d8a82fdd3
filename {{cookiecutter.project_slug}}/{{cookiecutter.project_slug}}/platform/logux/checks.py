"""System checks of the Logux back-end: what start-up accepts but production should not."""

from django.core import checks

from . import conf


@checks.register(checks.Tags.security)
def check_control_secret_length(app_configs=None, **kwargs):
    secret = conf.get("LOGUX_CONTROL_SECRET")
    if isinstance(secret, str) and len(secret) < conf.MIN_SECRET_LENGTH:
        return [
            checks.Warning(
                f"LOGUX_CONTROL_SECRET has {len(secret)} characters: accepted because DEBUG "
                "is on, refused at start-up with DEBUG off.",
                hint=f"Use a random string of {conf.MIN_SECRET_LENGTH} characters or more "
                "outside development.",
                id="logux.W001",
            )
        ]
    return []
