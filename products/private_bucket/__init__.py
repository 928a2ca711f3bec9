"""S3 Private Encrypted Bucket: a bucket only its owner (and the owner's workstations) can use.

``definition`` (versions, smoke test; no CDK), ``form`` (launch form), ``stack`` (the
ProductStack), ``usage.md`` (docs page).
"""
