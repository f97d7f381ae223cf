"""Login, lockout, password hashing, CSRF and session limits (等保 身份鉴别)."""

import pytest
from django.conf import settings
from django.test import Client

from sanzhang.core.models import AuditEvent
from sanzhang.org.models import User


def _login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_login_lands_on_own_unit_and_is_audited(world):
    client = Client()
    response = _login(client, "t_cadre", "pw-cadre")
    assert response.status_code == 302
    assert client.get("/").url == f"/units/{world.unit('T1-V1').pk}/"
    assert AuditEvent.objects.filter(action="login", actor_name="t_cadre").count() == 1


def test_lockout_after_five_failures_by_username(world):
    client = Client()
    for _ in range(4):
        assert _login(client, "t_group", "wrong").status_code == 200
    assert (
        _login(client, "t_group", "wrong").status_code == 429
    )  # the fifth failure locks
    locked = _login(client, "t_group", "pw-group")  # right password, but locked now
    assert locked.status_code == 429
    assert "锁定" in locked.content.decode()
    # Another account on the same address is not locked (villages share one NAT address).
    assert _login(Client(), "t_nchief", "pw-nchief").status_code == 302


def test_csrf_is_enforced_on_posts(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["admin"])
    response = client.post(
        f"/units/{world.unit('T1-V1').pk}/posts/appoint/", {"resident": "1"}
    )
    assert response.status_code == 403


def test_passwords_are_hashed_with_argon2():
    from sanzhang.config import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
def test_argon2_really_hashes(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = User(username="x")
    user.set_password("a-long-password")
    assert user.password.startswith("argon2$argon2id$")


def test_idle_timeout_and_absolute_lifetime():
    assert (settings.SESSION_COOKIE_AGE, settings.SESSION_SAVE_EVERY_REQUEST) == (
        1800,
        True,
    )
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 3600


def test_session_past_absolute_lifetime_is_ended(world):
    client = Client()
    client.force_login(world.users["admin"])
    assert client.get("/", follow=False).status_code == 302
    session = client.session
    session["started_at"] = 0  # started in 1970
    session.save()
    response = client.get(f"/units/{world.unit('T1').pk}/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_logout_needs_post_and_kills_the_session(world):
    client = Client()
    client.force_login(world.users["admin"])
    assert client.get("/logout/").status_code == 405
    client.post("/logout/")
    assert client.get(f"/units/{world.unit('T1').pk}/").status_code == 302


def test_pages_with_personal_data_are_not_cached(world):
    client = Client()
    client.force_login(world.users["admin"])
    response = client.get(f"/households/{world.households['T1-V1-A1-G1-N1'][0].pk}/")
    assert response["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response["Content-Security-Policy"]
