from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from storeops import health


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "storeops/home.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status for load balancers: 200 when healthy, else 503."""
    report = health.check()
    return JsonResponse(report.as_dict(), status=200 if report.is_healthy else 503)
