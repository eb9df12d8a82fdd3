"""The page at / that a new project opens on, and the admin's way back to it."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = [pytest.mark.project, pytest.mark.django_db]


def test_the_home_page_links_the_admin_and_the_health_endpoints_in_development(client, settings):
    settings.DEBUG = True
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert settings.PROJECT_NAME in page
    for link in ('href="/admin/"', 'href="/__heartbeat__"', 'href="/__version__"'):
        assert link in page


def test_installed_apps_add_their_own_links(client):
    from django.apps import apps
    from django.urls import reverse

    offered = [
        reverse(name)
        for config in apps.get_app_configs()
        for name, _, _ in getattr(config, "home_links", ())
    ]
    page = client.get("/").content.decode()
    assert all(f'href="{url}"' in page for url in offered)


def test_in_production_the_admin_is_listed_for_staff_only(client, settings):
    settings.DEBUG = False
    assert 'href="/admin/"' not in client.get("/").content.decode()
    staff = get_user_model().objects.create_user("ops", password="pw-0123456789", is_staff=True)
    client.force_login(staff)
    assert 'href="/admin/"' in client.get("/").content.decode()


def test_the_admin_is_titled_after_the_project_and_its_view_site_link_answers(client, settings):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123")
    client.force_login(admin)
    page = client.get("/admin/").content.decode()
    assert settings.PROJECT_NAME in page
    assert 'href="/">View site</a>' in page
    assert client.get("/").status_code == 200
