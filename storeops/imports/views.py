"""Import pages: the list of jobs, the upload form, a job with live progress
and its problems, the problems as CSV and a blank template per kind."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from storeops import exports
from storeops.imports import jobs, registry
from storeops.imports.forms import ImportForm, JobFilterForm
from storeops.models import ImportJob, ImportSource, ImportStatus
from storeops.roles import Capability, capability_required

PAGE_SIZE = 50


def _visible_jobs(user):
    return ImportJob.objects.filter(
        Q(kind__in=list(registry.kinds_for(user))) | Q(created_by=user)
    ).select_related("created_by")


def _job_for(request: HttpRequest, public_id) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), public_id=public_id)
    if not jobs.may_view(request.user, job):
        raise Http404
    return job


def _kind_label(key: str) -> str:
    try:
        return str(registry.get(key).label)
    except registry.UnknownKind:
        return key


@require_GET
@capability_required(Capability.IMPORT_DATA)
def job_list(request: HttpRequest) -> HttpResponse:
    form = JobFilterForm(request.GET or None, user=request.user)
    queryset = _visible_jobs(request.user)
    if form.is_valid():
        if form.cleaned_data["kind"]:
            queryset = queryset.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["status"]:
            queryset = queryset.filter(status=form.cleaned_data["status"])
    page = Paginator(queryset.defer("errors"), PAGE_SIZE).get_page(request.GET.get("page"))
    for job in page.object_list:
        job.kind_label = _kind_label(job.kind)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "imports/job_list.html",
        {
            "filter_form": form,
            "page": page,
            "query": query.urlencode(),
            "kinds": registry.kinds_for(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.IMPORT_DATA)
def job_create(request: HttpRequest) -> HttpResponse:
    initial = {"kind": request.GET.get("kind", "")}
    form = ImportForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = jobs.create_job(
                form.cleaned_data["kind"],
                upload,
                file_name=upload.name,
                user=request.user,
                dry_run=form.cleaned_data["dry_run"],
                source=ImportSource.WEB,
            )
        except jobs.ImportRequestError as error:
            form.add_error("file" if "file" in error.code else "kind", error.message)
        else:
            return redirect("imports:job-detail", public_id=job.public_id)
    kinds = registry.kinds_for(request.user)
    return render(
        request,
        "imports/job_form.html",
        {"form": form, "kinds": [(key, kind, kind.columns) for key, kind in kinds.items()]},
    )


def _detail_context(job: ImportJob) -> dict:
    return {
        "job": job,
        "kind_label": _kind_label(job.kind),
        "progress": jobs.live_progress(job),
        "more_errors": max(0, job.error_count - len(job.errors)),
    }


@require_GET
@capability_required(Capability.IMPORT_DATA)
def job_detail(request: HttpRequest, public_id) -> HttpResponse:
    job = _job_for(request, public_id)
    return render(request, "imports/job_detail.html", _detail_context(job))


@require_GET
@capability_required(Capability.IMPORT_DATA)
def job_progress(request: HttpRequest, public_id) -> HttpResponse:
    """The status panel alone, polled by htmx while the job runs.

    When the job has finished the whole page is reloaded (HX-Refresh) so that
    the counts and the problem table appear.
    """
    job = _job_for(request, public_id)
    response = render(request, "imports/partials/job_progress.html", _detail_context(job))
    if job.is_finished and request.GET.get("was") == "running":
        response["HX-Refresh"] = "true"
    return response


@require_GET
@capability_required(Capability.IMPORT_DATA)
def job_errors(request: HttpRequest, public_id) -> HttpResponse:
    job = _job_for(request, public_id)
    rows = ((e["row"] or "", e["column"], e["message"]) for e in job.errors)
    return exports.csv_response(
        f"import-{job.pk}-problems.csv", [_("Row"), _("Column"), _("Problem")], rows
    )


@require_POST
@capability_required(Capability.IMPORT_DATA)
def job_apply(request: HttpRequest, public_id) -> HttpResponse:
    """Run a checked dry run for real, with the same file."""
    job = _job_for(request, public_id)
    if job.status != ImportStatus.CHECKED:
        messages.error(request, _("Only a dry run that found no problems can be applied."))
        return redirect("imports:job-detail", public_id=job.public_id)
    try:
        with job.file.open("rb") as stream:
            applied = jobs.create_job(
                job.kind,
                stream,
                file_name=job.file_name,
                user=request.user,
                dry_run=False,
                source=ImportSource.WEB,
            )
    except jobs.ImportRequestError as error:
        messages.error(request, error.message)
        return redirect("imports:job-detail", public_id=job.public_id)
    return redirect("imports:job-detail", public_id=applied.public_id)


@require_GET
@capability_required(Capability.IMPORT_DATA)
def kind_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty CSV with the kind's headers, ready to fill in."""
    kinds = registry.kinds_for(request.user)
    if kind not in kinds:
        raise Http404
    return exports.csv_response(f"{kind}-template.csv", kinds[kind].template_headers(), [])
