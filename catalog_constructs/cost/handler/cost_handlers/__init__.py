"""Lambda code of the cost-governance functions (one asset, one module per function).

``tags`` answers ``Custom::CostAllocationTags`` and its daily retry, ``enforcement``
``Custom::BudgetBlockRelease``, its schedule and the stop topics, ``report`` sends the weekly
reports; ``cfn`` answers CloudFormation (a copy of
``catalog_constructs/common/handler_modules/cfn.py``). Runs on Lambda with only the standard
library and boto3/botocore; the asset root is the directory above, so Lambda imports these
modules as ``cost_handlers.<module>``.
"""
