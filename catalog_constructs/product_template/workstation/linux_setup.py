"""The Linux side of the workstation construct: first-boot script and agent settings.

The scripts are files in ``scripts/`` (``linux_*.sh``), rendered with
:func:`~catalog_constructs.product_template.rendering.render_file`; the result is an Fn::Sub
template whose ``${Name}`` variables the construct supplies.
"""

import json
from pathlib import Path

from catalog_constructs.contract import LINUX_CLOUDWATCH_AGENT_CONFIG_PATH
from catalog_constructs.product_template.rendering import render_file

SCRIPTS = Path(__file__).with_name("scripts")
SETUP_LOG = "/var/log/research-catalog-setup.log"
# The attachment's device name; NVMe instances show the volume under another name, which the
# data-volume script finds by the volume's ID.
DATA_DEVICE = "/dev/sdf"
# Setting up Docker on a fresh Ubuntu instance takes two to five minutes; the margin covers
# slow package mirrors. The product fails (and is rolled back) rather than hanging past it.
SETUP_TIMEOUT_SECONDS = 1200
DATA_VOLUME = render_file(SCRIPTS / "linux_data_volume.sh", DATA_DEVICE=DATA_DEVICE)
# What a GPU instance reports every minute: the busier of CPU and GPU, in percent (activity.sh).
# A CloudWatch alarm can stop an instance only when it watches one per-instance metric (no
# metric math), so the instance combines the two itself.
ACTIVITY_NAMESPACE = "research-catalog/Workstations"
ACTIVITY_METRIC = "Activity"
ACTIVITY = render_file(
    SCRIPTS / "linux_activity.sh",
    ACTIVITY_SCRIPT=render_file(
        SCRIPTS / "activity.sh", NAMESPACE=ACTIVITY_NAMESPACE, METRIC=ACTIVITY_METRIC
    ),
)


def agent_config() -> dict[str, object]:
    return {
        "agent": {"metrics_collection_interval": 60, "run_as_user": "root"},
        "logs": {
            "logs_collected": {
                "files": {
                    "collect_list": [
                        {
                            "file_path": path,
                            "log_group_name": "${LogGroupName}",
                            "log_stream_name": "{instance_id}/" + stream,
                        }
                        for path, stream in (
                            ("/var/log/cloud-init-output.log", "cloud-init-output"),
                            ("/var/log/cloud-init.log", "cloud-init"),
                            (SETUP_LOG, "research-catalog-setup"),
                            ("/var/log/messages", "messages"),
                            ("/var/log/syslog", "syslog"),
                        )
                    ]
                }
            }
        },
        "metrics": {
            "namespace": "CWAgent",
            "append_dimensions": {"InstanceId": "${!aws:InstanceId}"},
            "metrics_collected": {
                "mem": {"measurement": ["mem_used_percent"]},
                "disk": {"measurement": ["used_percent"], "resources": ["/"]},
            },
        },
    }


def user_data(*, setup_script: str, bucket_mounts: str, image_setup: str = "") -> str:
    """The whole first-boot script (bash, run as root); ``image_setup`` (a public image's
    installation, empty or a comment on a catalog image), ``setup_script`` (the product's own)
    and ``bucket_mounts`` (empty where the product offers none) run after the data volume is
    mounted."""
    return render_file(
        SCRIPTS / "linux_user_data.sh",
        SETUP_LOG=SETUP_LOG,
        AGENT_CONFIG_PATH=LINUX_CLOUDWATCH_AGENT_CONFIG_PATH,
        # Compact: user data holds at most 16 KB, and every part of it counts.
        AGENT_CONFIG=json.dumps(agent_config(), separators=(",", ":")),
        DATA_VOLUME=DATA_VOLUME,
        IMAGE_SETUP=image_setup,
        ACTIVITY=ACTIVITY,
        PRODUCT_SETUP=setup_script,
        BUCKET_MOUNTS=bucket_mounts,
    )
