from django.urls import path

from storeops import views

app_name = "imports"
urlpatterns = [path("", views.home, name="job-list")]
