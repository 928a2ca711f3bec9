"""What a CloudFormation resource *is*, independent of the stack and logical ID it has: the key
``delivery.refactor_plan`` matches a deployed stage's resources with the synthesized new layout
by, so that each moves (keeping its physical ID) instead of being deleted and created again.

A resource that keeps its stack and logical ID in both layouts is an *anchor* (a product, a
launch role, a function): it is itself, and references to it mean the same in both layouts
however they are written (``{"Ref": ...}`` in the old template, an SSM-typed parameter naming
an SSM parameter whose value refers to it in the new one). Every other resource is known by the
properties that determine what it is (``IDENTITY``: a portfolio by its display name, an
association by its portfolio and principal or product, a budget by its name), with references
resolved the same way; a role without a fixed name by the resources that use it.

Pure: JSON templates in, hashable keys out (no CDK, no AWS).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# Properties (dotted paths) that determine what a resource is. Types not listed here are known
# by all their properties, which is enough for the few that have no counterpart.
IDENTITY: dict[str, tuple[str, ...]] = {
    "AWS::ServiceCatalog::Portfolio": ("DisplayName",),
    "AWS::ServiceCatalog::PortfolioPrincipalAssociation": (
        "PortfolioId",
        "PrincipalARN",
        "PrincipalType",
    ),
    "AWS::ServiceCatalog::PortfolioProductAssociation": ("PortfolioId", "ProductId"),
    "AWS::ServiceCatalog::LaunchRoleConstraint": ("PortfolioId", "ProductId"),
    "AWS::ServiceCatalog::ResourceUpdateConstraint": ("PortfolioId", "ProductId"),
    "AWS::ServiceCatalog::TagOption": ("Key", "Value"),
    "AWS::ServiceCatalog::TagOptionAssociation": ("ResourceId", "TagOptionId"),
    "Custom::PortfolioShare": ("PortfolioId", "Type", "Value"),
    "AWS::Budgets::Budget": ("Budget.BudgetName",),
    "AWS::Budgets::BudgetsAction": ("BudgetName", "ActionType"),
    "AWS::SNS::Topic": ("DisplayName",),
    "AWS::SNS::TopicPolicy": ("Topics",),
    "AWS::SNS::Subscription": ("TopicArn", "Protocol", "Endpoint"),
    "AWS::Lambda::Permission": ("FunctionName", "Principal", "SourceArn"),
    "AWS::IAM::ManagedPolicy": ("Description", "Roles"),
}
# Policies refer to their role; a role without a name is known by its other users.
POLICY_TYPES = {"AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"}
PSEUDO_PREFIX = "AWS::"


class IdentityError(ValueError):
    """A template the planner cannot read (a reference cycle, a reference to nothing)."""


@dataclass(frozen=True, order=True)
class Address:
    stack: str
    logical_id: str

    def __str__(self) -> str:
        return f"{self.stack}:{self.logical_id}"


def frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((key, frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(frozen(item) for item in value)
    return value


def dotted(properties: Mapping[str, Any], path: str) -> Any:
    value: Any = properties
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def references(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(logical ID, property path) of every Ref and Fn::GetAtt in ``value``."""
    if isinstance(value, Mapping):
        if set(value) == {"Ref"} and not str(value["Ref"]).startswith(PSEUDO_PREFIX):
            yield str(value["Ref"]), path
            return
        if set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            yield (target[0] if isinstance(target, list) else str(target).split(".")[0]), path
            return
        for key, item in value.items():
            yield from references(item, f"{path}.{key}".lstrip("."))
    elif isinstance(value, list):
        for item in value:
            yield from references(item, path)


class Identities:
    """Identity keys of the resources of one layout (stack name -> template), where
    ``anchors`` are the addresses both layouts share."""

    def __init__(self, layout: Mapping[str, Mapping[str, Any]], anchors: set[Address]) -> None:
        self.layout = layout
        self.anchors = anchors
        self._memo: dict[Address, Any] = {}
        self._resolving: set[Address] = set()
        # SSM parameters of the layout by name: SSM-typed template parameters resolve to them.
        self.parameters: dict[str, tuple[str, Any]] = {}
        self.users: dict[Address, list[tuple[Address, str]]] = {}
        for stack, template in layout.items():
            for logical_id, resource in template.get("Resources", {}).items():
                properties = resource.get("Properties", {})
                name = properties.get("Name")
                if resource["Type"] == "AWS::SSM::Parameter" and isinstance(name, str):
                    self.parameters[name] = (stack, properties.get("Value"))
                for target, path in references(properties):
                    user = Address(stack, logical_id)
                    self.users.setdefault(Address(stack, target), []).append((user, path))

    def resource(self, address: Address) -> Mapping[str, Any]:
        resources = self.layout.get(address.stack, {}).get("Resources", {})
        if address.logical_id not in resources:
            raise IdentityError(f"{address}: no such resource")
        return dict(resources[address.logical_id])

    def of(self, address: Address) -> Any:
        """The identity key of the resource at ``address``."""
        if address in self._memo:
            return self._memo[address]
        if address in self._resolving:
            raise IdentityError(f"{address}: its identity refers back to itself")
        self._resolving.add(address)
        try:
            key = self._compute(address)
        finally:
            self._resolving.discard(address)
        self._memo[address] = key
        return key

    def _compute(self, address: Address) -> Any:
        resource = self.resource(address)
        kind = resource["Type"]
        if address in self.anchors:
            return ("anchor", kind, address.stack, address.logical_id)
        properties = resource.get("Properties", {})
        if kind in IDENTITY:
            return (
                kind,
                tuple(
                    (path, self.value(address.stack, dotted(properties, path)))
                    for path in IDENTITY[kind]
                ),
            )
        if kind == "AWS::IAM::Role" and "RoleName" not in properties:
            users = self.users.get(address, [])
            return (
                kind,
                "used-by",
                tuple(
                    sorted(
                        (repr(self.of(user)), path)
                        for user, path in users
                        if self.resource(user)["Type"] not in POLICY_TYPES
                    )
                ),
            )
        return (kind, self.value(address.stack, properties))

    def value(self, stack: str, value: Any) -> Any:
        """``value`` with references replaced by what they point at."""
        if isinstance(value, Mapping):
            if set(value) == {"Ref"}:
                return self._ref(stack, str(value["Ref"]))
            if set(value) == {"Fn::GetAtt"}:
                target = value["Fn::GetAtt"]
                name, attribute = target if isinstance(target, list) else target.split(".", 1)
                return ("getatt", self.of(Address(stack, name)), attribute)
            return frozen({key: self.value(stack, item) for key, item in value.items()})
        if isinstance(value, list):
            return tuple(self.value(stack, item) for item in value)
        return value

    def _ref(self, stack: str, name: str) -> Any:
        if name.startswith(PSEUDO_PREFIX):
            return ("pseudo", name)
        template = self.layout.get(stack, {})
        if name in template.get("Resources", {}):
            resource = template["Resources"][name]
            role_name = resource.get("Properties", {}).get("RoleName")
            # A role's Ref is its name: a literal name in one layout equals it.
            if resource["Type"] == "AWS::IAM::Role" and isinstance(role_name, str):
                return role_name
            return ("ref", self.of(Address(stack, name)))
        parameter = template.get("Parameters", {}).get(name)
        if parameter is None:
            raise IdentityError(f"{stack}: Ref {name} names no resource or parameter")
        default = parameter.get("Default")
        ssm_typed = str(parameter.get("Type", "")).startswith("AWS::SSM::Parameter::Value")
        if ssm_typed and default in self.parameters:
            owner, parameter_value = self.parameters[default]
            return self.value(owner, parameter_value)
        return ("parameter", name, default)
