"""config.rules.communities: rules across the communities of a stage."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest
import yaml

import config.rules.communities
from config import (
    CatalogConfig,
    load_config,
)
from tests.unit.config.example_configs import (
    BASE,
    DEV,
    DEV_FILE,
    FAKE_REGISTRY,
    MANAGER_LINE,
    ROLE_NAMES_LINE,
    BadCase,
    as_params,
    assert_bad_input,
    challenge_problem,
    edit,
    load_error,
    problem_line,
    product_definition,
    write_config,
)

BAD_CASES: list[BadCase] = [
    (
        "community-product-not-published",
        "dev",
        [("products: [linux-docker]", "products: [linux-docker, rstudio]")],
        DEV_FILE,
        "communities.bio.products[1]",
        [
            "product 'rstudio' is not published in stage 'dev': "
            "add it under products in config/dev.yaml"
        ],
        1,
    ),
    (
        "unknown-product-in-community",
        "dev",
        [("products: [linux-docker]", "products: [matlab]")],
        DEV_FILE,
        "communities.bio.products[0]",
        ["unknown product 'matlab'", "allowed: linux-docker, rstudio"],
        1,
    ),
    (
        "duplicate-display-name",
        "dev",
        [("display_name: Data Challenge", "display_name: biomedical")],
        DEV_FILE,
        "communities.challenge.display_name",
        ["display name 'biomedical' is already used by community 'bio'", "must be unique"],
        1,
    ),
    (
        "role-arn-in-another-account",
        "dev",
        [("arn:aws:iam::111111111111:role/BioUsers", "arn:aws:iam::333333333333:role/BioUsers")],
        DEV_FILE,
        "communities.bio.principals.role_arns[0]",
        [
            "is in account 333333333333, not the stage account 111111111111",
            "use arn:aws:iam::111111111111:role/BioUsers",
        ],
        1,
    ),
    (
        "role-claimed-by-two-communities",
        "dev",
        [("role_names: [ChallengeUsers]", "role_names: [biousers]")],
        DEV_FILE,
        "communities.challenge.principals.role_names[0]",
        [
            "role 'biousers' is already claimed by communities.bio.principals.role_arns[0]",
            "a role can belong to exactly one community",
        ],
        1,
    ),
]


@pytest.mark.parametrize("case", as_params(BAD_CASES))
def test_bad_input_is_reported_with_file_key_and_allowed(tmp_path: Path, case: BadCase) -> None:
    assert_bad_input(tmp_path, case)


@pytest.mark.parametrize(
    ("sharing", "key", "fragment"),
    [
        (
            '      accounts: ["111111111111"]\n',
            "sharing.accounts[0]",
            "is the stage account itself",
        ),
    ],
)
def test_bad_sharing(tmp_path: Path, sharing: str, key: str, fragment: str) -> None:
    added = "    sharing:\n" + sharing
    line = challenge_problem(
        tmp_path, after=MANAGER_LINE, added=added, key=f"communities.challenge.{key}"
    )
    assert fragment in line


@pytest.mark.parametrize(
    ("patterns", "key", "fragment"),
    [
        ("[BioUser*]", "role_patterns[0]", "also matches 'BioUsers' of community 'bio'"),
    ],
)
def test_bad_role_patterns(tmp_path: Path, patterns: str, key: str, fragment: str) -> None:
    added = f"      role_patterns: {patterns}\n"
    line = challenge_problem(
        tmp_path, after=ROLE_NAMES_LINE, added=added, key=f"communities.challenge.principals.{key}"
    )
    assert fragment in line


def _many_communities(count: int, *, products: list[str]) -> dict:
    data = yaml.safe_load(BASE) | yaml.safe_load(DEV) | {"stage_name": "dev"}
    data["products"]["scheduled-job"] = {"versions": ["v1"]}
    template = data["communities"]["challenge"]
    data["communities"] = {
        f"team{number:02}": {
            **template,
            "display_name": f"Team {number}",
            "principals": {"role_names": [f"Team{number}"]},
            "products": products,
            "cost_centers": [f"Team {number}"],
        }
        for number in range(count)
    }
    return data


JOBS_REGISTRY = {**FAKE_REGISTRY, "scheduled-job": product_definition("scheduled-job", "v1")}


def test_scheduled_jobs_are_not_capped_by_the_compute_environment_quota() -> None:
    """The pool takes 2 compute environments whatever the number of communities: 40
    communities with scheduled jobs validate (25 was the limit of per-community compute)."""
    data = _many_communities(40, products=["linux-docker", "scheduled-job"])
    config = CatalogConfig.model_validate(data, context={"registry": JOBS_REGISTRY})
    assert len(config.communities_for("scheduled-job")) == 40


def test_communities_per_stage_are_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config.rules.communities, "MAX_COMMUNITIES", 3)
    data = _many_communities(4, products=["linux-docker"])
    with pytest.raises(pydantic.ValidationError) as error:
        CatalogConfig.model_validate(data, context={"registry": JOBS_REGISTRY})
    (problem,) = error.value.errors()
    assert problem["loc"] == ("communities", "team03")
    assert problem["msg"].startswith("4 communities in this stage; allowed: at most 3")


def test_distinct_cost_centers_are_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config.rules.communities, "MAX_COST_CENTERS", 2)
    data = _many_communities(3, products=["linux-docker"])
    data["communities"]["team01"]["cost_centers"] = ["Team 0"]  # shared values count once
    CatalogConfig.model_validate(data, context={"registry": JOBS_REGISTRY})
    data["communities"]["team01"]["cost_centers"] = ["Team 1"]
    with pytest.raises(pydantic.ValidationError) as error:
        CatalogConfig.model_validate(data, context={"registry": JOBS_REGISTRY})
    (problem,) = error.value.errors()
    assert problem["loc"] == ("communities", "team02", "cost_centers", 0)
    assert problem["msg"].startswith("more than 2 distinct cost centers in this stage")


def test_budget_name_length_is_checked(tmp_path: Path) -> None:
    member = "a" * 64
    stage = edit(
        DEV,
        ("  bio:\n", "  bio-informatics-and-genomics-x:\n"),
        (
            "amount_usd: 1000\n",
            f"amount_usd: 1000\n      member_budgets:\n        members: [{member}]\n"
            "        amount_usd: 100\n",
        ),
    )
    error = load_error(write_config(tmp_path, stages={"dev": stage}))

    line = problem_line(
        error, "communities.bio-informatics-and-genomics-x.budget.member_budgets.members[0]"
    )
    assert "has 116 characters; AWS Budgets allows 100" in line


def test_member_budgets_per_community_are_limited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def members(prefix: str) -> str:
        names = ", ".join(f"{prefix}{i}" for i in range(100))
        return (
            "amount_usd: 1000\n      member_budgets:\n"
            f"        members: [{names}]\n        amount_usd: 10\n"
        )

    stage = edit(DEV, ("amount_usd: 1000\n", members("a")), ("amount_usd: 250\n", members("b")))
    config_dir = write_config(tmp_path, stages={"dev": stage})
    assert load_config("dev", config_dir, registry=FAKE_REGISTRY)

    # Each community's member budgets are in its own stack: 100 each fit a limit of 100.
    monkeypatch.setattr(config.rules.communities, "MEMBER_BUDGETS_MAX", 100)
    assert load_config("dev", config_dir, registry=FAKE_REGISTRY)
    monkeypatch.setattr(config.rules.communities, "MEMBER_BUDGETS_MAX", 99)
    line = problem_line(
        load_error(config_dir), "communities.challenge.budget.member_budgets.members"
    )
    assert "100 member budgets; allowed: at most 99 per community" in line


def test_a_communitys_document_fits_its_ssm_parameter() -> None:
    """The community stack publishes the community's roles in a standard SSM parameter (4 KB):
    a role list that would overflow it is refused with the community and key, not at deploy."""
    data = _many_communities(2, products=["linux-docker"])
    roles = [f"ResearchCatalogParticipantRole{index:03d}" for index in range(100)]
    data["communities"]["team01"]["principals"] = {"role_names": roles[:50]}
    CatalogConfig.model_validate(data, context={"registry": JOBS_REGISTRY})
    data["communities"]["team01"]["principals"] = {"role_names": roles}
    with pytest.raises(pydantic.ValidationError) as error:
        CatalogConfig.model_validate(data, context={"registry": JOBS_REGISTRY})
    (problem,) = error.value.errors()
    assert problem["loc"] == ("communities", "team01", "principals")
    assert "document for the stage's functions up to 4,912 bytes" in problem["msg"]
    assert "allowed: 4,096" in problem["msg"]


def test_every_community_fits_the_pooled_job_queue() -> None:
    """A fair-share queue takes at most 500 active share identifiers; each community has two,
    so the stage's community limit must keep all of them active at once."""
    from catalog_constructs import contract

    shares = config.rules.communities.MAX_COMMUNITIES * contract.JOB_SHARES_PER_COMMUNITY
    assert shares <= contract.BATCH_ACTIVE_SHARES_MAX
