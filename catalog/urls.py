from django.urls import path

from catalog.views import categories as category_views
from catalog.views import exports as export_views
from catalog.views import products as product_views
from catalog.views import suppliers as supplier_views

app_name = "catalog"
urlpatterns = [
    path("suppliers/", supplier_views.supplier_list, name="supplier-list"),
    path("suppliers/new/", supplier_views.supplier_edit, name="supplier-create"),
    path("suppliers/<int:pk>/", supplier_views.supplier_detail, name="supplier-detail"),
    path("suppliers/<int:pk>/edit/", supplier_views.supplier_edit, name="supplier-edit"),
    path("products/", product_views.product_list, name="product-list"),
    path("products/export/", export_views.product_export, name="product-export"),
    path("products/bulk/", product_views.product_bulk, name="product-bulk"),
    path("products/new/", product_views.product_create, name="product-create"),
    path("products/<int:pk>/", product_views.product_detail, name="product-detail"),
    path("products/<int:pk>/edit/", product_views.product_edit, name="product-edit"),
    path("products/<int:pk>/status/", product_views.product_status, name="product-status"),
    path("products/<int:pk>/delete/", product_views.product_delete, name="product-delete"),
    path("products/<int:pk>/variants/new/", product_views.variant_add, name="variant-add"),
    path("sku/<str:sku_code>/prices/", product_views.variant_history, name="variant-history"),
    path("categories/", category_views.category_list, name="category-list"),
    path("categories/new/", category_views.category_create, name="category-create"),
    path("categories/<int:pk>/edit/", category_views.category_edit, name="category-edit"),
    path("categories/<int:pk>/delete/", category_views.category_delete, name="category-delete"),
]
