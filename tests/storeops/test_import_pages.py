"""Imports as a user meets them: the upload page, the job page with its
problems, the problems CSV, applying a dry run, and the REST endpoints."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import Supplier
from storeops.models import ImportJob, ImportStatus


def upload(text: str, name: str = "suppliers.csv", encoding: str = "utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.mark.django_db
def test_uploading_a_bad_file_shows_every_problem_and_writes_nothing(
    manager_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("imports:job-create"),
            {
                "kind": "suppliers",
                "file": upload("供应商编码,供应商名称,交期\nS1,Acme,two\nS2,,3\n"),
            },
        )
    response = manager_client.get(response.url)
    job = ImportJob.objects.get()
    assert response.request["PATH_INFO"] == reverse("imports:job-detail", args=[job.public_id])
    page = response.content.decode()
    assert "Rejected: the file has errors" in page
    assert "“two” is not a number" in page and "Lead time (days)" in page
    assert "A value is required." in page
    assert "Nothing was written" in page
    assert not Supplier.objects.exists()

    problems = manager_client.get(reverse("imports:job-errors", args=[job.public_id]))
    body = b"".join(problems.streaming_content).decode("utf-8-sig").splitlines()
    assert body[0] == "Row,Column,Problem"
    assert body[1:] == [
        "2,Lead time (days),“two” is not a number",
        "3,Supplier name,A value is required.",
    ]


@pytest.mark.django_db
def test_a_dry_run_can_then_be_applied_for_real(manager_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("imports:job-create"),
            {"kind": "suppliers", "file": upload("code,name\nS1,Acme\nS2,Beta\n"), "dry_run": "on"},
        )
    checked = ImportJob.objects.get()
    assert checked.status == ImportStatus.CHECKED and checked.rows_created == 2
    assert not Supplier.objects.exists()
    page = manager_client.get(reverse("imports:job-detail", args=[checked.public_id])).content
    assert "Would be created" in page.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("imports:job-apply", args=[checked.public_id]))
    applied = ImportJob.objects.exclude(pk=checked.pk).get()
    assert response.url == reverse("imports:job-detail", args=[applied.public_id])
    assert applied.status == ImportStatus.SUCCEEDED and not applied.dry_run
    assert Supplier.objects.count() == 2


@pytest.mark.django_db
def test_the_progress_panel_polls_while_running_and_refreshes_when_done(manager_client, manager):
    from storeops.imports import jobs, progress

    job = jobs.create_job(
        "suppliers", upload("code,name\nS1,A\n"), file_name="s.csv", user=manager, enqueue=False
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    progress.report(job.pk, "writing", 75)
    url = reverse("imports:job-progress", args=[job.public_id])
    running = manager_client.get(url, {"was": "running"})
    assert (
        'value="75"' in running.content.decode()
        and 'hx-trigger="every 1s"' in running.content.decode()
    )
    assert "HX-Refresh" not in running

    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.QUEUED)
    jobs.execute(job.pk)
    done = manager_client.get(url, {"was": "running"})
    assert done["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_import_list_filters_and_paginates_with_flat_queries(
    manager_client, manager, django_assert_max_num_queries
):
    from storeops.imports import jobs

    for number in range(60):
        jobs.create_job(
            "suppliers",
            upload(f"code,name\nS{number},A\n"),
            file_name=f"s{number}.csv",
            user=manager,
            enqueue=False,
        )
    with django_assert_max_num_queries(12):
        first = manager_client.get(reverse("imports:job-list"))
    assert first.content.decode().count("s5") >= 1
    assert "Page 1 of 2" in first.content.decode()
    rejected = manager_client.get(reverse("imports:job-list"), {"status": "rejected"})
    assert "0 imports" in rejected.content.decode()


@pytest.mark.django_db
def test_roles_without_the_kind_cannot_choose_it(client, service_agent, warehouse_clerk):
    client.force_login(service_agent)
    form = client.get(reverse("imports:job-create")).content.decode()
    assert 'value="suppliers"' not in form
    response = client.post(
        reverse("imports:job-create"), {"kind": "suppliers", "file": upload("code,name\nS1,A\n")}
    )
    assert response.status_code == 200 and not ImportJob.objects.exists()
    client.force_login(warehouse_clerk)
    assert 'value="suppliers"' in client.get(reverse("imports:job-create")).content.decode()


@pytest.mark.django_db
def test_other_roles_cannot_open_a_job_of_a_kind_they_may_not_run(client, manager, service_agent):
    from storeops.imports import jobs

    job = jobs.create_job(
        "suppliers", upload("code,name\nS1,A\n"), file_name="s.csv", user=manager, enqueue=False
    )
    client.force_login(service_agent)
    assert client.get(reverse("imports:job-detail", args=[job.public_id])).status_code == 404
    assert client.get(reverse("imports:job-errors", args=[job.public_id])).status_code == 404


@pytest.mark.django_db
def test_a_blank_template_lists_the_headers(manager_client):
    response = manager_client.get(reverse("imports:kind-template", args=["suppliers"]))
    header = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert header.startswith("code,name,contact_name")


# REST


@pytest.fixture
def api(manager):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(manager)
    return client


@pytest.mark.django_db
def test_api_upload_queues_a_job_and_reports_its_problems(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/imports/",
            {"kind": "suppliers", "file": upload("code,name\nS1,\n")},
            format="multipart",
        )
    assert response.status_code == 202
    detail = api.get(response.json()["url"]).json()
    assert detail["status"] == "rejected"
    assert detail["errors"] == [
        {"row": 2, "column": "Supplier name", "message": "A value is required."}
    ]
    assert detail["progress"] == {"phase": "done", "percent": 100}


@pytest.mark.django_db
def test_api_upload_refuses_an_unknown_kind(api):
    response = api.post(
        "/api/v1/imports/", {"kind": "planets", "file": upload("a\n1\n")}, format="multipart"
    )
    assert response.status_code == 400
    assert "planets" in str(response.json())
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_api_records_get_the_same_checks_as_files(api):
    bad = api.post(
        "/api/v1/imports/records/",
        {
            "kind": "suppliers",
            "records": [
                {"code": "S1", "name": "Acme", "min_order_amount": "¥1,000"},
                {"code": "S2", "name": "Beta", "min_order_amount": "lots"},
            ],
        },
        format="json",
    )
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["code"] == "invalid_rows"
    assert error["problems"] == [
        {"row": 2, "column": "Minimum order amount", "message": "“lots” is not a number"}
    ]
    assert not Supplier.objects.exists()

    chinese = api.post(
        "/api/v1/imports/records/",
        {
            "kind": "suppliers",
            "dry_run": True,
            "records": [{"供应商编码": "S9", "供应商名称": "甲"}],
        },
        format="json",
    )
    assert chinese.status_code == 200 and chinese.json()["created"] == 1
    assert not Supplier.objects.exists()

    good = api.post(
        "/api/v1/imports/records/",
        {
            "kind": "suppliers",
            "records": [{"code": "S1", "name": "Acme", "min_order_amount": 1000}],
        },
        format="json",
    )
    assert good.status_code == 200
    assert good.json()["created"] == 1
    assert Supplier.objects.get(code="S1").min_order_amount == 1000
    again = api.post(
        "/api/v1/imports/records/",
        {
            "kind": "suppliers",
            "records": [{"code": "S1", "name": "Acme", "min_order_amount": 1000}],
        },
        format="json",
    )
    assert again.json()["unchanged"] == 1 and again.json()["created"] == 0


@pytest.mark.django_db
def test_api_records_refuse_a_kind_the_role_may_not_run(service_agent):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(service_agent)
    response = client.post(
        "/api/v1/imports/records/",
        {"kind": "suppliers", "records": [{"code": "S1", "name": "Acme"}]},
        format="json",
    )
    assert response.status_code == 403
    assert not Supplier.objects.exists()
