"""Fargate job sizes, shared by the scheduled-job template (its launch form lists them) and
the handler (it validates them). Standard library only: synth imports it without boto3."""

SECRETS_VARIABLE = "SCHEDULED_JOB_SECRETS"

# Fargate's valid CPU/memory pairs: vCPU -> memory choices in MiB.
FARGATE_SIZES: dict[str, tuple[int, ...]] = {
    "0.25": (512, 1024, 2048),
    "0.5": tuple(range(1024, 4097, 1024)),
    "1": tuple(range(2048, 8193, 1024)),
    "2": tuple(range(4096, 16385, 1024)),
    "4": tuple(range(8192, 30721, 1024)),
    "8": tuple(range(16384, 61441, 4096)),
    "16": tuple(range(32768, 122881, 8192)),
}


def size_label(vcpu: str, memory_mib: int) -> str:
    """The launch-form label of a Fargate size, e.g. ``1 vCPU, 2 GiB``; templates list these."""
    gib = memory_mib / 1024
    return f"{vcpu} vCPU, {int(gib) if gib.is_integer() else gib} GiB"
