"""S3 Synapse Bucket: an owner-only bucket Synapse can use as a project's storage location.

``definition`` (versions, smoke test; no CDK), ``form`` (launch form), ``stack`` (the
ProductStack), ``usage.md`` (docs page).
"""
