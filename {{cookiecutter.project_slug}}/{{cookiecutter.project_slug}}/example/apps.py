from django.apps import AppConfig


class ExampleConfig(AppConfig):
    # The dotted path comes from the package itself, so the file needs no templating.
    name = __package__
    label = "example"
    verbose_name = "Example"
    # Listed on the page at / (config/views.py).
    home_links = (("example:create-order", "POST orders", "the example's order API (staff only)"),)
