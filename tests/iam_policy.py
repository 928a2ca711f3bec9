"""A small evaluator of IAM policy documents, for tests that must show who a grant reaches.

It decides one request the way IAM's evaluation logic does for the parts modelled here
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):

* an explicit ``Deny`` in any applicable policy wins;
* within one account, an ``Allow`` in the identity policies *or* in the resource policy (whose
  ``Principal`` matches) allows; across accounts both sides must allow;
* ``Action``/``NotAction``, ``Resource``/``NotResource`` with ``*`` and ``?`` wildcards;
* ``Condition`` operators ``String(Not)Equals``, ``String(Not)Like``, ``Arn(Not)Equals``,
  ``Arn(Not)Like``, ``Null``, ``Bool``, their ``IfExists`` forms and the ``ForAnyValue:`` /
  ``ForAllValues:`` set operators; a negated operator is true when its key is absent, a
  positive one false.

What it does **not** model, so a test built on it proves nothing about these: service control
policies, permissions boundaries, session policies, ACLs, KMS key policies and grants, the S3
special cases (bucket-owner rules, the root user and bucket policies), policy variables
(``${aws:userid}``) and which condition keys AWS actually puts into a given request's context:
the test supplies the context, so it shows what a policy does *with* those keys, not that AWS
sends them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ALLOW = "allow"
EXPLICIT_DENY = "explicit deny"
IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class Request:
    """One API call: who (``principal_arn``, ``account``), what and on which resource, and the
    request context (values are strings or lists of strings)."""

    action: str
    resource: str
    principal_arn: str
    account: str
    resource_account: str
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _glob(pattern: str, value: str, *, case_sensitive: bool = True) -> bool:
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.fullmatch(regex, value, flags | re.DOTALL) is not None


def _values(context: Mapping[str, Any], key: str) -> list[str] | None:
    for name, value in context.items():
        # Condition key names are case-insensitive; tag keys in them are not, but the tests
        # use one spelling.
        if name.lower() == key.lower():
            return [str(item) for item in _as_list(value)]
    return None


def _match(operator: str, expected: str, actual: str) -> bool:
    if operator in ("StringEquals", "ArnEquals"):
        return expected == actual
    if operator in ("StringLike", "ArnLike"):
        return _glob(expected, actual)
    if operator == "Bool":
        return expected.lower() == actual.lower()
    raise NotImplementedError(f"condition operator {operator} is not modelled")


_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, Any]) -> bool:
    quantifier, _, operator = operator.rpartition(":")
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    actual = _values(context, key)
    expected_values = [str(item) for item in _as_list(expected)]
    if operator == "Null":
        return (actual is None) == (expected_values[0].lower() == "true")
    negated = operator in _NEGATED
    base = _NEGATED.get(operator, operator)
    if actual is None:
        return bool(if_exists or negated)

    def matches(value: str) -> bool:
        return any(_match(base, item, value) for item in expected_values)

    if quantifier == "ForAllValues":
        result = all(matches(value) for value in actual)
    else:
        # Single-valued keys and ForAnyValue: some value matches.
        result = any(matches(value) for value in actual)
    return not result if negated else result


def _conditions_hold(conditions: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, keys in conditions.items()
        for key, expected in keys.items()
    )


def _principal_matches(principal: Any, request: Request) -> bool:
    if principal == "*" or principal == {"AWS": "*"}:
        return True
    for arn in _as_list(principal.get("AWS", [])):
        if arn == request.principal_arn:
            return True
        if arn in (f"arn:aws:iam::{request.account}:root", request.account):
            return True
    return False


def _applies(statement: Mapping[str, Any], request: Request, *, resource_policy: bool) -> bool:
    if resource_policy and not _principal_matches(statement.get("Principal"), request):
        return False
    if "Action" in statement:
        action_ok = any(
            _glob(a, request.action, case_sensitive=False) for a in _as_list(statement["Action"])
        )
    else:
        action_ok = not any(
            _glob(a, request.action, case_sensitive=False) for a in _as_list(statement["NotAction"])
        )
    if not action_ok:
        return False
    if "Resource" in statement:
        resource_ok = any(_glob(r, request.resource) for r in _as_list(statement["Resource"]))
    else:
        resource_ok = not any(
            _glob(r, request.resource) for r in _as_list(statement["NotResource"])
        )
    return resource_ok and _conditions_hold(statement.get("Condition", {}), request.context)


def _effects(
    statements: Iterable[Mapping[str, Any]], request: Request, *, resource_policy: bool
) -> set[str]:
    return {
        str(statement["Effect"])
        for statement in statements
        if _applies(statement, request, resource_policy=resource_policy)
    }


def decide(
    request: Request,
    *,
    identity: Iterable[Mapping[str, Any]] = (),
    resource: Iterable[Mapping[str, Any]] = (),
) -> str:
    """``ALLOW``, ``EXPLICIT_DENY`` or ``IMPLICIT_DENY`` for ``request`` under the identity
    policies' statements and the resource policy's statements."""
    from_identity = _effects(identity, request, resource_policy=False)
    from_resource = _effects(resource, request, resource_policy=True)
    if "Deny" in from_identity | from_resource:
        return EXPLICIT_DENY
    if request.account == request.resource_account:
        allowed = "Allow" in from_identity | from_resource
    else:
        allowed = "Allow" in from_identity and "Allow" in from_resource
    return ALLOW if allowed else IMPLICIT_DENY


def substitute(value: Any, refs: Mapping[str, str]) -> Any:
    """A policy from a synthesized template with ``Ref``, ``Fn::Sub`` (string form) and
    ``Fn::Join`` resolved from ``refs`` (pseudo parameters and logical IDs); other intrinsics
    become ``<unresolved>``, which no request matches."""
    if isinstance(value, list):
        return [substitute(item, refs) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return refs.get(value["Ref"], "<unresolved>")
    if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return re.sub(
            r"\$\{([^}]+)\}", lambda m: refs.get(m.group(1), "<unresolved>"), value["Fn::Sub"]
        )
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        resolved = [substitute(part, refs) for part in parts]
        if all(isinstance(part, str) for part in resolved):
            return str(separator).join(resolved)
        return "<unresolved>"
    if len(value) == 1 and next(iter(value)).startswith("Fn::"):
        return "<unresolved>"
    return {key: substitute(item, refs) for key, item in value.items()}
