"""Scheduled Job: the owner's container on AWS Batch Fargate, on a schedule or on request.

``definition`` (versions, smoke test; no CDK), ``form`` (launch form), ``stack`` (the
ProductStack), ``usage.md`` (docs page).
"""
