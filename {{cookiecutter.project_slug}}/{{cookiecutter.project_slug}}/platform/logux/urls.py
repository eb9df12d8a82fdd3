from django.urls import path

from . import views

app_name = "logux"
urlpatterns = [path("", views.dispatch, name="dispatch")]
