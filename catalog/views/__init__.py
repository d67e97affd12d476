"""Catalog views, one module per topic (suppliers, categories, products, prices)."""
