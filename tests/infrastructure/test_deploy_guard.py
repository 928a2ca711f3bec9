"""A stage still holding placeholders synthesizes, but every one of its stacks refuses to
deploy: CloudFormation evaluates the template's Rules before it changes anything, and fails the
change set with the rule's description. That evaluation cannot run offline; these tests check
the rule CloudFormation receives (and cfn-lint accepts it, test_cfn_lint.py)."""

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from catalog_constructs.common.deploy_guard import (
    MAX_DESCRIPTION,
    NEVER_A_BOOTSTRAP_VERSION,
    RULE_ID,
    refuse_deployment,
)
from config.placeholders import for_stage
from tests.synth import EXAMPLE_CONFIG_DIR, SynthesizedStage


def test_every_stack_of_a_stage_with_placeholders_refuses_to_deploy(
    stage: SynthesizedStage,
) -> None:
    placeholders = for_stage(stage.stage, EXAMPLE_CONFIG_DIR)
    assert placeholders  # the example organisation keeps the example accounts
    for name, template in stage.stacks.items():
        rule = template["Rules"][RULE_ID]
        [assertion] = rule["Assertions"]
        # False on every deployment: the bootstrap version is a number, never the marker.
        assert assertion["Assert"] == {
            "Fn::Contains": [[NEVER_A_BOOTSTRAP_VERSION], {"Ref": "BootstrapVersion"}]
        }, name
        description = assertion["AssertDescription"]
        assert description.startswith(
            f"Placeholders left in the configuration (make check-config STAGE={stage.stage} "
        )
        assert placeholders[0].short in description
        assert "stage.account" in description
    # Product templates are the same in every stage and never carry it.
    assert all("Rules" not in template for template in stage.products.values())


def _description(stack: Stack) -> str:
    [assertion] = Template.from_stack(stack).to_json()["Rules"][RULE_ID]["Assertions"]
    return str(assertion["AssertDescription"])


def test_the_message_lists_what_fits_and_counts_the_rest() -> None:
    stack = Stack(App(auto_synth=False), "Shared")
    many = [f"communities.c{i}.manager_email 'c{i}@example.org'" for i in range(100)]

    refuse_deployment(stack, placeholders=many, check_command="make check-config STAGE=dev")

    description = _description(stack)
    assert len(description) <= MAX_DESCRIPTION
    shown = description.count("@example.org")
    assert 0 < shown < 100
    assert description.endswith(
        f" and {100 - shown} more. Replace them with your own values, synthesize and deploy again."
    )


@pytest.mark.parametrize("count", [1, 3])
def test_a_short_list_is_shown_whole(count: int) -> None:
    stack = Stack(App(auto_synth=False), "Shared")
    refuse_deployment(
        stack,
        placeholders=[f"stage.account '11111111111{i}'" for i in range(count)],
        check_command="make check-config STAGE=dev",
    )
    assert "more" not in _description(stack)
