"""The sign-in service's Lambda asset: Lambda imports the entry module ``index`` (handler
``index.handler``), which imports the ``sign_in_handlers`` package beside it. This file only
makes the directory importable from the tests."""
