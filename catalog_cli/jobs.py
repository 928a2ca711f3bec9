"""Run a scheduled-job product now and follow the run to its end.

    python -m catalog_cli.jobs submit <SubmitJobApi output> [--follow]
    python -m catalog_cli.jobs follow <job ID> [--region us-east-1]

Uses your usual AWS credentials (profile, SSO session or environment), the ones you launch
catalog products with: the submit API accepts only SigV4-signed calls and submits only the
caller's own jobs. Needs boto3 (``pip install boto3``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from catalog_cli.aws import AWS_ERRORS, explain

FINAL_STATES = ("SUCCEEDED", "FAILED")
_API_HOST = re.compile(r"https://[a-z0-9]+\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/")

Client = Any
# (method, url, headers, body) -> (HTTP status, response body)
Sender = Callable[[str, str, dict[str, str], bytes], tuple[int, bytes]]


class JobsCliError(Exception):
    """A problem the user can act on; printed without a traceback."""


@dataclass(frozen=True)
class Submitted:
    job_id: str
    job_name: str


def region_of(url: str) -> str:
    match = _API_HOST.match(url)
    if not match:
        raise JobsCliError(
            f"{url!r} is not a SubmitJobApi URL "
            "(https://<id>.execute-api.<region>.amazonaws.com/v1/jobs/...)"
        )
    return match["region"]


def signed_headers(url: str, body: bytes, credentials: Any, region: str) -> dict[str, str]:
    request = AWSRequest(
        method="POST", url=url, data=body, headers={"Content-Type": "application/json"}
    )
    SigV4Auth(credentials, "execute-api", region).add_auth(request)
    return dict(request.headers.items())


def send(method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        host = urllib.parse.urlsplit(url).netloc
        raise JobsCliError(
            f"cannot reach {host} ({reason}): check your network connection (and proxy settings)"
        ) from error


def submit(url: str, credentials: Any, *, sender: Sender = send) -> Submitted:
    """POST to the product's SubmitJobApi, signed with the caller's credentials."""
    body = b"{}"
    status, raw = sender("POST", url, signed_headers(url, body, credentials, region_of(url)), body)
    try:
        answer = json.loads(raw or b"{}")
    except json.JSONDecodeError:
        answer = {"message": raw.decode(errors="replace")}
    if status != 200 or "jobId" not in answer:
        message = answer.get("message") or answer.get("Message") or answer
        hint = (
            " (your credentials are not the product owner's, or they expired)"
            if status == 403
            else ""
        )
        raise JobsCliError(f"the submit API answered {status}: {message}{hint}")
    return Submitted(job_id=str(answer["jobId"]), job_name=str(answer.get("jobName", "")))


def states(
    job_id: str,
    batch: Client,
    *,
    interval: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, Any]]:
    """Yield the job's description each time its status changes, until it ends."""
    last = None
    while True:
        jobs = batch.describe_jobs(jobs=[job_id])["jobs"]
        if not jobs:
            raise JobsCliError(f"no job {job_id} in this account and region")
        job = jobs[0]
        if job["status"] != last:
            last = job["status"]
            yield job
        if last in FINAL_STATES:
            return
        sleep(interval)


def log_lines(job: dict[str, Any], logs: Client, *, limit: int = 50) -> list[str]:
    """The last lines the job's final attempt wrote, if it got far enough to write any."""
    container = job.get("container", {})
    stream = container.get("logStreamName")
    group = container.get("logConfiguration", {}).get("options", {}).get("awslogs-group")
    if not stream or not group:
        return []
    events = logs.get_log_events(
        logGroupName=group, logStreamName=stream, limit=limit, startFromHead=False
    )["events"]
    return [str(event["message"]) for event in events]


def follow(
    job_id: str,
    batch: Client,
    logs: Client,
    out: TextIO,
    *,
    interval: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Print status changes and the end of the log; True if the job succeeded."""
    job: dict[str, Any] = {}
    for job in states(job_id, batch, interval=interval, sleep=sleep):
        reason = job.get("statusReason")
        print(f"{job['status']}{f': {reason}' if reason else ''}", file=out)
    for line in log_lines(job, logs):
        print(f"  | {line}", file=out)
    return job.get("status") == "SUCCEEDED"


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m catalog_cli.jobs",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    submit_parser = commands.add_parser("submit", help="run the job now")
    submit_parser.add_argument("url", help="the product's SubmitJobApi output")
    submit_parser.add_argument("--follow", action="store_true", help="wait for the run to end")
    follow_parser = commands.add_parser("follow", help="follow a run to its end")
    follow_parser.add_argument("job_id")
    follow_parser.add_argument("--region", help="default: your AWS configuration's region")
    args = parser.parse_args(argv)

    try:
        if args.command == "submit":
            region = region_of(args.url)
            session = boto3.Session(region_name=region)
            credentials = session.get_credentials()
            if credentials is None:
                raise JobsCliError("no AWS credentials found: log in (aws sso login) first")
            submitted = submit(args.url, credentials.get_frozen_credentials())
            print(f"submitted {submitted.job_name} as job {submitted.job_id}", file=out)
            if not args.follow:
                return 0
            job_id = submitted.job_id
        else:
            session = boto3.Session(region_name=args.region)
            job_id = args.job_id
        succeeded = follow(job_id, session.client("batch"), session.client("logs"), out)
    except JobsCliError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except AWS_ERRORS as error:
        print(f"error: {explain(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: the job keeps running; follow it again with the follow command",
            file=sys.stderr,
        )
        return 130
    return 0 if succeeded else 1


if __name__ == "__main__":
    sys.exit(main())
