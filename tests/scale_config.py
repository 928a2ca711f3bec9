"""Generated configurations of many communities, for the scaling benchmark and the limits test.

``write_scaled_config(directory, count)`` copies ``base.yaml`` and ``dev.yaml`` of a config
directory and replaces dev's communities with ``count`` communities: its first sign-in
community with its first cost center (where it has one, so the SignIn stack is part of the
stage; the sign-in service holds its communities in its function's settings, a few dozen at
most, config.rules.sign_in), then copies of its first community whose members come with roles of
their own: the same kind, products, budget and member budgets, each with its own role, cost
center, display name and manager, and without sharing or spokes (spoke accounts do not grow
with communities).
"""

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = ROOT / "config"


def scaled_communities(
    first: dict[str, Any], count: int, *, start: int = 1
) -> dict[str, dict[str, Any]]:
    communities = {}
    for index in range(start, count + 1):
        community = {key: value for key, value in first.items() if key != "sharing"}
        community["display_name"] = f"Scale Community {index:03d}"
        community["description"] = f"Generated community {index} of {count}."
        community["principals"] = {"role_names": [f"ScaleCommunity{index:03d}Users"]}
        community["cost_centers"] = [f"Scale {index:03d} / {100000 + index}"]
        community["manager_email"] = f"manager-{index:03d}@example.org"
        communities[f"scale-{index:03d}"] = community
    return communities


def write_scaled_config(directory: Path, count: int, source: Path = SHIPPED_CONFIG) -> Path:
    """``directory`` holding ``base.yaml`` and a ``dev.yaml`` with ``count`` communities."""
    directory.mkdir(parents=True, exist_ok=True)
    base = yaml.safe_load((source / "base.yaml").read_text())
    base.pop("delivery", None)  # the pipeline would need every stage of stage_order
    base["stage_order"] = ["dev"]  # only dev is written here
    (directory / "base.yaml").write_text(yaml.safe_dump(base, sort_keys=False))
    dev = yaml.safe_load((source / "dev.yaml").read_text())
    shipped = dev["communities"]
    first = next(c for c in shipped.values() if c.get("kind") != "sign-in")
    sign_in = [name for name, c in shipped.items() if c.get("kind") == "sign-in"][:1]
    # One cost center each: a stage holds at most 200 (config.rules.communities).
    dev["communities"] = {
        **{
            name: {**shipped[name], "cost_centers": shipped[name]["cost_centers"][:1]}
            for name in sign_in
        },
        **scaled_communities(first, count, start=1 + len(sign_in)),
    }
    dev.pop("spokes", None)
    (directory / "dev.yaml").write_text(yaml.safe_dump(dev, sort_keys=False))
    return directory
