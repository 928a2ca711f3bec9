"""Notebook EC2: RStudio Server or JupyterLab opened in the browser, for its owner only.

``definition`` (versions, smoke test; no CDK), ``form`` (launch form), ``stack`` (the
ProductStack), ``setup.sh`` and ``notebook_boot.sh`` (its part of the instance's user data and
the script that configures the notebook at every boot), ``usage.md`` (docs page).
"""
