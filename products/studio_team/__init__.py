"""SageMaker Studio Team: a VPC-only domain per team, a profile per member, a scratch bucket.

``definition`` (versions, smoke test; no CDK), ``form`` (launch form), ``stack`` (the
ProductStack), ``usage.md`` (docs page).
"""
