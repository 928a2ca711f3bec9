"""The cost functions' Lambda asset: Lambda imports the ``cost_handlers`` package's modules
directly (handlers ``cost_handlers.tags.handler`` and so on), so no entry module is needed.
This file only makes the directory importable from the tests."""
