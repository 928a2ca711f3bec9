"""`delivery:` the pipeline that deploys the stages in order (stacks/pipeline_stack.py).
Only in base.yaml: it spans stages."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from config.errors import raise_all
from config.types import STRICT, AccountId, Region, RoleName, StageName, matching, unique

CONNECTION_ARN_RE = re.compile(
    r"^arn:aws(-[a-z]+)*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:"
    r"connection/[0-9a-f-]{36}$"
)
REPOSITORY_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
# CodePipeline allows [A-Za-z0-9.@_-]{1,100}, but the name also makes the pipeline's stack name
# (<name>-pipeline), which the CDK and CloudFormation require to match ^[A-Za-z][A-Za-z0-9-]*$.
PIPELINE_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,99}$")
ConnectionArn = Annotated[
    str,
    matching(
        CONNECTION_ARN_RE,
        "{value} is not a CodeConnections connection ARN; expected "
        "arn:aws:codeconnections:<region>:<account>:connection/<uuid> (or the older "
        "codestar-connections service name)",
    ),
]
PipelineName = Annotated[
    str,
    matching(
        PIPELINE_NAME_RE,
        "{value} cannot name the pipeline and its stack (<name>-pipeline); allowed: a letter, "
        "then letters, digits and hyphens, at most 100 characters, e.g. research-catalog",
    ),
]
Repository = Annotated[
    str,
    matching(
        REPOSITORY_RE,
        "{value} is not a repository; expected owner/name, e.g. acme/research-catalog",
    ),
]


class SmokeTestConfig(BaseModel):
    """The post-deploy smoke test of each pipeline stage."""

    model_config = STRICT

    role_name: RoleName = Field(
        default="research-catalog-smoke-test",
        description=(
            "Role in every stage account the smoke test assumes: it must trust the pipeline "
            "account and be a principal of a community that lists every published product."
        ),
    )
    timeout_minutes: int = Field(
        default=40, ge=5, le=120, description="Limit per launch or termination, 5..120 minutes."
    )


class DeliveryConfig(BaseModel):
    """The delivery pipeline (stacks/pipeline_stack.py). Only in base.yaml: it spans stages."""

    model_config = STRICT

    account: AccountId = Field(description="Account of the pipeline (a tooling account).")
    region: Region = Field(description="Region of the pipeline.")
    connection_arn: ConnectionArn = Field(
        description="CodeConnections (CodeStar Connections) connection to the repository host."
    )
    repository: Repository = Field(description="Repository as owner/name, e.g. acme/catalog.")
    branch: str = Field(
        default="main", min_length=1, max_length=255, description="Branch the pipeline deploys."
    )
    pipeline_name: PipelineName = Field(
        default="research-catalog",
        description=(
            "CodePipeline name; the pipeline stack is <name>-pipeline. A letter, then letters, "
            "digits and hyphens (at most 100)."
        ),
    )
    approval_before: Annotated[list[StageName], unique("stage")] = Field(
        default_factory=list,
        description=(
            "Stages that wait for a manual approval before they deploy, e.g. [prod]. The "
            "pipeline deploys the stages in the top-level stage_order."
        ),
    )
    smoke_test: SmokeTestConfig = Field(
        default_factory=SmokeTestConfig, description="Post-deploy smoke test settings."
    )

    @model_validator(mode="before")
    @classmethod
    def _stage_order_moved(cls, data: Any) -> Any:
        # delivery.stage_order was the promotion order until it had to hold without a pipeline.
        if isinstance(data, dict) and "stage_order" in data:
            raise_all(
                [
                    (
                        ("stage_order",),
                        "stage_order is no longer part of delivery: the promotion order holds "
                        "with or without a pipeline; allowed: move it to a top-level "
                        "stage_order in base.yaml (the pipeline deploys the stages in it)",
                        data["stage_order"],
                    )
                ]
            )
        return data
