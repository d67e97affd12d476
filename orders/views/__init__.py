"""Order pages, one module per area."""
