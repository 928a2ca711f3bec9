"""The templates a stack refactor takes: each stack as it stands after the refactor, every
resource with exactly its deployed properties. A reference that now crosses stacks is written
as the value it has (the physical ID, or the ARN built from it), because CloudFormation allows
no new parameters, no change of configuration and no reference between stacks in a refactor.

Pure: JSON templates and physical IDs in, templates out.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from delivery.refactor_identity import PSEUDO_PREFIX, Address

# CreateStackRefactor takes a template inline up to this size; larger ones by S3 URL.
MAX_TEMPLATE_BODY = 51_200
SUB_REFERENCE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")
OLD_STACK_KEYS = (
    "AWSTemplateFormatVersion",
    "Description",
    "Transform",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
)


class TemplateError(ValueError):
    """A reference the refactor templates cannot write."""


def _join(*parts: Any) -> dict[str, Any]:
    return {"Fn::Join": ["", list(parts)]}


def _arn(parts: tuple[Any, ...], service: str, resource: str) -> dict[str, Any]:
    return _join(*(service if part is None else part for part in parts), resource)


PARTITION, REGION, ACCOUNT = ({"Ref": f"AWS::{p}"} for p in ("Partition", "Region", "AccountId"))


@dataclass
class RefactorState:
    """The old layout and where each moved resource has gone so far (``moved``)."""

    old: Mapping[str, Mapping[str, Any]]
    physical_ids: Mapping[str, Mapping[str, str]]
    moved: dict[Address, Address] = field(default_factory=dict)

    def location(self, address: Address) -> Address:
        return self.moved.get(address, address)

    def _resource(self, address: Address) -> Mapping[str, Any]:
        return dict(self.old[address.stack]["Resources"][address.logical_id])

    def template(self, stack: str) -> dict[str, Any]:
        """``stack`` (an old one or a new one) after the moves made so far."""
        resources: dict[str, Any] = {}
        for origin_stack, template in self.old.items():
            for logical_id in template.get("Resources", {}):
                origin = Address(origin_stack, logical_id)
                here = self.location(origin)
                if here.stack == stack:
                    resources[here.logical_id] = self._placed(origin, stack)
        if stack in self.old:
            result = {
                k: copy.deepcopy(v) for k, v in self.old[stack].items() if k in OLD_STACK_KEYS
            }
            result["Resources"] = resources
            outputs = self.old[stack].get("Outputs")
            if outputs:
                result["Outputs"] = self._rewrite(outputs, stack, stack)
            return result
        return {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": "Research catalog: resources moved here by a stack refactor",
            "Resources": resources,
        }

    def _placed(self, origin: Address, stack: str) -> dict[str, Any]:
        resource = copy.deepcopy(dict(self._resource(origin)))
        if "Condition" in resource and stack != origin.stack:
            raise TemplateError(f"{origin} has a Condition and cannot leave its stack")
        resource["Properties"] = self._rewrite(resource.get("Properties", {}), origin.stack, stack)
        depends = resource.pop("DependsOn", [])
        kept = []
        for name in [depends] if isinstance(depends, str) else depends:
            target = self.location(Address(origin.stack, name))
            if target.stack == stack:
                kept.append(target.logical_id)
        if kept:
            resource["DependsOn"] = kept
        return resource

    def _rewrite(self, value: Any, origin: str, here: str) -> Any:
        if isinstance(value, Mapping):
            if set(value) == {"Ref"}:
                return self._ref(str(value["Ref"]), origin, here)
            if set(value) == {"Fn::GetAtt"}:
                target = value["Fn::GetAtt"]
                name, attribute = target if isinstance(target, list) else target.split(".", 1)
                return self._get_att(name, attribute, origin, here)
            if "Fn::Sub" in value:
                self._check_sub(value["Fn::Sub"], origin, here)
            return {key: self._rewrite(item, origin, here) for key, item in value.items()}
        if isinstance(value, list):
            return [self._rewrite(item, origin, here) for item in value]
        return value

    def _ref(self, name: str, origin: str, here: str) -> Any:
        if name.startswith(PSEUDO_PREFIX):
            if name in {"AWS::StackName", "AWS::StackId", "AWS::NotificationARNs"} and (
                origin != here
            ):
                raise TemplateError(f"{origin}: a moved resource uses {name}")
            return {"Ref": name}
        if name not in self.old[origin].get("Resources", {}):
            if here == origin:
                return {"Ref": name}
            raise TemplateError(f"{origin}: a moved resource refers to the parameter {name}")
        target = self.location(Address(origin, name))
        if target.stack == here:
            return {"Ref": target.logical_id}
        return self.physical_id(Address(origin, name))

    def _get_att(self, name: str, attribute: str, origin: str, here: str) -> Any:
        target = self.location(Address(origin, name))
        if target.stack == here:
            return {"Fn::GetAtt": [target.logical_id, attribute]}
        return self.physical_attribute(Address(origin, name), attribute)

    def _check_sub(self, sub: Any, origin: str, here: str) -> None:
        text = sub[0] if isinstance(sub, list) else sub
        for name in SUB_REFERENCE.findall(str(text)):
            if name in self.old[origin].get("Resources", {}):
                target = self.location(Address(origin, name))
                if (target.stack, target.logical_id) != (here, name):
                    raise TemplateError(f"{origin}: Fn::Sub names {name}, which moves")

    def physical_id(self, address: Address) -> str:
        value = self.physical_ids.get(address.stack, {}).get(address.logical_id)
        if not value:
            raise TemplateError(f"{address}: no physical ID in the stack's resource list")
        return value

    def physical_attribute(self, address: Address, attribute: str) -> Any:
        """The value of ``Fn::GetAtt`` for the attributes the catalog's templates use."""
        kind = self._resource(address)["Type"]
        physical = self.physical_id(address)
        if kind == "AWS::Lambda::Function" and attribute == "Arn":
            return _join(
                "arn:", PARTITION, ":lambda:", REGION, ":", ACCOUNT, f":function:{physical}"
            )
        if kind == "AWS::IAM::Role" and attribute == "Arn":
            path = self._resource(address).get("Properties", {}).get("Path", "/")
            if not isinstance(path, str):
                raise TemplateError(f"{address}: the role's path is not a literal")
            return _join("arn:", PARTITION, ":iam::", ACCOUNT, f":role{path}{physical}")
        if kind == "AWS::KMS::Key" and attribute == "Arn":
            return _join("arn:", PARTITION, ":kms:", REGION, ":", ACCOUNT, f":key/{physical}")
        if kind == "AWS::Logs::LogGroup" and attribute == "Arn":
            return _join(
                "arn:", PARTITION, ":logs:", REGION, ":", ACCOUNT, f":log-group:{physical}:*"
            )
        if kind == "AWS::SNS::Topic" and attribute == "TopicArn":
            return physical
        if kind == "AWS::SNS::Topic" and attribute == "TopicName":
            return physical.rsplit(":", 1)[-1]
        raise TemplateError(
            f"{address}: cannot write Fn::GetAtt {attribute} of a {kind} as a value"
        )
