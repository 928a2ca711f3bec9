"""The EC2 instance types workstations offer: architecture, GPU, size and a rough price.

Pure data (no CDK import): the launch forms, the product templates' mappings and the product
pages read it. Prices are rough on-demand Linux prices per hour in US East (N. Virginia), in US
dollars, as published on https://aws.amazon.com/ec2/pricing/on-demand/ when the types were
added; they are a guide for choosing, not a bill (other regions cost 5-30% more, Windows adds
its licence).
"""

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class InstanceType:
    name: str
    architecture: str  # "x86" or "arm64"
    vcpus: int
    memory_gib: int
    usd_per_hour: float
    # The NVIDIA GPU ("T4", "A10G", ...) or None for a CPU-only type.
    gpu: str | None = None
    gpu_memory_gib: int = 0

    @property
    def image_key(self) -> str:
        """The key of the image mappings: architecture, plus ``Gpu`` for a GPU type."""
        return self.architecture + ("Gpu" if self.gpu else "")


def _family(
    family: str,
    architecture: str,
    sizes: dict[str, tuple[int, int, float]],
    *,
    gpu: str | None = None,
    gpu_memory_gib: int = 0,
) -> list[InstanceType]:
    return [
        InstanceType(
            name=f"{family}.{size}",
            architecture=architecture,
            vcpus=vcpus,
            memory_gib=memory,
            usd_per_hour=price,
            gpu=gpu,
            gpu_memory_gib=gpu_memory_gib,
        )
        for size, (vcpus, memory, price) in sizes.items()
    ]


_BURSTABLE = {
    "small": (2, 2),
    "medium": (2, 4),
    "large": (2, 8),
    "xlarge": (4, 16),
    "2xlarge": (8, 32),
}
_STANDARD = {"large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16}


def _sized(memory_per_vcpu: int, prices: tuple[float, ...]) -> dict[str, tuple[int, int, float]]:
    return {
        size: (vcpus, vcpus * memory_per_vcpu, price)
        for (size, vcpus), price in zip(_STANDARD.items(), prices, strict=True)
    }


def _burstable(prices: tuple[float, ...]) -> dict[str, tuple[int, int, float]]:
    return {
        size: (vcpus, memory, price)
        for (size, (vcpus, memory)), price in zip(_BURSTABLE.items(), prices, strict=True)
    }


# CPU types: the ones every workstation version since v1 offers, in the same order.
CPU_TYPES: tuple[InstanceType, ...] = (
    *_family("t3", "x86", _burstable((0.021, 0.042, 0.083, 0.166, 0.333))),
    *_family("m7i", "x86", _sized(4, (0.101, 0.202, 0.403, 0.806))),
    *_family("c7i", "x86", _sized(2, (0.089, 0.179, 0.357, 0.714))),
    *_family("r7i", "x86", _sized(8, (0.132, 0.265, 0.529, 1.058))),
    *_family("t4g", "arm64", _burstable((0.017, 0.034, 0.067, 0.134, 0.269))),
    *_family("m7g", "arm64", _sized(4, (0.082, 0.163, 0.326, 0.653))),
    *_family("c7g", "arm64", _sized(2, (0.073, 0.145, 0.290, 0.580))),
    *_family("r7g", "arm64", _sized(8, (0.107, 0.214, 0.428, 0.857))),
)

# One-GPU sizes of NVIDIA's GPU families: a workstation, not a training cluster (multi-GPU sizes
# cost 4-10 times as much and belong to jobs or Studio).
GPU_TYPES: tuple[InstanceType, ...] = (
    *_family(
        "g4dn",
        "x86",
        {"xlarge": (4, 16, 0.526), "2xlarge": (8, 32, 0.752), "4xlarge": (16, 64, 1.204)},
        gpu="T4",
        gpu_memory_gib=16,
    ),
    *_family(
        "g5",
        "x86",
        {"xlarge": (4, 16, 1.006), "2xlarge": (8, 32, 1.212), "4xlarge": (16, 64, 1.624)},
        gpu="A10G",
        gpu_memory_gib=24,
    ),
    *_family(
        "g6",
        "x86",
        {"xlarge": (4, 16, 0.805), "2xlarge": (8, 32, 0.978), "4xlarge": (16, 64, 1.323)},
        gpu="L4",
        gpu_memory_gib=24,
    ),
    *_family(
        "g6e",
        "x86",
        {"xlarge": (4, 32, 1.861), "2xlarge": (8, 64, 2.242), "4xlarge": (16, 128, 3.004)},
        gpu="L40S",
        gpu_memory_gib=48,
    ),
    # Graviton with an NVIDIA T4G: NVIDIA's arm64 (SBSA) data-center driver supports it, and
    # AWS publishes arm64 GPU base images for Amazon Linux 2023 and Ubuntu 24.04.
    *_family(
        "g5g",
        "arm64",
        {"xlarge": (4, 8, 0.420), "2xlarge": (8, 16, 0.556), "4xlarge": (16, 32, 0.828)},
        gpu="T4G",
        gpu_memory_gib=16,
    ),
)

ALL_TYPES: dict[str, InstanceType] = {t.name: t for t in (*CPU_TYPES, *GPU_TYPES)}


def price_list(types: tuple[InstanceType, ...]) -> str:
    """``t3.small $0.02, t3.medium $0.04, ...``: the form's one-line summary of a group."""
    return ", ".join(f"{t.name} ${t.usd_per_hour:.2f}" for t in types)


def form_description(types: tuple[InstanceType, ...]) -> str:
    """The instance-type field's help text: the types grouped by CPU and GPU with a rough
    hourly price each (the console shows one flat list of names)."""
    groups = (
        ("CPU, Intel x86_64", tuple(t for t in types if not t.gpu and t.architecture == "x86")),
        (
            "CPU, AWS Graviton arm64 (cheaper for the same size)",
            tuple(t for t in types if not t.gpu and t.architecture == "arm64"),
        ),
        ("GPU, NVIDIA, x86_64", tuple(t for t in types if t.gpu and t.architecture == "x86")),
        (
            "GPU, NVIDIA T4G, Graviton arm64",
            tuple(t for t in types if t.gpu and t.architecture == "arm64"),
        ),
    )
    listed = " | ".join(f"{label}: {price_list(members)}" for label, members in groups if members)
    return (
        "The image matching the type's architecture and GPU is chosen for you. Rough US-East "
        f"on-demand prices per hour while running: {listed}. Details: the product page."
    )


def markdown_table(types: tuple[InstanceType, ...]) -> str:
    """The product page's table of the offered types."""
    rows = [
        "| Type | Group | vCPUs | Memory (GiB) | GPU | About $/hour |",
        "|---|---|---|---|---|---|",
    ]
    for t in types:
        group = ("GPU" if t.gpu else "CPU") + (", Graviton" if t.architecture == "arm64" else "")
        gpu = f"NVIDIA {t.gpu}, {t.gpu_memory_gib} GiB" if t.gpu else "-"
        rows.append(
            f"| `{t.name}` | {group} | {t.vcpus} | {t.memory_gib} | {gpu} | {t.usd_per_hour:.2f} |"
        )
    return "\n".join(rows)
