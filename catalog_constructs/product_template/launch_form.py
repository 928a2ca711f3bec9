"""The launch form a researcher fills in: parameters with labels, groups and constraints."""

from dataclasses import dataclass, field

from aws_cdk import CfnParameter, Stack
from constructs import Construct


@dataclass(frozen=True, kw_only=True)
class FormParameter:
    """A launch parameter. Every field a researcher sees is required here on purpose:
    a parameter without a label, a description or a constraint description does not build."""

    name: str
    label: str
    description: str
    constraint_description: str
    type: str = "String"
    default: str | int | None = None
    allowed_values: tuple[str, ...] | None = None
    allowed_pattern: str | None = None
    min_value: int | None = None
    max_value: int | None = None
    min_length: int | None = None
    max_length: int | None = None


@dataclass(frozen=True, kw_only=True)
class FormGroup:
    label: str
    parameters: tuple[FormParameter, ...] = field(default_factory=tuple)


class LaunchForm(Construct):
    """Declares the parameters and the ``AWS::CloudFormation::Interface`` metadata that orders
    and labels them in the Service Catalog console."""

    def __init__(
        self, scope: Construct, construct_id: str, *, groups: tuple[FormGroup, ...]
    ) -> None:
        super().__init__(scope, construct_id)
        self.groups = groups
        self.parameters: dict[str, CfnParameter] = {}
        stack = Stack.of(self)
        for group in groups:
            for spec in group.parameters:
                parameter = CfnParameter(
                    stack,
                    spec.name,
                    type=spec.type,
                    description=spec.description,
                    constraint_description=spec.constraint_description,
                    default=spec.default,
                    allowed_values=list(spec.allowed_values) if spec.allowed_values else None,
                    allowed_pattern=spec.allowed_pattern,
                    min_value=spec.min_value,
                    max_value=spec.max_value,
                    min_length=spec.min_length,
                    max_length=spec.max_length,
                )
                self.parameters[spec.name] = parameter
        stack.template_options.metadata = {
            "AWS::CloudFormation::Interface": {
                "ParameterGroups": [
                    {
                        "Label": {"default": group.label},
                        "Parameters": [spec.name for spec in group.parameters],
                    }
                    for group in groups
                ],
                "ParameterLabels": {
                    spec.name: {"default": spec.label}
                    for group in groups
                    for spec in group.parameters
                },
            }
        }

    def value(self, name: str) -> str:
        return self.parameters[name].value_as_string

    def ref(self, name: str) -> str:
        return self.parameters[name].value_as_string
