"""The catalog-admin function's code: catalog administration CloudFormation has no resource
for, one module per custom resource type of the Catalog stack (``dispatch.RESOURCE_TYPES``).

* ``Custom::VersionGuidance`` (``version_guidance``): deprecates every version of a product but
  the newest published one.
* ``Custom::PortfolioShare`` (``portfolio_share``): shares a portfolio with an account, an OU
  or the organization, with TagOptions and principals.

``cfn`` answers CloudFormation (a copy of ``catalog_constructs/common/handler_modules/cfn.py``).
Runs on Lambda with the standard library and boto3/botocore only; the asset root is the
directory above, whose ``index.py`` is Lambda's entry module.
"""
