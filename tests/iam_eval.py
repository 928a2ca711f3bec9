"""A small evaluator of IAM policies for the tests: does a principal with these policies (and
this permissions boundary) get ``Allow`` for one request (:func:`evaluate`), and with a
resource policy on the other side (:func:`decide`)?

It follows the documented evaluation logic
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
an explicit Deny in any policy wins; otherwise the request needs an Allow in the identity
policies and, when a boundary is given, an Allow in the boundary too. With a resource policy
(:func:`decide`): within one account an Allow in the identity policies *or* in the resource
policy (whose ``Principal`` matches the request's) allows; across accounts both sides must.

What it models: Action/NotAction and Resource/NotResource with ``*`` and ``?`` wildcards
(actions case-insensitively); the condition operators String*, Arn*, Bool, Null and Date*,
with ``...IfExists`` and the ``ForAnyValue:``/``ForAllValues:`` set operators; several
values of one key (OR), several keys and operators (AND); negated operators matching an
absent key; policy variables (``${aws:userid}``, ``${aws:PrincipalTag/...}``,
``${aws:ResourceTag/...}``) taken from the request context, a statement whose variable
cannot be resolved applying to nothing (IAM's "the statement may be invalid").

What it does not model, so no test may rely on it: the special cases of particular resource
policies (S3 bucket-owner rules and ACLs, KMS key policies and grants, trust policies),
service control and resource control policies, session policies, Numeric and IpAddress
operators, and anything a service adds to or leaves out of a request's context. The request
context is what the test says it is; where a test depends on which keys a service sends, it
takes them from :data:`SERVICE_CONTEXT_KEYS`, which cites its source.

Templates hold CloudFormation intrinsics; :func:`resolve` turns the common ones into
strings for a fixed account, region and partition.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ACCOUNT = "111111111111"
REGION = "us-east-1"
PARTITION = "aws"

ALLOW = "Allow"
EXPLICIT_DENY = "ExplicitDeny"
IMPLICIT_DENY = "ImplicitDeny"

# Service-specific condition keys an action's requests carry, from the Service Authorization
# Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/
# list_awsservicecatalog.html): servicecatalog:userLevel (with accountLevel and roleLevel) is
# a key of DescribeRecord, DescribeProvisionedProduct, ... but not of
# GetProvisionedProductOutputs, so a condition on it never holds for that action.
SERVICE_CONTEXT_KEYS: dict[str, frozenset[str]] = {
    action: frozenset(
        {"servicecatalog:userLevel", "servicecatalog:roleLevel", "servicecatalog:accountLevel"}
    )
    for action in (
        "servicecatalog:DescribeProvisionedProduct",
        "servicecatalog:DescribeRecord",
        "servicecatalog:DescribeServiceActionExecutionParameters",
        "servicecatalog:ExecuteProvisionedProductServiceAction",
        "servicecatalog:ListRecordHistory",
        "servicecatalog:ScanProvisionedProducts",
        "servicecatalog:SearchProvisionedProducts",
        "servicecatalog:TerminateProvisionedProduct",
        "servicecatalog:UpdateProvisionedProduct",
    )
} | {
    "servicecatalog:GetProvisionedProductOutputs": frozenset(),
    "servicecatalog:ProvisionProduct": frozenset(),
}

_VARIABLE = re.compile(r"\$\{([^}]+)\}")


class Unresolved(Exception):
    """A policy variable the request context does not hold."""


# --- CloudFormation intrinsics ---------------------------------------------------------------


def resolve(value: Any, refs: Mapping[str, Any] | None = None) -> Any:
    """``value`` with Ref, Fn::Join, Fn::Sub, Fn::GetAtt, Fn::Select, Fn::Split and Fn::If
    replaced. ``refs`` gives values of parameters, resources (``Ref``) and attributes
    (``"Logical.Attribute"``); anything else becomes ``<name>`` so a policy stays readable."""
    refs = dict(refs or {})
    pseudo = {
        "AWS::Partition": PARTITION,
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT,
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::StackName": "SC-111111111111-pp-example",
    }

    def name(key: str) -> Any:
        if key in refs:
            return refs[key]
        return pseudo.get(key, f"<{key}>")

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return name(arg)
            if key == "Fn::GetAtt":
                target = arg if isinstance(arg, str) else ".".join(arg)
                return name(target)
            if key == "Fn::Join":
                separator, items = arg
                parts = walk(items)
                return separator.join(str(part) for part in _flat(parts))
            if key == "Fn::Sub":
                template, variables = (arg, {}) if isinstance(arg, str) else arg
                values = {k: walk(v) for k, v in variables.items()}
                return re.sub(
                    r"\$\{([^}!]+)\}",
                    lambda m: (
                        str(values[m.group(1)]) if m.group(1) in values else str(name(m.group(1)))
                    ),
                    template,
                )
            if key == "Fn::Select":
                index, items = arg
                return walk(items)[int(walk(index))]
            if key == "Fn::Split":
                separator, text = arg
                return str(walk(text)).split(separator)
            if key == "Fn::If":
                condition, when_true, when_false = arg
                chosen = when_true if refs.get(f"Condition:{condition}", True) else when_false
                return walk(chosen)
            if key == "Fn::ImportValue":
                return f"<import:{walk(arg)}>"
        return {key: walk(item) for key, item in node.items()}

    return walk(value)


def _flat(items: Any) -> list[Any]:
    if isinstance(items, list):
        return [leaf for item in items for leaf in _flat(item)]
    return [items]


# --- requests and evaluation -----------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One action on one resource, with the request context IAM would see; for
    :func:`decide`, who asks (``principal_arn`` in ``account``) and whose resource it is."""

    action: str
    resource: str = "*"
    context: Mapping[str, Any] = field(default_factory=dict)
    principal_arn: str = ""
    account: str = ACCOUNT
    resource_account: str = ACCOUNT


def evaluate(
    request: Request,
    policies: Sequence[Mapping[str, Any]],
    *,
    boundary: Mapping[str, Any] | None = None,
) -> str:
    """``ALLOW``, ``EXPLICIT_DENY`` or ``IMPLICIT_DENY`` for ``request`` given the principal's
    identity ``policies`` (resolved policy documents) and optional permissions ``boundary``."""
    documents = [*policies, *([boundary] if boundary is not None else [])]
    if any(_applies(s, request) for d in documents for s in _statements(d, "Deny")):
        return EXPLICIT_DENY
    allowed = any(_applies(s, request) for d in policies for s in _statements(d, "Allow"))
    if boundary is not None:
        allowed = allowed and any(_applies(s, request) for s in _statements(boundary, "Allow"))
    return ALLOW if allowed else IMPLICIT_DENY


def allowed(request: Request, policies: Sequence[Mapping[str, Any]], **kwargs: Any) -> bool:
    return evaluate(request, policies, **kwargs) == ALLOW


def decide(
    request: Request,
    *,
    identity: Iterable[Mapping[str, Any]] = (),
    resource: Iterable[Mapping[str, Any]] = (),
) -> str:
    """``ALLOW``, ``EXPLICIT_DENY`` or ``IMPLICIT_DENY`` for ``request`` under the identity
    policies' statements and a resource policy's statements (those whose ``Principal``
    matches the request's principal)."""
    identity = list(identity)
    resource = [s for s in resource if _principal_matches(s.get("Principal"), request)]
    statements = [*identity, *resource]
    if any(s["Effect"] == "Deny" and _applies(s, request) for s in statements):
        return EXPLICIT_DENY
    from_identity = any(s["Effect"] == "Allow" and _applies(s, request) for s in identity)
    from_resource = any(s["Effect"] == "Allow" and _applies(s, request) for s in resource)
    if request.account == request.resource_account:
        return ALLOW if from_identity or from_resource else IMPLICIT_DENY
    return ALLOW if from_identity and from_resource else IMPLICIT_DENY


def _principal_matches(principal: Any, request: Request) -> bool:
    if principal == "*" or principal == {"AWS": "*"}:
        return True
    if not isinstance(principal, Mapping):
        return False
    return any(
        arn in (request.principal_arn, f"arn:{PARTITION}:iam::{request.account}:root")
        or arn == request.account
        for arn in _as_list(principal.get("AWS", []))
    )


def _statements(document: Mapping[str, Any], effect: str) -> list[Mapping[str, Any]]:
    statements = document["Statement"]
    if isinstance(statements, Mapping):
        statements = [statements]
    return [s for s in statements if s["Effect"] == effect]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _applies(statement: Mapping[str, Any], request: Request) -> bool:
    try:
        return (
            _matches_action(statement, request.action)
            and _matches_resource(statement, request)
            and _conditions_hold(statement.get("Condition", {}), request.context)
        )
    except Unresolved:
        return False


def _matches_action(statement: Mapping[str, Any], action: str) -> bool:
    def match(patterns: Any) -> bool:
        return any(fnmatch.fnmatchcase(action.lower(), str(p).lower()) for p in _as_list(patterns))

    if "NotAction" in statement:
        return not match(statement["NotAction"])
    return match(statement["Action"])


def _matches_resource(statement: Mapping[str, Any], request: Request) -> bool:
    def match(patterns: Any) -> bool:
        return any(
            _glob(request.resource, _substitute(str(p), request.context))
            for p in _as_list(patterns)
        )

    if "NotResource" in statement:
        return not match(statement["NotResource"])
    return match(statement.get("Resource", "*"))


def _glob(value: str, pattern: str) -> bool:
    """IAM's wildcards: ``*`` any run of characters (``/`` and ``:`` included), ``?`` one."""
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def _substitute(text: str, context: Mapping[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        found = _lookup(context, key)
        if found is None or isinstance(found, list):
            raise Unresolved(key)
        return str(found)

    return _VARIABLE.sub(value, text)


def _lookup(context: Mapping[str, Any], key: str) -> Any:
    """Condition keys are case-insensitive; tag keys inside them are compared as written."""
    if key in context:
        return context[key]
    prefix, _, rest = key.partition("/")
    for candidate, found in context.items():
        other_prefix, _, other_rest = candidate.partition("/")
        if other_prefix.lower() == prefix.lower() and other_rest == rest:
            return found
    return None


_NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals"}
_NEGATED |= {"ArnNotLike"}


def _conditions_hold(conditions: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    return all(
        _condition_holds(operator, key, values, context)
        for operator, block in conditions.items()
        for key, values in block.items()
    )


def _condition_holds(operator: str, key: str, values: Any, context: Mapping[str, Any]) -> bool:
    quantifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    expected = [_substitute(str(v), context) for v in _as_list(values)]
    present = _lookup(context, key)

    if base == "Null":
        (wanted,) = {value.lower() for value in expected}
        return (present is None) == (wanted == "true")
    if quantifier == "ForAnyValue":
        return any(_compare(base, str(v), expected) for v in _as_list(present or []))
    if quantifier == "ForAllValues":
        return all(_compare(base, str(v), expected) for v in _as_list(present or []))
    if present is None:
        return if_exists or base in _NEGATED
    if isinstance(present, list):
        raise ValueError(f"{key} has several values: use ForAnyValue or ForAllValues")
    return _compare(base, str(present), expected)


def _compare(base: str, value: str, expected: Iterable[str]) -> bool:
    negated = base in _NEGATED
    positive = base.replace("Not", "", 1) if negated else base
    if positive in ("StringEquals", "ArnEquals"):
        hit = any(value == e for e in expected)
    elif positive == "StringEqualsIgnoreCase":
        hit = any(value.lower() == e.lower() for e in expected)
    elif positive in ("StringLike", "ArnLike"):
        hit = any(_glob(value, e) for e in expected)
    elif positive == "Bool":
        hit = any(value.lower() == e.lower() for e in expected)
    elif positive.startswith("Date"):
        hit = any(_date_compare(positive, value, e) for e in expected)
    else:
        raise NotImplementedError(f"condition operator {base} is not modelled")
    return not hit if negated else hit


def _date_compare(operator: str, value: str, expected: str) -> bool:
    left, right = _date(value), _date(expected)
    return {
        "DateEquals": left == right,
        "DateNotEquals": left != right,
        "DateLessThan": left < right,
        "DateLessThanEquals": left <= right,
        "DateGreaterThan": left > right,
        "DateGreaterThanEquals": left >= right,
    }[operator]


def _date(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- reading policies from templates ---------------------------------------------------------


def role_policies(
    template: Mapping[str, Any], role_logical_id: str, refs: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every identity policy document of a role declared in ``template``: its inline policies
    and the AWS::IAM::Policy and AWS::IAM::ManagedPolicy resources attached to it by Ref."""
    resources = template["Resources"]
    role = resources[role_logical_id]["Properties"]
    documents = [policy["PolicyDocument"] for policy in role.get("Policies", [])]
    for resource in resources.values():
        if resource["Type"] not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            continue
        if {"Ref": role_logical_id} in resource["Properties"].get("Roles", []):
            documents.append(resource["Properties"]["PolicyDocument"])
    return [resolve(document, refs) for document in documents]


def with_resource_tags(context: Mapping[str, Any], tags: Mapping[str, str]) -> dict[str, Any]:
    """``context`` plus ``aws:ResourceTag/<key>`` for each of the resource's ``tags``."""
    merged = dict(context)
    merged.update({f"aws:ResourceTag/{key}": value for key, value in tags.items()})
    return merged
