"""Products: one module per product, each exporting its ProductTemplate."""
