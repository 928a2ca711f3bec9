"""Lambda code of the bucket-access custom resource and of the archive purge.

This directory is the Lambda asset of two functions: Lambda loads ``index.py`` as the
top-level module ``index`` (``index.handler`` for the custom resource and operator actions,
``index.purge_handler`` for the schedule), so it must stay self-contained (standard library
and boto3/botocore only). This file only makes the directory importable from the tests.
"""
