"""The bucket functions' Lambda asset: Lambda imports the entry module ``index`` (handlers
``index.handler`` and ``index.purge_handler``), which imports the ``storage_handlers`` package
beside it. This file only makes the directory importable from the tests."""
