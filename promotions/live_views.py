"""The live-stream sessions page: sessions of a range with derived figures, totals, a chart.

Viewing needs VIEW_AD_SPEND (operations manager, marketing), like the ad spend page.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from promotions import live_selectors
from promotions.live_forms import LiveSessionRangeForm
from promotions.models import LiveSession
from storeops import business_day
from storeops.roles import Capability, capability_required

PAGE_SIZE = 25


def _chart_data(sessions: list[LiveSession]) -> dict[str, Any]:
    """What the chart draws; money as strings (the script converts at the edge)."""
    zone = business_day.store_zone()
    return {
        "sessions": [
            f"{timezone.localtime(session.started_at, zone):%Y-%m-%d %H:%M} {session.channel.name}"
            for session in sessions
        ],
        "sales": [str(session.sales) for session in sessions],
        "viewers": [session.viewers for session in sessions],
        "labels": {
            "title": _("Sales and viewers per session"),
            "sales": _("Sales"),
            "viewers": _("Viewers"),
        },
    }


@require_GET
@capability_required(Capability.VIEW_AD_SPEND)
def live_sessions(request: HttpRequest) -> HttpResponse:
    form = LiveSessionRangeForm(request.GET or None, today=business_day.today())
    date_from, date_to, channel = form.range()
    sessions = live_selectors.live_sessions(date_from=date_from, date_to=date_to, channel=channel)
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    totals = live_selectors.live_totals(date_from=date_from, date_to=date_to, channel=channel)
    chart = live_selectors.chart_sessions(date_from=date_from, date_to=date_to, channel=channel)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "promotions/live_sessions.html",
        {
            "form": form,
            "date_from": date_from,
            "date_to": date_to,
            "page": page,
            "rows": live_selectors.session_rows(list(page.object_list)),
            "totals": totals,
            "chart_data": _chart_data(chart) if chart else None,
            "query": query.urlencode(),
            "store_timezone": str(business_day.store_zone()),
        },
    )
