"""The daily-summary workbook in the browser: start an export, watch it, download it.

The export runs as a Celery task (`reports.export_workbook`); its state lives in
the cache like an import's progress, and the page polls a partial every second.
Only the user who asked for a workbook, or an operations manager, may see or
fetch it; the profit figures are included only for users who may see profit.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from customers.models import SalesChannel
from reports import tasks, workbook
from storeops import business_day
from storeops.roles import Capability, Role, capability_required, has_capability, roles_of

LANGUAGES = [("en", _("English")), ("zh-hans", _("Chinese"))]
MAX_DAYS = 3 * 366


class WorkbookForm(forms.Form):
    """`from`, `to`, `channel` and `lang`, as the dashboard's button posts them."""

    date_from = forms.DateField(label=_("From"))
    date_to = forms.DateField(label=_("To"))
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        queryset=SalesChannel.objects.order_by("position", "code"),
        to_field_name="code",
        required=False,
        empty_label=_("Whole store"),
    )
    lang = forms.ChoiceField(label=_("Language"), choices=LANGUAGES, required=False)

    def clean_lang(self) -> str:
        return self.cleaned_data["lang"] or _default_lang()

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        # The dashboard posts `from` and `to`, which are Python keywords.
        if data is not None:
            data = data.copy()
            for outside, inside in (("from", "date_from"), ("to", "date_to")):
                if outside in data and inside not in data:
                    data[inside] = data[outside]
            if data.get("lang"):
                data["lang"] = "zh-hans" if workbook.normalize_lang(data["lang"]) == "zh" else "en"
        super().__init__(data, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", _("The last day is before the first day."))
            elif (end - start).days >= MAX_DAYS:
                self.add_error("date_to", _("Choose at most three years."))
        return cleaned


def _is_manager(user: Any) -> bool:
    return user.is_superuser or Role.OPERATIONS_MANAGER in roles_of(user)


def _job_for(request: HttpRequest, job_id: str) -> dict[str, Any]:
    """The job's state, or 404 when it is unknown, expired or someone else's."""
    state = workbook.read_job(job_id)
    if state is None or (state["user_id"] != request.user.pk and not _is_manager(request.user)):
        raise Http404
    return state


def _default_lang() -> str:
    return "zh-hans" if translation.get_language().lower().startswith("zh") else "en"


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_REPORTS)
def workbook_start(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: queue the export and go to its progress page."""
    if request.method == "GET":
        yesterday = business_day.today() - dt.timedelta(days=1)
        form = WorkbookForm(
            initial={
                "date_from": yesterday.replace(day=1),
                "date_to": yesterday,
                "lang": _default_lang(),
            }
        )
        return render(request, "reports/workbook_start.html", {"form": form})
    form = WorkbookForm(request.POST)
    if not form.is_valid():
        return render(request, "reports/workbook_start.html", {"form": form}, status=400)
    data = form.cleaned_data
    channel = data["channel"].code if data["channel"] else ""
    job_id = workbook.new_job(
        user_id=request.user.pk,
        start=data["date_from"],
        end=data["date_to"],
        channel=channel,
        lang=data["lang"],
    )
    include_profit = has_capability(request.user, Capability.VIEW_PROFIT)
    transaction.on_commit(lambda: tasks.export_workbook_task.delay(job_id, include_profit))
    return redirect("reports:workbook-detail", job_id=job_id)


def _context(job_id: str, state: dict[str, Any]) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "job": state,
        "is_finished": state["status"] in (workbook.JobStatus.DONE, workbook.JobStatus.FAILED),
    }


@require_GET
@capability_required(Capability.VIEW_REPORTS)
def workbook_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    state = _job_for(request, job_id)
    return render(request, "reports/workbook_detail.html", _context(job_id, state))


@require_GET
@capability_required(Capability.VIEW_REPORTS)
def workbook_progress(request: HttpRequest, job_id: str) -> HttpResponse:
    """The status panel alone, polled by htmx every second until the file is ready."""
    state = _job_for(request, job_id)
    return render(request, "reports/workbook_progress.html", _context(job_id, state))


@require_GET
@capability_required(Capability.VIEW_REPORTS)
def workbook_download(request: HttpRequest, job_id: str) -> FileResponse:
    state = _job_for(request, job_id)
    if state["status"] != workbook.JobStatus.DONE:
        raise Http404
    root = (Path(settings.MEDIA_ROOT) / workbook.EXPORT_DIR).resolve()
    path = (Path(settings.MEDIA_ROOT) / state["path"]).resolve()
    if root not in path.parents or not path.is_file():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=state["filename"],
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
