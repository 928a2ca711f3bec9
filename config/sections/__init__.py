"""One module per top-level section of the configuration: its models and field checks.

Rules that relate one section to another live in `config.rules`.
"""
