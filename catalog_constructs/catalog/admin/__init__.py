"""Catalog administration without CloudFormation resources (version guidance, portfolio
shares): the function in :mod:`.function`, its Lambda code in ``handler/``. Nothing is imported
here, so the handler tests import the Lambda code without CDK."""
