#!/usr/bin/env python3
"""Builds the research catalog for one stage: ``cdk synth -c stage=<name>`` (default: dev), or
the delivery pipeline with ``-c pipeline=true``."""

import os
import sys
from pathlib import Path

from aws_cdk import App

from catalog_app import (
    PIPELINE_CONTEXT_KEY,
    build_app,
    build_pipeline_app,
    clear_previous_assembly,
    synth,
)
from catalog_constructs.catalog.product import ReleasedTemplateChanged
from config import ConfigError


def main() -> None:
    # The CLI names its output directory (cdk.out) in CDK_OUTDIR.
    if outdir := os.environ.get("CDK_OUTDIR"):
        # Only this synth's stacks in cdk.out: not another stage's from an earlier run.
        clear_previous_assembly(Path(outdir))
    try:
        # The CLI passes -c values through the environment; an empty App reads them cheaply.
        context = App(auto_synth=False).node.try_get_context(PIPELINE_CONTEXT_KEY)
        app = build_pipeline_app() if str(context).lower() == "true" else build_app()
    except ConfigError as error:
        print(f"Configuration error:\n{error}", file=sys.stderr)
        sys.exit(2)
    try:
        synth(app)
    except ReleasedTemplateChanged as error:
        print(error, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
