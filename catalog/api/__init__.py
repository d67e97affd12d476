"""Catalog api, one module per topic (suppliers, categories, products, prices)."""
