"""Stand-ins the purge tests share: a mailbox instead of SES, a bucket full of versions, and
a client wrapper that injects faults."""

from collections.abc import Callable
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

PARTITION = "aws"


class Mailbox:
    """Stands in for SES v2 and keeps what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_email(self, **kwargs: Any) -> dict[str, str]:
        self.sent.append(kwargs)
        return {"MessageId": str(len(self.sent))}

    @property
    def subjects(self) -> list[str]:
        return [mail["Content"]["Simple"]["Subject"]["Data"] for mail in self.sent]


def versioned_objects(bucket: str, count: int, account: str = DEFAULT_ACCOUNT_ID) -> int:
    """``count`` objects with two versions each, half of them deleted (delete markers), written
    straight into moto's S3 backend of ``account``: the purge under test reads and deletes them
    through the API, but filling a bucket through it took most of the storage tests' time.
    (moto serves every request of the tests from its default account.)"""
    backend = s3_backends[account][PARTITION]
    for number in range(count):
        key = f"data/{number:05d}.txt"
        backend.put_object(bucket, key, b"v1")
        backend.put_object(bucket, key, b"v2")
        if number % 2:
            backend.delete_object(bucket, key)
    return count * 2 + count // 2


class Hooked:
    """Delegates to a real client; ``before`` runs a function before chosen operations, which
    may raise (a fault) or change the world (an operator's restore)."""

    def __init__(self, client: Any, before: dict[str, Callable[[dict[str, Any]], None]]) -> None:
        self.client, self.before = client, before

    def __getattr__(self, name: str) -> Any:
        operation = getattr(self.client, name)
        hook = self.before.get(name)
        if hook is None:
            return operation

        def hooked(**kwargs: Any) -> Any:
            hook(kwargs)
            return operation(**kwargs)

        return hooked

    def get_paginator(self, name: str) -> Any:
        return self.client.get_paginator(name)
