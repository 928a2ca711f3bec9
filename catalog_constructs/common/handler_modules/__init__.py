"""Canonical sources of the modules that more than one Lambda asset needs.

CDK zips each asset directory as it is, so an asset cannot import from outside its directory:
every asset's handler package holds a byte-for-byte copy of these modules, and
``tests/unit/common/handler_modules/test_copies.py`` fails when a copy differs. Edit the module
here, then copy it over the others (the failing test prints the command).
"""
