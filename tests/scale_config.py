"""Generated configurations of many communities, for the scaling benchmark and the limits test.

``write_scaled_config(directory, count)`` copies ``base.yaml`` and ``dev.yaml`` of a config
directory and replaces dev's communities with ``count`` communities, half of them sign-in
communities (where dev has one, so the SignIn stack is part of the stage: one role there per
sign-in community, and each writes its entry for the sign-in function from its own stack):
copies of dev's first sign-in community, each with its own Synapse team (or group), and copies
of its first other community whose members come with roles of their own. Every copy keeps the
kind, products, budget and member budgets of its original, with its own cost center, display
name and manager, and without sharing or spokes (spoke accounts do not grow with communities).
"""

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = ROOT / "config"


def scaled_communities(
    first: dict[str, Any], count: int, *, start: int = 1, sign_in: dict[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """Communities ``start``..``count``: copies of ``sign_in`` (a sign-in community) at every
    other index where it is given, of ``first`` otherwise."""
    communities = {}
    for index in range(start, count + 1):
        signs_in = sign_in is not None and index % 2 == 1
        original = sign_in if signs_in and sign_in is not None else first
        community = {key: value for key, value in original.items() if key != "sharing"}
        community["display_name"] = f"Scale Community {index:03d}"
        community["description"] = f"Generated community {index} of {count}."
        if signs_in:
            member = "team_id" if "team_id" in original["sign_in"] else "group"
            value = f"{5000000 + index}" if member == "team_id" else f"scale-{index:03d}"
            community["sign_in"] = {member: value}
        else:
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
        **scaled_communities(
            first,
            count,
            start=1 + len(sign_in),
            sign_in=shipped[sign_in[0]] if sign_in else None,
        ),
    }
    dev.pop("spokes", None)
    (directory / "dev.yaml").write_text(yaml.safe_dump(dev, sort_keys=False))
    return directory
