"""Windows EC2: a private Windows Server 2022 desktop reached through Fleet Manager.

``definition`` (versions, smoke test; no CDK), ``form`` (launch form), ``stack`` (the
ProductStack), ``setup.ps1`` (its part of the instance's user data), ``usage.md`` (docs page).
"""
