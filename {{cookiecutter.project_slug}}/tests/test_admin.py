"""The admin answers and uses the project's own user model."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.project


def test_login_page_answers(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_project_user_model_is_in_use():
    assert get_user_model()._meta.label == "users.User"


def test_superuser_can_manage_users(admin_client, django_user_model):
    django_user_model.objects.create_user("someone", password="a-long-unusual-passphrase")
    response = admin_client.get(reverse("admin:users_user_changelist"))
    assert response.status_code == 200
    assert b"someone" in response.content
