"""Catalog importers, one module per topic; importing this package registers them."""

from catalog.importers import products, suppliers  # noqa: F401
