"""REST endpoints for imports.

* `POST /api/v1/imports/` (multipart: kind, file, dry_run) queues a file like
  the browser does and answers 202 with the job; poll its `url`.
* `GET /api/v1/imports/`, `GET /api/v1/imports/{public_id}/`: jobs, progress
  and problems.
* `POST /api/v1/imports/records/` (JSON: kind, dry_run, records) checks and
  writes up to MAX_RECORDS rows at once, synchronously, with exactly the
  checks a file gets; the answer says what was created and updated or lists
  every problem (row = position in `records`, from 1) and writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from storeops.imports import jobs, registry
from storeops.imports.runner import run_import
from storeops.models import ImportJob, ImportSource
from storeops.roles import Capability, CapabilityPermission

MAX_RECORDS = 1000


class ProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True)
    column = serializers.CharField()
    message = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="import-detail", lookup_field="public_id")
    created_by = serializers.CharField(source="created_by.get_username", read_only=True)
    progress = serializers.SerializerMethodField()
    errors = ProblemSerializer(many=True, read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "public_id",
            "url",
            "kind",
            "file_name",
            "file_size",
            "file_format",
            "encoding",
            "dry_run",
            "source",
            "status",
            "progress",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "rows_total",
            "rows_created",
            "rows_updated",
            "rows_unchanged",
            "error_count",
            "errors",
            "message",
        ]
        read_only_fields = fields

    @extend_schema(
        responses=inline_serializer(
            "ImportProgress",
            {"phase": serializers.CharField(), "percent": serializers.IntegerField()},
        )
    )
    def get_progress(self, job: ImportJob) -> dict[str, Any]:
        return jobs.live_progress(job)


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="An import kind, e.g. suppliers.")
    file = serializers.FileField(help_text="CSV (UTF-8/GB18030) or XLSX.")
    dry_run = serializers.BooleanField(default=False)


class RecordsSerializer(serializers.Serializer):
    kind = serializers.CharField()
    dry_run = serializers.BooleanField(default=False)
    records = serializers.ListField(
        child=serializers.DictField(),
        min_length=1,
        max_length=MAX_RECORDS,
        help_text="Objects keyed by the kind's column headers (English or Chinese).",
    )


class RecordsResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    problems = ProblemSerializer(many=True)
    message = serializers.CharField(allow_blank=True)


class ImportJobViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Import jobs of the kinds the caller may run (and the caller's own)."""

    permission_classes = [CapabilityPermission]
    required_capabilities = [Capability.IMPORT_DATA]
    serializer_class = ImportJobSerializer
    lookup_field = "public_id"
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["kind", "status", "dry_run"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return ImportJob.objects.none()
        user = self.request.user
        return ImportJob.objects.filter(
            Q(kind__in=list(registry.kinds_for(user))) | Q(created_by=user)
        ).select_related("created_by")

    def _request_error(self, error: jobs.ImportRequestError):
        if error.code == "permission_denied":
            return PermissionDenied(error.message)
        field = "file" if error.code in ("empty_file", "file_too_large") else "kind"
        return ValidationError({field: [error.message]})

    @extend_schema(request=ImportUploadSerializer, responses={202: ImportJobSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            job = jobs.create_job(
                data["kind"],
                data["file"],
                file_name=data["file"].name,
                user=request.user,
                dry_run=data["dry_run"],
                source=ImportSource.API,
            )
        except jobs.ImportRequestError as error:
            raise self._request_error(error) from error
        body = ImportJobSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=RecordsSerializer, responses={200: RecordsResultSerializer})
    @action(detail=False, methods=["post"], parser_classes=[JSONParser])
    def records(self, request: Request) -> Response:
        payload = RecordsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        kinds = registry.kinds_for(request.user)
        if data["kind"] not in registry.kinds():
            raise ValidationError({"kind": [f"Unknown import kind {data['kind']!r}."]})
        if data["kind"] not in kinds:
            raise PermissionDenied()
        result = run_import(
            kinds[data["kind"]], list(data["records"]), user=request.user, dry_run=data["dry_run"]
        )
        if not result.ok:
            return invalid_rows_response(result)
        body = {
            "ok": result.ok,
            "dry_run": data["dry_run"],
            "rows": result.rows_total,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "problems": [p.as_dict() for p in result.problems],
            "message": result.message,
        }
        return Response(body)


def invalid_rows_response(result: Any) -> Response:
    """400 for records an import refused, every problem with its row and column."""
    message = result.message or _("%(count)d problems; nothing was written.") % {
        "count": result.problem_count
    }
    return Response(
        {
            "error": {
                "code": "invalid_rows",
                "message": message,
                "problems": [problem.as_dict() for problem in result.problems],
            }
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


class ImportResultSerializer(serializers.Serializer):
    """What :func:`upsert_records_response` answers when the records were written."""

    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


# The schema of every create endpoint built on upsert_records_response.
UPSERT_RESPONSES = {200: ImportResultSerializer, 201: ImportResultSerializer}


def upsert_records_response(kind_key: str, request: Request) -> Response:
    """A create endpoint that takes one object or a list of objects of an import kind.

    The records go through the kind exactly as a file's rows do (all or
    nothing, re-sent records change nothing): 201 when a record was created,
    200 when all were updated or unchanged, 400 with the problems otherwise.
    """
    records = request.data if isinstance(request.data, list) else [request.data]
    if not records or not all(isinstance(record, dict) for record in records):
        raise ValidationError({"non_field_errors": [_("Send one object or a list of objects.")]})
    result = run_import(registry.get(kind_key), list(records), user=request.user)
    if not result.ok:
        return invalid_rows_response(result)
    body = {
        "rows": result.rows_total,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }
    return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)
