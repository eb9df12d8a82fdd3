from django.apps import AppConfig


class UsersConfig(AppConfig):
    # The dotted path comes from the package itself, so the file needs no templating.
    name = __package__
    label = "users"
    verbose_name = "Users"
