"""The API's foundations: one error shape, token sign-in, /me/, the schema and docs."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.management import call_command
from django.http import Http404
from django.test import RequestFactory
from rest_framework import exceptions
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import CatalogError
from inventory.errors import InsufficientStock
from orders.errors import OrderError
from storeops.api.errors import exception_handler
from storeops.roles import Capability, Role

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"
PASSWORD = "test-password-123"  # what tests/conftest.py's make_user gives every user


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def handle(exc: Exception):
    """Run the project's exception handler as DRF would for a view."""
    request = RequestFactory().get("/api/v1/anything/")
    return exception_handler(exc, {"request": request, "view": None})


# --- the error shape -------------------------------------------------------------


def test_field_validation_errors_list_messages_per_field(api):
    response = api.post(TOKEN_URL, {"username": "clerk"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "Invalid input.",
            "fields": {"password": ["This field is required."]},
        }
    }


def test_list_level_validation_errors_go_under_non_field_errors():
    response = handle(exceptions.ValidationError(["Lines must not repeat a SKU."]))

    assert response.status_code == 400
    assert response.data == {
        "error": {
            "code": "invalid",
            "message": "Invalid input.",
            "fields": {"non_field_errors": ["Lines must not repeat a SKU."]},
        }
    }


def test_malformed_json_is_a_parse_error(api):
    response = api.post(TOKEN_URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert set(response.json()["error"]) == {"code", "message"}


def test_wrong_method_is_method_not_allowed(api):
    response = api.get(TOKEN_URL)

    assert response.status_code == 405
    assert response.json() == {
        "error": {"code": "method_not_allowed", "message": 'Method "GET" not allowed.'}
    }


def test_anonymous_caller_gets_401_not_authenticated_with_a_challenge(api):
    response = api.get(ME_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "Authentication credentials were not provided.",
        }
    }


def test_an_unknown_token_is_not_authenticated(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api.get(ME_URL)

    assert response.status_code == 401
    assert response.json() == {"error": {"code": "not_authenticated", "message": "Invalid token."}}


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (exceptions.PermissionDenied(), 403, "permission_denied"),
        (DjangoPermissionDenied(), 403, "permission_denied"),
        (exceptions.NotFound(), 404, "not_found"),
        (Http404(), 404, "not_found"),
        (exceptions.Throttled(wait=30), 429, "throttled"),
    ],
)
def test_drf_and_django_errors_map_to_their_codes(exc, status, code):
    response = handle(exc)

    assert (response.status_code, response.data["error"]["code"]) == (status, code)
    assert set(response.data["error"]) == {"code", "message"}


def test_throttled_keeps_the_retry_after_header():
    response = handle(exceptions.Throttled(wait=30))

    assert response["Retry-After"] == "30"


def test_domain_errors_answer_400_with_their_code_and_message():
    responses = [
        handle(OrderError("Cannot ship a cancelled order.", code="illegal_transition")),
        handle(CatalogError("A category cannot be its own parent.", code="category_cycle")),
        handle(InsufficientStock(sku="TEE-RED-M", warehouse="Main", requested=5, available=2)),
    ]

    assert [(response.status_code, response.data) for response in responses] == [
        (
            400,
            {"error": {"code": "illegal_transition", "message": "Cannot ship a cancelled order."}},
        ),
        (
            400,
            {
                "error": {
                    "code": "category_cycle",
                    "message": "A category cannot be its own parent.",
                }
            },
        ),
        (
            400,
            {
                "error": {
                    "code": "insufficient_stock",
                    "message": "Insufficient stock for TEE-RED-M in Main: "
                    "5 requested, 2 available.",
                }
            },
        ),
    ]


def test_a_domain_error_that_declares_a_conflict_answers_409():
    class AlreadyShipped(OrderError):
        status_code = 409

    response = handle(AlreadyShipped("The order has already shipped.", code="already_shipped"))

    assert response.status_code == 409
    assert response.data == {
        "error": {"code": "already_shipped", "message": "The order has already shipped."}
    }


def test_a_domain_error_wrapped_by_an_older_view_keeps_its_code():
    wrapped = exceptions.ValidationError(
        {"detail": "The refund exceeds the amount paid.", "code": "refund_exceeds_paid"}
    )

    response = handle(wrapped)

    assert response.status_code == 400
    assert response.data == {
        "error": {"code": "refund_exceeds_paid", "message": "The refund exceeds the amount paid."}
    }


def test_an_unexpected_exception_is_left_to_the_500_handler():
    assert handle(RuntimeError("boom")) is None


# --- 404 and error pages ------------------------------------------------------------


def test_unknown_api_url_is_a_json_404_in_the_error_shape(client):
    response = client.get("/api/v1/nope/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_api_404_message_follows_the_request_language(client):
    response = client.get("/api/v1/nope/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.json()["error"]["message"] == "未找到。"


def test_unknown_page_renders_the_html_404_page(client, manager):
    client.force_login(manager)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert [template.name for template in response.templates][:2] == ["404.html", "base.html"]
    assert b'data-error="not_found"' in response.content


def test_api_server_error_is_json_and_page_server_error_is_html():
    from storeops.views import server_error

    factory = RequestFactory()

    api_response = server_error(factory.get("/api/v1/orders/"))
    page_response = server_error(factory.get("/orders/"))

    assert api_response.status_code == page_response.status_code == 500
    assert api_response["Content-Type"] == "application/json"
    assert b'"code": "server_error"' in api_response.content
    assert b'data-error="server_error"' in page_response.content


# --- token sign-in and /me/ ---------------------------------------------------------


def test_token_flow_issue_use_revoke(api, warehouse_clerk):
    issued = api.post(TOKEN_URL, {"username": "warehouse", "password": PASSWORD}, format="json")
    token = issued.json()["token"]
    stored_key = Token.objects.get(user=warehouse_clerk).key
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get(ME_URL)
    revoked = api.delete(TOKEN_URL)
    after = api.get(ME_URL)

    assert issued.status_code == 200
    assert stored_key == token
    assert me.status_code == 200
    assert me.json()["username"] == "warehouse"
    assert revoked.status_code == 204
    assert not Token.objects.filter(user=warehouse_clerk).exists()
    assert after.status_code == 401
    assert after.json() == {"error": {"code": "not_authenticated", "message": "Invalid token."}}


def test_asking_again_reuses_the_same_token(api, warehouse_clerk):
    credentials = {"username": "warehouse", "password": PASSWORD}

    first = api.post(TOKEN_URL, credentials, format="json").json()["token"]
    second = api.post(TOKEN_URL, credentials, format="json").json()["token"]

    assert first == second
    assert Token.objects.filter(user=warehouse_clerk).count() == 1


def test_wrong_password_is_invalid_credentials(api, warehouse_clerk):
    response = api.post(TOKEN_URL, {"username": "warehouse", "password": "nope"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert not Token.objects.exists()


def test_five_wrong_passwords_lock_the_user_out_of_the_token_endpoint(api, warehouse_clerk):
    wrong = {"username": "warehouse", "password": "wrong-password"}

    codes = [api.post(TOKEN_URL, wrong, format="json").json()["error"]["code"] for _ in range(5)]
    refused = api.post(TOKEN_URL, {"username": "warehouse", "password": PASSWORD}, format="json")

    assert codes == ["invalid_credentials"] * 4 + ["locked_out"]
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/json"
    assert refused.json()["error"]["code"] == "locked_out"
    assert not Token.objects.exists()


def test_lockout_is_per_user_name(api, warehouse_clerk, marketer):
    wrong = {"username": "warehouse", "password": "wrong-password"}
    for _ in range(5):
        api.post(TOKEN_URL, wrong, format="json")

    response = api.post(TOKEN_URL, {"username": "marketing", "password": PASSWORD}, format="json")

    assert response.status_code == 200


def test_a_successful_sign_in_resets_the_failure_count(api, warehouse_clerk):
    wrong = {"username": "warehouse", "password": "wrong-password"}
    right = {"username": "warehouse", "password": PASSWORD}
    for _ in range(4):
        api.post(TOKEN_URL, wrong, format="json")
    api.post(TOKEN_URL, right, format="json")

    codes = [api.post(TOKEN_URL, wrong, format="json").json()["error"]["code"] for _ in range(4)]

    assert codes == ["invalid_credentials"] * 4


def test_revoking_needs_a_token(api):
    response = api.delete(TOKEN_URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_me_lists_roles_and_sorted_capabilities(api, make_user):
    user = make_user(Role.WAREHOUSE, first_name="Li", last_name="Wei")
    user.groups.add(Group.objects.get(name=Role.MARKETING.value))
    api.force_authenticate(user)

    response = api.get(ME_URL)

    assert response.json() == {
        "username": "warehouse",
        "full_name": "Li Wei",
        "roles": [
            {"key": "warehouse", "label": "Warehouse"},
            {"key": "marketing", "label": "Marketing"},
        ],
        "capabilities": [
            "import_data",
            "manage_inventory",
            "manage_promotions",
            "ship_orders",
            "use_order_console",
            "view_ad_spend",
            "view_catalog",
            "view_costs",
            "view_dashboard",
            "view_reports",
        ],
    }


def test_me_of_an_operations_manager_holds_every_capability(api, manager):
    api.force_authenticate(manager)

    response = api.get(ME_URL)

    assert response.json()["capabilities"] == sorted(capability.value for capability in Capability)


# --- schema and docs ----------------------------------------------------------------

# Warnings this work owns: its views and the enum names fixed in SPECTACULAR_SETTINGS.
# Other modules' warnings (catalog/inventory filters, imports) belong to their owners.
OWNED_WARNING_MARKERS = ("storeops/api/", "enum naming")


def test_schema_validates_and_documents_the_auth_endpoints(tmp_path, capsys):
    schema_file = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--file", str(schema_file))

    warnings = capsys.readouterr().err.splitlines()
    owned = [line for line in warnings if any(mark in line for mark in OWNED_WARNING_MARKERS)]
    assert owned == []
    paths = yaml.safe_load(schema_file.read_text())["paths"]
    assert set(paths[TOKEN_URL]) == {"post", "delete"}
    assert set(paths[TOKEN_URL]["post"]["responses"]) == {"200", "400", "403"}
    assert set(paths[ME_URL]["get"]["responses"]) == {"200", "401"}


def test_api_docs_load_only_local_assets(client, manager):
    client.force_login(manager)

    response = client.get("/api/docs/")

    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert response.status_code == 200
    assert any(asset.startswith("/static/drf_spectacular_sidecar/") for asset in assets)
    assert [asset for asset in assets if re.match(r"^(https?:)?//", asset)] == []
    assert "cdn.jsdelivr" not in html
