"""Lambda code of the cost-governance functions (one asset, one module per function).

Runs on Lambda with only the standard library and boto3/botocore; the asset root is the
directory above, so Lambda imports these modules as ``cost_handlers.<module>``.
"""
