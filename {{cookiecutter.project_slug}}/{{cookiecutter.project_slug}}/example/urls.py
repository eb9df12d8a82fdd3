from django.urls import path

{% if cookiecutter.use_http_hooks -%}
from . import views, webhooks
{%- else -%}
from . import views
{%- endif %}

app_name = "example"
urlpatterns = [
    path("orders/", views.create_order, name="create-order"),
{%- if cookiecutter.use_http_hooks %}
    path("webhooks/orders/", webhooks.receive_order_event, name="order-webhook"),
{%- endif %}
]
