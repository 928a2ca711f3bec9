"""`delivery:` the pipeline that deploys the stages in order (stacks/pipeline_stack.py).
Only in base.yaml: it spans stages."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from config.errors import did_you_mean, raise_all
from config.types import STRICT, AccountId, Region, RoleName, StageName, matching, unique

CONNECTION_ARN_RE = re.compile(
    r"^arn:aws(-[a-z]+)*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:"
    r"connection/[0-9a-f-]{36}$"
)
REPOSITORY_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
ConnectionArn = Annotated[
    str,
    matching(
        CONNECTION_ARN_RE,
        "{value} is not a CodeConnections connection ARN; expected "
        "arn:aws:codeconnections:<region>:<account>:connection/<uuid> (or the older "
        "codestar-connections service name)",
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
    pipeline_name: str = Field(
        default="research-catalog",
        pattern=r"^[A-Za-z0-9.@_-]{1,100}$",
        description="CodePipeline name, [A-Za-z0-9.@_-]{1,100}.",
    )
    stage_order: Annotated[list[StageName], unique("stage")] = Field(
        min_length=1,
        description=(
            "Stages the pipeline deploys, in order. A stage may only publish product versions "
            "the stage before it publishes (promotion)."
        ),
    )
    approval_before: Annotated[list[StageName], unique("stage")] = Field(
        default_factory=list,
        description="Stages that wait for a manual approval before they deploy, e.g. [prod].",
    )
    smoke_test: SmokeTestConfig = Field(
        default_factory=SmokeTestConfig, description="Post-deploy smoke test settings."
    )

    @model_validator(mode="after")
    def _approvals_name_pipeline_stages(self) -> DeliveryConfig:
        raise_all(
            [
                (
                    ("approval_before", index),
                    f"stage {name!r} is not deployed by the pipeline"
                    f"{did_you_mean(name, self.stage_order)}; "
                    f"allowed: {', '.join(self.stage_order)} (from stage_order)",
                    name,
                )
                for index, name in enumerate(self.approval_before)
                if name not in self.stage_order
            ]
        )
        return self
