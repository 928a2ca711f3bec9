"""A stack that synthesizes but must not deploy: a configuration still holding placeholders.

Synth has to work with the shipped example (the tests and a first `make synth` use it), so the
refusal happens where a deployment starts. CloudFormation evaluates a template's ``Rules``
when it creates or updates a stack, change sets included, before it touches any resource
(AWS CloudFormation User Guide, "Rules"); an assertion that is false stops the operation
with its ``AssertDescription``. `cdk deploy` and the pipeline's CloudFormation actions both go
through change sets, so both fail there with the list of placeholders, and nothing changes.

The assertion has the shape of the CDK's own ``CheckBootstrapVersion`` rule (``Fn::Contains``
over the ``BootstrapVersion`` parameter every stack of the default synthesizer has): rules
exist to test parameters, and a parameter's value is never the marker string, so it is false
on every deployment.
"""

from collections.abc import Sequence

from aws_cdk import CfnRule, CfnRuleAssertion, Fn, Stack

RULE_ID = "PlaceholdersReplaced"
NEVER_A_BOOTSTRAP_VERSION = "placeholders-replaced"
# CloudFormation does not document a limit for AssertDescription; stay well within a message.
MAX_DESCRIPTION = 1000


def refuse_deployment(stack: Stack, *, placeholders: Sequence[str], check_command: str) -> None:
    """Make every create or update of ``stack`` fail, naming the ``placeholders`` (key and
    value) and the command that lists them with file and line."""
    head = f"Placeholders left in the configuration ({check_command} lists each with its file "
    head += "and line): "
    tail = ". Replace them with your own values, synthesize and deploy again."

    def render(shown: Sequence[str]) -> str:
        rest = len(placeholders) - len(shown)
        return head + ", ".join(shown) + (f" and {rest} more" if rest else "") + tail

    shown: list[str] = []
    for placeholder in placeholders:
        if len(render([*shown, placeholder])) > MAX_DESCRIPTION:
            break
        shown.append(placeholder)
    description = render(shown)
    CfnRule(
        stack,
        RULE_ID,
        assertions=[
            CfnRuleAssertion(
                assert_=Fn.condition_contains(
                    [NEVER_A_BOOTSTRAP_VERSION], Fn.ref("BootstrapVersion")
                ),
                assert_description=description,
            )
        ],
    )
