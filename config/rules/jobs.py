"""Rules of the jobs section: it names communities that run scheduled jobs."""

from __future__ import annotations

from config.errors import Violation
from config.rules.checked import Checked
from config.sections.jobs import JobsConfig
from products.registry import JOBS_PRODUCT_KEY

# The pool takes 2 of the region's 50 Batch compute environments (a quota AWS does not raise);
# each legacy community keeps 2 more.
MAX_LEGACY_QUEUE_COMMUNITIES = 24


def jobs_name_job_communities(jobs: JobsConfig, known: Checked) -> list[Violation]:
    """``weights`` and ``legacy_queues`` name communities that list the scheduled-job product;
    at most MAX_LEGACY_QUEUE_COMMUNITIES legacy communities."""
    if known.communities is None:
        return []
    with_jobs = [n for n, c in known.communities.items() if JOBS_PRODUCT_KEY in c.products]
    allowed = ", ".join(with_jobs) or "(none)"
    violations: list[Violation] = [
        (
            (key,),
            f"{name!r} is not a community of this stage that lists {JOBS_PRODUCT_KEY!r}; "
            f"allowed: {allowed}",
            name,
        )
        for key, names in (("weights", list(jobs.weights)), ("legacy_queues", jobs.legacy_queues))
        for name in names
        if name not in with_jobs
    ]
    if len(jobs.legacy_queues) > MAX_LEGACY_QUEUE_COMMUNITIES:
        violations.append(
            (
                ("legacy_queues",),
                f"{len(jobs.legacy_queues)} communities; allowed: at most "
                f"{MAX_LEGACY_QUEUE_COMMUNITIES} (each keeps 2 of the region's 50 AWS Batch "
                "compute environments, the pool takes 2)",
                None,
            )
        )
    return violations
