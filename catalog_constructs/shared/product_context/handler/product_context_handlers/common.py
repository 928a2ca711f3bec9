"""What the product-context resource types share: the error a launcher can act on, values fit
for tags, required properties, and waiting within the Lambda's remaining time."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

Client = Any
Clock = Callable[[], float]

# EC2 tags accept almost anything, but S3 and most other services only accept these.
_TAG_UNSAFE = re.compile(r"[^\w.+=:@/ -]")
_TAG_VALUE_MAX = 256
# Deliberately stricter than RFC 5322: the address ends up in tags and notification targets.
_EMAIL = re.compile(r"[\w.+=-]+@[\w-]+(?:\.[\w-]+)+")


class ProductContextError(Exception):
    """Something the person launching the product or the operator can act on.

    The message becomes the FAILED reason shown in the Service Catalog console.
    """


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def tag_safe(value: str) -> str:
    return _TAG_UNSAFE.sub("_", value)[:_TAG_VALUE_MAX]


def as_email(value: str) -> str:
    return value if len(value) <= _TAG_VALUE_MAX and _EMAIL.fullmatch(value) else ""


def required(properties: Mapping[str, Any], name: str) -> str:
    value = str(properties.get(name, "")).strip()
    if not value:
        raise ProductContextError(f"the custom resource needs a {name} property")
    return value


class Deadline:
    """Waits until a condition holds, polling, but never past the Lambda's own time limit."""

    def __init__(self, seconds: float, *, clock: Clock, sleep: Callable[[float], None]) -> None:
        self._clock = clock
        self._sleep = sleep
        self._end = clock() + seconds

    def seconds_left(self) -> float:
        return self._end - self._clock()

    def wait(self, what: str, remaining: Callable[[], list[str]], interval: float = 10) -> None:
        while True:
            left = remaining()
            if not left:
                return
            if self._clock() + interval > self._end:
                raise ProductContextError(
                    f"timed out waiting for {what} to be deleted ({', '.join(left[:5])}); "
                    "retry the termination, it resumes where it stopped"
                )
            self._sleep(interval)
