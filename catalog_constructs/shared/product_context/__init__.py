"""The product-context function (:mod:`.function`) and its Lambda code (``handler/``). Nothing is
imported here, so the handler tests import the Lambda code without CDK."""
