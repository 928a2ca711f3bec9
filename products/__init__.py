"""Products: one package per product (``products/<package>/``: definition, form, stack, usage
text, instance scripts); ``registry`` and ``catalog`` collect them."""
