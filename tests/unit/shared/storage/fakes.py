"""Stand-ins the purge tests share: a mailbox instead of SES, a bucket full of versions, and
a client wrapper that injects faults."""

from collections.abc import Callable
from typing import Any


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


def versioned_objects(s3: Any, bucket: str, count: int) -> int:
    """``count`` objects with two versions each, half of them deleted (delete markers)."""
    for number in range(count):
        key = f"data/{number:05d}.txt"
        s3.put_object(Bucket=bucket, Key=key, Body=b"v1")
        s3.put_object(Bucket=bucket, Key=key, Body=b"v2")
        if number % 2:
            s3.delete_object(Bucket=bucket, Key=key)
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
