from django.urls import path

from . import views

app_name = "example"
urlpatterns = [path("orders/", views.create_order, name="create-order")]
