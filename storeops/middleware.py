"""Request-wide settings that every page shares."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from storeops import business_day


class StoreTimeZoneMiddleware:
    """Show and read times in the store's time zone on every page.

    Times are stored in UTC (``TIME_ZONE``); the staff work in store time
    (``STORE_TIMEZONE``), so templates and forms use that zone. The API keeps
    UTC: integrations get the same instants with an explicit offset either way,
    and its output does not change with a setting.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return self.get_response(request)
        timezone.activate(business_day.store_zone())
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
