from django.urls import path

from storeops import views

app_name = "catalog"
urlpatterns = [path("suppliers/", views.home, name="supplier-list")]
