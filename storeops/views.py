from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from storeops import health, navigation
from storeops.api.errors import error_json_response, is_api_request
from storeops.roles import roles_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The areas the user's roles open today; a user without a role is told whom to ask."""
    user = request.user
    return render(
        request,
        "storeops/home.html",
        {
            "work_items": navigation.work_items_for(request),
            "has_role": bool(roles_of(user)) or user.is_superuser,
        },
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status for load balancers: 200 when healthy, else 503."""
    report = health.check()
    return JsonResponse(report.as_dict(), status=200 if report.is_healthy else 503)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler404``: the API error shape under /api/, the 404 page elsewhere."""
    if is_api_request(request):
        return error_json_response("not_found", 404)
    return render(request, "404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler403``: the API error shape under /api/, the 403 page elsewhere."""
    if is_api_request(request):
        return error_json_response("permission_denied", 403)
    return render(request, "403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: the API error shape under /api/, the 500 page elsewhere.

    The page is rendered without a request context: whatever broke the view
    may break context processors (a database that is down) too.
    """
    if is_api_request(request):
        return error_json_response("server_error", 500)
    return HttpResponseServerError(loader.get_template("500.html").render())
