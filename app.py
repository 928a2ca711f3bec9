#!/usr/bin/env python3
"""Builds the research catalog for one stage: ``cdk synth -c stage=<name>`` (default: dev), or
the delivery pipeline with ``-c pipeline=true``."""

import sys

from aws_cdk import App

from catalog_app import PIPELINE_CONTEXT_KEY, build_app, build_pipeline_app
from config import ConfigError


def main() -> None:
    try:
        # The CLI passes -c values through the environment; an empty App reads them cheaply.
        context = App(auto_synth=False).node.try_get_context(PIPELINE_CONTEXT_KEY)
        app = build_pipeline_app() if str(context).lower() == "true" else build_app()
    except ConfigError as error:
        print(f"Configuration error:\n{error}", file=sys.stderr)
        sys.exit(2)
    app.synth()


if __name__ == "__main__":
    main()
