"""Lambda code of the product-context custom resource.

This directory is the Lambda asset: Lambda loads ``index.py`` as the top-level module
``index`` (handler ``index.handler``), so ``index.py`` must stay self-contained (no relative
imports, nothing beyond the standard library and boto3/botocore). This file only makes the
directory importable from the tests.
"""
