"""Plan the move of a deployed stage to the community stacks: ``make refactor-plan STAGE=<name>
BEFORE=<dir>`` (docs/operations.md, "Moving an existing stage to the community stacks").

Reads the deployed templates and physical IDs of the stage's Catalog and Cost stacks
(``<stack name>.template.json`` and ``<stack name>.resources.json`` in ``BEFORE``, written by
``aws cloudformation get-template`` and ``list-stack-resources``) and the synthesized new layout
(``cdk.out``), matches every resource that leaves those stacks with its counterpart in the new
layout by what it is (``delivery.refactor_identity``), and writes what CloudFormation's stack
refactoring needs, one refactor per group of communities (at most five stacks each):

- ``mappings.json``: every move, Source and Destination (stack name and logical ID);
- ``refactor-NN/resource-mappings.json`` and ``refactor-NN/stack-definitions.json``, the
  arguments of ``aws cloudformation create-stack-refactor``, with the templates the stacks have
  after that refactor (``refactor-NN/<stack name>.template.json``): the moved resources with
  their deployed properties, references to resources in another stack written as the values
  they have (physical IDs), so nothing is created, deleted or changed by the refactor itself.

It refuses (exit 1, naming each resource) when a product would move or be replaced, when a
portfolio, association, constraint, share, budget, topic or subscription has no counterpart
(the deploy would delete it and create another), or when a counterpart is ambiguous. What it
cannot show offline: that CloudFormation accepts every type for refactoring; the refactor's
own validation (``describe-stack-refactor``) is the check.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from delivery.refactor_identity import Address, Identities, IdentityError
from delivery.refactor_templates import MAX_TEMPLATE_BODY, RefactorState, TemplateError

# Resources whose replacement a researcher would notice: deleting one and creating its twin
# removes access (associations, shares), fails (constraints, TagOptions, budgets: unique per
# portfolio, value or name) or loses confirmed e-mail subscriptions.
MUST_MOVE = {
    "AWS::ServiceCatalog::Portfolio",
    "AWS::ServiceCatalog::PortfolioPrincipalAssociation",
    "AWS::ServiceCatalog::PortfolioProductAssociation",
    "AWS::ServiceCatalog::LaunchRoleConstraint",
    "AWS::ServiceCatalog::ResourceUpdateConstraint",
    "AWS::ServiceCatalog::TagOption",
    "AWS::ServiceCatalog::TagOptionAssociation",
    "Custom::PortfolioShare",
    "AWS::Budgets::Budget",
    "AWS::Budgets::BudgetsAction",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
}
NEVER_MOVE = {"AWS::ServiceCatalog::CloudFormationProduct"}
# CloudFormation refactors at most five stacks at once.
MAX_STACKS_PER_REFACTOR = 5
Layout = Mapping[str, Mapping[str, Any]]


class PlanError(Exception):
    """The stage cannot be moved as planned; the message names every resource concerned."""


@dataclass(frozen=True)
class Move:
    source: Address
    destination: Address

    def mapping(self) -> dict[str, dict[str, str]]:
        return {
            "Source": {"StackName": self.source.stack, "LogicalResourceId": self.source.logical_id},
            "Destination": {
                "StackName": self.destination.stack,
                "LogicalResourceId": self.destination.logical_id,
            },
        }


@dataclass
class Plan:
    moves: list[Move]
    # Resources of the old layout with no counterpart: the deploy after the refactor deletes
    # them. Resources of the new layout with none: that deploy creates them.
    removed: list[Address] = field(default_factory=list)
    created: list[Address] = field(default_factory=list)
    # Destination stacks that the refactors create, in groups of at most three.
    batches: list[list[str]] = field(default_factory=list)


def _resources(layout: Layout) -> dict[Address, str]:
    return {
        Address(stack, logical_id): resource["Type"]
        for stack, template in layout.items()
        for logical_id, resource in template.get("Resources", {}).items()
    }


def plan_moves(old: Layout, new: Layout) -> Plan:
    """Match every resource that leaves the ``old`` stacks with one of the ``new`` layout."""
    old_types, new_types = _resources(old), _resources(new)
    anchors = {a for a, kind in old_types.items() if new_types.get(a) == kind}
    before, after = Identities(old, anchors), Identities(new, anchors)
    problems: list[str] = []
    candidates: dict[Any, list[Address]] = {}
    try:
        for address in sorted(set(new_types) - anchors):
            candidates.setdefault(after.of(address), []).append(address)
        sources = {a: before.of(a) for a in sorted(set(old_types) - anchors)}
    except IdentityError as error:
        raise PlanError(str(error)) from error
    moves: list[Move] = []
    removed: list[Address] = []
    for source, key in sources.items():
        kind = old_types[source]
        matches = candidates.get(key, [])
        if kind in NEVER_MOVE:
            problems.append(f"{source} ({kind}) would move or be replaced: products never move")
        elif len(matches) > 1:
            names = ", ".join(map(str, matches))
            problems.append(f"{source} ({kind}) matches several new resources: {names}")
        elif matches:
            moves.append(Move(source, matches[0]))
        elif kind in MUST_MOVE:
            problems.append(
                f"{source} ({kind}) has no counterpart in the new layout: the deploy would "
                "delete it"
            )
        else:
            removed.append(source)
    taken: dict[Address, Address] = {}
    for move in moves:
        if move.destination in taken:
            problems.append(
                f"{move.destination} would receive both {taken[move.destination]} and {move.source}"
            )
        taken[move.destination] = move.source
    if problems:
        raise PlanError("\n".join(problems))
    created = sorted(set(new_types) - anchors - set(taken))
    new_stacks = sorted({m.destination.stack for m in moves} - set(old))
    per_refactor = MAX_STACKS_PER_REFACTOR - len(old)
    batches = [new_stacks[i : i + per_refactor] for i in range(0, len(new_stacks), per_refactor)]
    return Plan(moves=moves, removed=removed, created=created, batches=batches or [[]])


def batch_moves(plan: Plan, old: Layout, index: int) -> list[Move]:
    """The moves of refactor ``index`` (from 0): into its new stacks, and the renames inside
    the old stacks with the first."""
    return [
        m
        for m in plan.moves
        if m.destination.stack in plan.batches[index] or (index == 0 and m.destination.stack in old)
    ]


def refactor_templates(
    old: Layout, plan: Plan, physical_ids: Mapping[str, Mapping[str, str]]
) -> list[dict[str, dict[str, Any]]]:
    """Per refactor, the template of each stack it involves as it stands after it."""
    state = RefactorState(old=old, physical_ids=physical_ids)
    result = []
    for index in range(len(plan.batches)):
        moves = batch_moves(plan, old, index)
        for move in moves:
            state.moved[move.source] = move.destination
        stacks = {m.source.stack for m in moves} | {m.destination.stack for m in moves}
        result.append(
            {
                stack: state.template(stack)
                for stack in [*old, *plan.batches[index]]
                if stack in stacks
            }
        )
    return result


def stack_definitions(
    templates: Mapping[str, Mapping[str, Any]], directory: str, template_url: str | None
) -> list[dict[str, str]]:
    definitions = []
    for stack, template in templates.items():
        body = json.dumps(template, separators=(",", ":"), sort_keys=True)
        if template_url:
            url = f"{template_url.rstrip('/')}/{directory}/{stack}.template.json"
            definitions.append({"StackName": stack, "TemplateURL": url})
        elif len(body.encode()) <= MAX_TEMPLATE_BODY:
            definitions.append({"StackName": stack, "TemplateBody": body})
        else:
            raise PlanError(
                f"{directory}/{stack}.template.json is {len(body.encode()):,} bytes, more than "
                f"CloudFormation takes inline ({MAX_TEMPLATE_BODY:,}): upload the folder to S3 "
                "and give its address with --template-url"
            )
    return definitions


def _physical_ids(path: Path) -> dict[str, str]:
    """``list-stack-resources`` (StackResourceSummaries) or ``describe-stack-resources``
    (StackResources) output: logical ID -> physical ID."""
    data = json.loads(path.read_text())
    rows = data.get("StackResourceSummaries") or data.get("StackResources") or []
    return {row["LogicalResourceId"]: row.get("PhysicalResourceId", "") for row in rows}


def _template(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    # `get-template --query TemplateBody` prints the object; a string when the stack was YAML.
    return dict(json.loads(data) if isinstance(data, str) else data)


def load_assembly(directory: Path) -> dict[str, dict[str, Any]]:
    """Stack name -> template of the Catalog, Cost and community stacks of ``cdk.out``."""
    manifest = json.loads((directory / "manifest.json").read_text())
    stacks = {}
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        if artifact_id in {"Catalog", "Cost"} or artifact_id.startswith("Community-"):
            properties = artifact["properties"]
            template = directory / properties["templateFile"]
            stacks[properties.get("stackName", artifact_id)] = json.loads(template.read_text())
    return stacks


def write_plan(
    out: Path,
    old: Layout,
    new: Layout,
    physical_ids: Mapping[str, Mapping[str, str]],
    template_url: str | None = None,
) -> Plan:
    plan = plan_moves(old, new)
    try:
        refactors = refactor_templates(old, plan, physical_ids)
    except TemplateError as error:
        raise PlanError(str(error)) from error
    out.mkdir(parents=True, exist_ok=True)
    (out / "mappings.json").write_text(
        json.dumps([m.mapping() for m in plan.moves], indent=2) + "\n"
    )
    for index, templates in enumerate(refactors, start=1):
        directory = f"refactor-{index:02d}"
        (out / directory).mkdir(exist_ok=True)
        for stack, template in templates.items():
            (out / directory / f"{stack}.template.json").write_text(
                json.dumps(template, indent=1, sort_keys=True) + "\n"
            )
        moves = [m.mapping() for m in batch_moves(plan, old, index - 1)]
        (out / directory / "resource-mappings.json").write_text(json.dumps(moves, indent=2) + "\n")
        (out / directory / "stack-definitions.json").write_text(
            json.dumps(stack_definitions(templates, directory, template_url), indent=2) + "\n"
        )
    return plan


def _s3_uri(url: str) -> str:
    """``https://<bucket>.s3[.<region>].amazonaws.com/<key>`` as ``s3://<bucket>/<key>`` (the
    form ``aws s3 cp`` takes); other addresses as they are."""
    match = re.fullmatch(r"https://([^/]+?)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com/(.*)", url)
    return f"s3://{match[1]}/{match[2]}" if match else url


def describe(plan: Plan, out: Path, template_url: str | None) -> str:
    lines = [
        f"{len(plan.moves)} resources move in {len(plan.batches)} refactor(s); the deploy "
        f"afterwards deletes {len(plan.removed)} and creates {len(plan.created)}.",
    ]
    lines += [f"  deleted by the deploy: {a}" for a in plan.removed]
    for index, batch in enumerate(plan.batches, start=1):
        directory = out / f"refactor-{index:02d}"
        lines.append(f"Refactor {index} (new stacks: {', '.join(batch) or 'none'}):")
        if template_url:
            target = _s3_uri(f"{template_url.rstrip('/')}/{directory.name}")
            lines.append(f"  aws s3 cp --recursive {directory} {target}")
        lines += [
            "  aws cloudformation create-stack-refactor --enable-stack-creation "
            f"--stack-definitions file://{directory}/stack-definitions.json "
            f"--resource-mappings file://{directory}/resource-mappings.json",
            "  then describe-stack-refactor and list-stack-refactor-actions (every action a "
            "MOVE), execute-stack-refactor",
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assembly", type=Path, default=Path("cdk.out"))
    parser.add_argument("--before", type=Path, required=True, help="deployed templates and IDs")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--template-url", help="https://<bucket>.s3.<region>.amazonaws.com/...")
    args = parser.parse_args(argv)
    try:
        new = load_assembly(args.assembly)
        old_names = [n for n in new if n.endswith(("-catalog", "-cost"))]
        old = {name: _template(args.before / f"{name}.template.json") for name in old_names}
        physical = {n: _physical_ids(args.before / f"{n}.resources.json") for n in old_names}
        plan = write_plan(args.out, old, new, physical, args.template_url)
    except (OSError, ValueError, KeyError, PlanError) as error:
        print(f"refactor-plan: {error}", file=sys.stderr)
        return 1
    print(describe(plan, args.out, args.template_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
