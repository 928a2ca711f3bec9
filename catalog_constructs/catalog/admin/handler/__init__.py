"""The catalog-admin function's Lambda asset: Lambda imports the entry module ``index``
(handler ``index.handler``), which imports the ``catalog_admin_handlers`` package beside it.
This file only makes the directory importable from the tests."""
