"""Linux Docker EC2: a private Linux instance with Docker and the compose plugin.

``definition`` (versions, smoke test; no CDK), ``form`` (launch form), ``stack`` (the
ProductStack), ``setup.sh`` (its part of the instance's user data), ``usage.md`` (docs page).
"""
