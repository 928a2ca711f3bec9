"""Post-deploy smoke test of one stage: ``make smoke STAGE=<name>`` (and a pipeline step).

With a test principal's credentials (``--role-arn`` to assume one), it finds every product the
stage publishes among the products the principal may launch, provisions the newest published
version of each with the ``smoke_test`` preset of its definition (products/<package>/
definition.py), waits with a timeout, checks every expected output (URLs parse, IDs match),
then terminates everything it launched, also after a failure, Ctrl-C or SIGTERM (a stopped
CodeBuild build). It prints a table of product, version, result and seconds and exits non-zero
on any failure.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, TextIO
from urllib.parse import urlsplit

from catalog_cli.aws import AWS_ERRORS, explain
from catalog_constructs import contract
from config import CONFIG_DIR, ConfigError, load_config
from config.models import CatalogConfig
from config.types import ROLE_ARN_PATTERN, parse_role_arn
from products.definition import HTTPS_URL, ProductDefinition, SmokeTest
from products.registry import PRODUCTS

NAME_PREFIX = "smoke-"
POLL_SECONDS = 15
RUNNING = ("CREATED", "IN_PROGRESS", "IN_PROGRESS_IN_ERROR")

Client = Any


@dataclass(frozen=True)
class Target:
    """A product to launch: what the stage publishes and how to launch it."""

    key: str
    display_name: str
    version: str
    preset: SmokeTest | None


@dataclass
class Result:
    key: str
    version: str
    ok: bool = False
    detail: str = ""
    seconds: float = 0.0
    provisioned_product_id: str = ""
    record_id: str = ""
    started: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)

    def fail(self, detail: str) -> None:
        self.ok = False
        self.detail = f"{self.detail}; {detail}" if self.detail else detail


class Interrupted(Exception):
    """SIGTERM, turned into an exception so that cleanup runs."""


def targets_for(
    config: CatalogConfig, products: Mapping[str, ProductDefinition] = PRODUCTS
) -> list[Target]:
    """The newest published version of every product the stage publishes."""
    targets = []
    for key in config.products:
        published = config.published_versions(key)
        definition = products[key]
        newest = [name for name in definition.version_names if name in published][-1]
        targets.append(Target(key, definition.display_name, newest, definition.smoke_test))
    return targets


def check_outputs(outputs: Mapping[str, str], expected: Mapping[str, str]) -> list[str]:
    """Problems with the outputs: missing ones, URLs that do not parse, values off pattern."""
    problems = []
    for key, rule in expected.items():
        value = outputs.get(key)
        if not value:
            problems.append(f"output {key} missing")
        elif rule == HTTPS_URL:
            parts = urlsplit(value)
            if parts.scheme != "https" or not parts.netloc or any(c.isspace() for c in value):
                problems.append(f"output {key} is not an https URL: {value!r}")
        elif not re.fullmatch(rule, value):
            problems.append(f"output {key} {value!r} does not match {rule}")
    return problems


class SmokeTestRun:
    def __init__(
        self,
        servicecatalog: Client,
        *,
        timeout_seconds: float,
        cost_centers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.sc = servicecatalog
        # Portfolio (community display name) -> a CostCenter it offers: its TagOption key must
        # be given at launch.
        self.cost_centers = dict(cost_centers or {})
        self.timeout = timeout_seconds
        self.sleep = sleep
        self.clock = clock
        self.poll = poll_seconds
        self.results: list[Result] = []

    # ---- steps

    def _visible_products(self) -> dict[str, str]:
        names: dict[str, str] = {}
        args: dict[str, Any] = {}
        while True:
            page = self.sc.search_products(**args)
            for view in page.get("ProductViewSummaries", []):
                names[view["Name"]] = view["ProductId"]
            token = page.get("NextPageToken")
            if not token:
                return names
            args = {"PageToken": token}

    def _launch(self, target: Target, product_id: str, result: Result) -> None:
        assert target.preset is not None
        product = self.sc.describe_product(Id=product_id)
        artifacts = {a["Name"]: a["Id"] for a in product.get("ProvisioningArtifacts", [])}
        paths = product.get("LaunchPaths", [])
        if target.version not in artifacts:
            raise RuntimeError(
                f"version {target.version} is not launchable (visible: "
                f"{', '.join(artifacts) or 'none'}); was it deployed?"
            )
        if not paths:
            raise RuntimeError("no launch path: the principal is in no portfolio with it")
        path = paths[0]
        cost_center = self.cost_centers.get(path.get("Name", ""))
        response = self.sc.provision_product(
            ProductId=product_id,
            ProvisioningArtifactId=artifacts[target.version],
            PathId=path["Id"],
            # The name marks leftovers of an interrupted run: smoke-<product>-<random>.
            ProvisionedProductName=f"{NAME_PREFIX}{target.key}-{uuid.uuid4().hex[:8]}",
            ProvisioningParameters=[
                {"Key": key, "Value": value} for key, value in target.preset.parameters.items()
            ],
            Tags=[{"Key": contract.COST_CENTER_TAG, "Value": cost_center}] if cost_center else [],
            ProvisionToken=uuid.uuid4().hex,
        )
        result.record_id = response["RecordDetail"]["RecordId"]
        result.provisioned_product_id = response["RecordDetail"]["ProvisionedProductId"]
        result.started = self.clock()

    def _wait(self, results: Sequence[Result], what: str) -> None:
        """Poll the records until each succeeded, failed or timed out."""
        pending = [r for r in results if r.record_id]
        while pending:
            for result in list(pending):
                detail = self.sc.describe_record(Id=result.record_id)["RecordDetail"]
                status = detail["Status"]
                if status == "SUCCEEDED":
                    pending.remove(result)
                elif status not in RUNNING:
                    errors = "; ".join(
                        e.get("Description", e.get("Code", ""))
                        for e in detail.get("RecordErrors", [])
                    )
                    result.fail(f"{what} {status}: {errors or 'no details'}")
                    pending.remove(result)
                elif self.clock() - result.started > self.timeout:
                    result.fail(f"{what} still {status} after {self.timeout:.0f} s (timeout)")
                    pending.remove(result)
            if pending:
                self.sleep(self.poll)

    def _check(self, target: Target, result: Result) -> None:
        assert target.preset is not None
        result.outputs = self._record_outputs(result.record_id)
        problems = check_outputs(result.outputs, target.preset.outputs)
        if problems:
            result.fail("; ".join(problems))

    def _record_outputs(self, record_id: str) -> dict[str, str]:
        """The outputs of the launch record. DescribeRecord, not GetProvisionedProductOutputs:
        only the former carries servicecatalog:userLevel, the condition that limits
        researchers (and this test) to their own products."""
        outputs: dict[str, str] = {}
        args: dict[str, str] = {"Id": record_id}
        while True:
            page = self.sc.describe_record(**args)
            outputs.update(
                {o["OutputKey"]: o.get("OutputValue", "") for o in page.get("RecordOutputs", [])}
            )
            token = page.get("NextPageToken")
            if not token:
                return outputs
            args["PageToken"] = token

    def _terminate(self, launched: Sequence[Result]) -> None:
        for result in launched:
            try:
                response = self.sc.terminate_provisioned_product(
                    ProvisionedProductId=result.provisioned_product_id,
                    TerminateToken=uuid.uuid4().hex,
                )
                result.record_id = response["RecordDetail"]["RecordId"]
                result.started = self.clock()
            except Exception as error:
                result.record_id = ""
                result.fail(
                    f"TERMINATE FAILED ({error}); terminate {result.provisioned_product_id} by hand"
                )
        try:
            self._wait(launched, "terminate")
        except Exception as error:  # e.g. the network went away: say so, keep the first error
            for result in launched:
                if result.record_id:
                    result.fail(
                        f"termination not confirmed ({type(error).__name__}); check "
                        f"{result.provisioned_product_id} by hand"
                    )

    # ---- the run

    def run(self, targets: Sequence[Target]) -> list[Result]:
        """Launch every target, check it, and terminate whatever was launched, whatever
        happens in between (the exception, if any, is re-raised after cleanup)."""
        self.results = [Result(t.key, t.version, ok=True) for t in targets]
        launched: list[Result] = []
        start = self.clock()
        try:
            visible = self._visible_products()
            for target, result in zip(targets, self.results, strict=True):
                if target.preset is None:
                    result.fail(
                        f"no smoke-test preset: set smoke_test in the definition of {target.key}"
                    )
                    continue
                product_id = visible.get(target.display_name)
                if product_id is None:
                    result.fail(
                        f"product {target.display_name!r} is not visible to this principal: "
                        "list its role in a community that has the product"
                    )
                    continue
                try:
                    self._launch(target, product_id, result)
                except Exception as error:
                    result.fail(f"launch: {error}")
                    continue
                launched.append(result)
            self._wait(launched, "launch")
            for target, result in zip(targets, self.results, strict=True):
                if result in launched and result.ok:
                    self._check(target, result)
        except BaseException as error:
            for result in self.results:
                if result.ok:
                    result.fail(f"aborted: {type(error).__name__}: {error}")
            raise
        finally:
            for result in self.results:
                result.seconds = self.clock() - start
            if launched:
                self._terminate(launched)
        return self.results


def render_table(results: Sequence[Result]) -> str:
    rows = [("PRODUCT", "VERSION", "RESULT", "SECONDS", "DETAIL")] + [
        (r.key, r.version, "PASS" if r.ok else "FAIL", f"{r.seconds:.0f}", r.detail)
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + f"  {row[4]}"
        for row in rows
    )


def _session(role_arn: str | None, region: str) -> Any:
    import boto3

    # A session of its own: boto3's default session would keep credentials it found earlier.
    caller = boto3.Session(region_name=region)
    if not role_arn:
        return caller
    credentials = caller.client("sts").assume_role(
        RoleArn=role_arn, RoleSessionName="research-catalog-smoke-test"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(f"signal {signum}")


def _role_problem(role_arn: str, config: CatalogConfig) -> str | None:
    """Why --role-arn cannot be the stage's test principal, checked before AWS is asked."""
    try:
        _, account, _ = parse_role_arn(role_arn)
    except ValueError:
        return (
            f"SMOKE_ROLE_ARN {role_arn!r} is not an IAM role ARN; expected {ROLE_ARN_PATTERN} "
            f"(e.g. arn:{config.stage.partition}:iam::{config.stage.account}:role/"
            "research-catalog-smoke-test)"
        )
    if account != config.stage.account:
        return (
            f"SMOKE_ROLE_ARN {role_arn!r} is in account {account}; stage "
            f"{config.stage_name} is in {config.stage.account}: use a role of that account"
        )
    return None


def main(
    argv: Sequence[str] | None = None,
    out: TextIO = sys.stdout,
    *,
    config_dir: Path = CONFIG_DIR,
) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, help="stage name (config/<stage>.yaml)")
    parser.add_argument("--role-arn", help="role of the test principal to assume")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.stage, config_dir)
    except ConfigError as error:
        print(f"Configuration error:\n{error}", file=sys.stderr)
        return 2
    if args.role_arn and (problem := _role_problem(args.role_arn, config)):
        print(f"smoke test not started: {problem}", file=sys.stderr)
        return 2
    try:
        session = _session(args.role_arn, config.stage.region)
        account = session.client("sts").get_caller_identity()["Account"]
    except AWS_ERRORS as error:
        print(f"smoke test not started: {explain(error)}", file=sys.stderr)
        return 2
    if account != config.stage.account:
        print(
            f"credentials are for account {account}, stage {config.stage_name} is in "
            f"{config.stage.account}: refusing to launch products in the wrong account",
            file=sys.stderr,
        )
        return 2
    timeout = (config.delivery.smoke_test.timeout_minutes if config.delivery else 40) * 60
    run = SmokeTestRun(
        session.client("servicecatalog"),
        timeout_seconds=timeout,
        cost_centers={c.display_name: c.cost_centers[0] for c in config.communities.values()},
    )
    signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        results = run.run(targets_for(config))
    except (KeyboardInterrupt, Interrupted):
        print(render_table(run.results), file=out)
        print("interrupted: launched products were terminated (see the table)", file=sys.stderr)
        return 130
    except AWS_ERRORS as error:
        print(render_table(run.results), file=out)
        print(
            f"smoke test aborted: {explain(error)}; the table shows what it launched and "
            "whether its termination was confirmed",
            file=sys.stderr,
        )
        return 1
    print(render_table(results), file=out)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
