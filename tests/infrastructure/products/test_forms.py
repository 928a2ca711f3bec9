"""What the launch forms tell researchers (issue 18, items 13-15), read from the synthesized
templates of the newest versions: the scheduled job's short size list and schedule off by
default, the workstations' bucket limit and Windows synchronisation, the Linux Docker image
update, the Studio team's readable profiles; and the product pages generated from them."""

from typing import Any

from catalog_constructs.shared.product_context.handler.product_context_handlers.bucket_mounts import (  # noqa: E501
    MAX_MOUNTS,
)
from catalog_constructs.shared.product_context.handler.product_context_handlers.fargate import (
    FARGATE_SIZES,
)
from products import docs
from products._workstation.form import MAX_BUCKETS
from products.scheduled_job.form import COMMON_SIZES, OTHER_SIZE, SIZE_ABOVE
from tests.infrastructure.templates import resources
from tests.synth import SynthesizedStage


def product(synthesized: dict[str, SynthesizedStage], key: str) -> dict[str, Any]:
    return synthesized["dev"].products[key]


def test_jobs_are_scheduled_only_once_their_owner_turns_the_schedule_on(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    template = product(synthesized, "scheduled-job")
    assert template["Parameters"]["ScheduleState"]["Default"] == "DISABLED"
    (schedule,) = (
        resources(template, "AWS::Scheduler::Schedule").values()
        or resources(template, "AWS::Events::Rule").values()
    )
    assert schedule["Properties"]["State"] == {"Ref": "ScheduleState"}


def test_the_size_list_is_short_and_every_size_stays_one_choice_away(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    template = product(synthesized, "scheduled-job")
    parameters = template["Parameters"]
    every = {f"{v} vCPU" for v in FARGATE_SIZES}
    short = parameters["JobSize"]["AllowedValues"]
    assert len(short) <= 13 and short == [*COMMON_SIZES, OTHER_SIZE]
    exact = parameters["ExactJobSize"]["AllowedValues"]
    assert exact[0] == SIZE_ABOVE and parameters["ExactJobSize"]["Default"] == SIZE_ABOVE
    assert len(exact) - 1 == sum(len(m) for m in FARGATE_SIZES.values())
    assert {size.split(",")[0] for size in exact[1:]} == every
    # The job gets the exact size where one is chosen, and "Other" alone is refused up front.
    (job,) = resources(template, "Custom::BatchJob").values()
    assert job["Properties"]["JobSize"] == {
        "Fn::If": ["UseExactJobSize", {"Ref": "ExactJobSize"}, {"Ref": "JobSize"}]
    }
    rule = template["Rules"]["OtherSizeNeedsAnExactSize"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "JobSize"}, OTHER_SIZE]}
    (assertion,) = rule["Assertions"]
    assert assertion["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ExactJobSize"}, SIZE_ABOVE]}]
    }


def test_advanced_settings_come_last(synthesized: dict[str, SynthesizedStage]) -> None:
    groups = product(synthesized, "scheduled-job")["Metadata"]["AWS::CloudFormation::Interface"]
    labels = [g["Label"]["default"] for g in groups["ParameterGroups"]]
    assert labels[-1].startswith("Advanced")
    first = [p for g in groups["ParameterGroups"][:-1] for p in g["Parameters"]]
    assert len(first) <= 8, first


def test_workstation_forms_state_the_bucket_limit_the_check_enforces(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    assert MAX_BUCKETS == MAX_MOUNTS
    for key in ("linux-docker", "notebook", "windows"):
        parameters = product(synthesized, key)["Parameters"]
        assert f"at most {MAX_MOUNTS}" in parameters["ReadOnlyBuckets"]["Description"], key
        for name in ("ReadOnlyBuckets", "ReadWriteBuckets"):
            assert f"at most {MAX_MOUNTS}" in parameters[name]["ConstraintDescription"], key
    windows = product(synthesized, "windows")["Parameters"]["ReadOnlyBuckets"]["Description"]
    assert "synchronised with D:\\buckets\\<name> at every start and every 15 minutes" in windows
    linux = product(synthesized, "linux-docker")["Parameters"]["ReadOnlyBuckets"]["Description"]
    assert "mounted at /data/buckets/<name>" in linux


def test_linux_docker_image_update_keeps_the_data_disk(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    text = product(synthesized, "linux-docker")["Parameters"]["ImageGeneration"]["Description"]
    assert "copy your data" not in text
    assert "the data disk (/data) moves to the new instance" in text


def test_studio_team_names_profiles_readably_and_tags_the_teams_buckets(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    template = product(synthesized, "studio-team")
    (team,) = resources(template, "Custom::StudioTeam").values()
    properties = team["Properties"]
    assert properties["ProfileNames"] == "readable"
    assert properties["TeamName"] == {"Ref": "TeamName"}
    assert properties["TrainingDataBucket"] == {"Ref": "TrainingDataBucket"}
    assert "Ref" in properties["ScratchBucket"]


def test_product_pages_show_constraint_text_and_mark_required_fields() -> None:
    page = docs.render("studio-team")
    assert "pattern `" not in page
    assert "Enter 2 to 24 characters: lower-case letters" in page
    assert "| Team name **(required)** | `TeamName` |" in page
    assert "| Training-data bucket (optional) | `TrainingDataBucket` |" in page
    for key in docs.PRODUCTS:
        assert "pattern `" not in docs.render(key), key


def test_linux_pages_teach_ssh_scp_and_a_bash_shell() -> None:
    for key in ("linux-docker", "notebook"):
        page = docs.render(key)
        assert "--document-name research-catalog-bash" in page, key
        assert "AWS-StartSSHSession" in page and "send-ssh-public-key" in page, key
        assert "scp results.csv <InstanceId>:/data/" in page, key


def test_every_product_page_teaches_update_plans() -> None:
    for key in docs.PRODUCTS:
        page = docs.render(key)
        assert "## Before a risky update: update plans" in page, key
        assert "create-provisioned-product-plan" in page and "UsePreviousValue=true" in page, key
