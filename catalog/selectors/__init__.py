"""Catalog selectors, one module per topic (suppliers, categories, products, prices)."""
