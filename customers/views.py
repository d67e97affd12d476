"""Customer pages: the service team's performance per agent."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from customers import selectors
from customers.forms import ServiceRangeForm
from storeops.imports import registry
from storeops.roles import Capability, capability_required


@require_GET
@capability_required(Capability.VIEW_REPORTS)
def service_team(request: HttpRequest) -> HttpResponse:
    """Inquiries, conversion, first response and sales per agent over a range of days."""
    form = ServiceRangeForm(request.GET)
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        channel = form.cleaned_data["channel"]
    else:
        (start, end), channel = ServiceRangeForm.default_range(), None
    lines = selectors.agent_performance(start, end, channel)
    return render(
        request,
        "customers/service_team.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "channel": channel,
            "lines": lines,
            "total": selectors.total_of(lines),
            "can_import": "service_agents" in registry.kinds_for(request.user),
        },
    )
