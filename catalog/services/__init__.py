"""Catalog services, one module per topic (suppliers, categories, products, prices)."""
