import pytest
from axes.models import AccessAttempt
from django.urls import reverse

PASSWORD = "test-password-123"  # set by make_user in tests/conftest.py
ADDRESS = "203.0.113.7"


def sign_in(client, username: str, password: str):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ADDRESS,
    )


@pytest.mark.django_db
def test_signing_in_with_the_right_password_lands_on_home(manager, client):
    response = sign_in(client, manager.username, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home"), REMOTE_ADDR=ADDRESS).context["user"] == manager


@pytest.mark.django_db
def test_sign_in_page_shows_the_store_name_and_a_form(client, settings):
    settings.STORE_NAME = "Lotus Tea House"

    response = client.get(reverse("login"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Lotus Tea House" in html
    assert 'autocomplete="current-password"' in html


@pytest.mark.django_db
def test_wrong_password_shows_an_error_and_does_not_sign_in(manager, client):
    response = sign_in(client, manager.username, "not-the-password")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="form-errors" role="alert"' in html
    assert "Please enter a correct username and password." in html
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(manager, client):
    for _attempt in range(5):
        sign_in(client, manager.username, "not-the-password")

    response = sign_in(client, manager.username, PASSWORD)

    html = response.content.decode()
    assert response.status_code == 429
    assert "registration/locked_out.html" in [template.name for template in response.templates]
    assert "it is locked for 15 minutes" in html
    assert 'type="password"' not in html
    assert "_auth_user_id" not in client.session
    # axes counts the refused sixth attempt as a failure too, right password or not.
    assert AccessAttempt.objects.get(username=manager.username).failures_since_start == 6


@pytest.mark.django_db
def test_four_wrong_passwords_do_not_lock_the_account(manager, client):
    for _attempt in range(4):
        sign_in(client, manager.username, "not-the-password")

    response = sign_in(client, manager.username, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
def test_lockout_is_per_address(manager, client):
    for _attempt in range(5):
        sign_in(client, manager.username, "not-the-password")

    response = client.post(
        reverse("login"),
        {"username": manager.username, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.20",
    )

    assert response.status_code == 302
