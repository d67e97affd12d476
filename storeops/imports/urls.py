from django.urls import path

from storeops.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.job_list, name="job-list"),
    path("new/", views.job_create, name="job-create"),
    path("templates/<slug:kind>.csv", views.kind_template, name="kind-template"),
    path("<uuid:public_id>/", views.job_detail, name="job-detail"),
    path("<uuid:public_id>/progress/", views.job_progress, name="job-progress"),
    path("<uuid:public_id>/problems.csv", views.job_errors, name="job-errors"),
    path("<uuid:public_id>/apply/", views.job_apply, name="job-apply"),
]
