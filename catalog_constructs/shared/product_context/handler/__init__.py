"""The product-context function's Lambda asset: Lambda imports the entry module ``index``
(handler ``index.handler``), which imports the ``product_context_handlers`` package beside it.
This file only makes the directory importable from the tests."""
