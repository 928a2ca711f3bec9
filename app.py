#!/usr/bin/env python3
"""Builds the research catalog for one stage: ``cdk synth -c stage=<name>`` (default: dev)."""

import os
import sys

from catalog_app import build_app
from config.loader import ConfigError


def main() -> None:
    try:
        app = build_app()
    except ConfigError as error:
        print(f"Configuration error:\n{error}", file=sys.stderr)
        sys.exit(2)
    app.synth()


if __name__ == "__main__":
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    main()
