"""The Windows side of the workstation construct: first-boot PowerShell and agent settings.

The scripts are files in ``scripts/`` (``windows_*.ps1`` and the ones they install), rendered
with :func:`~catalog_constructs.product_template.rendering.render_file`. User data is an
Fn::Sub template: ``${Name}`` are its variables, so the scripts never write ``${`` themselves
(PowerShell's ``$name`` and ``$(...)`` are safe).
"""

import json
from pathlib import Path

from catalog_constructs.contract import WINDOWS_CLOUDWATCH_AGENT_CONFIG_PATH, WINDOWS_DATA_ROOT
from catalog_constructs.product_template.rendering import render_file

SCRIPTS = Path(__file__).with_name("scripts")
SETUP_LOG = f"{WINDOWS_DATA_ROOT}\\setup.log"
# Windows names attachment points xvd[f-z]; the volume is found by its ID anyway.
DATA_DEVICE = "xvdf"
# Windows' first boot (sysprep, EC2Launch, agent installation) takes 5 to 15 minutes before
# the setup starts; the margin covers slow boots within the smoke test's 40 minutes.
SETUP_TIMEOUT_SECONDS = 1800
DATA_VOLUME = render_file(
    SCRIPTS / "windows_data_volume.ps1",
    DATA_ROOT=WINDOWS_DATA_ROOT,
    GROW_SCRIPT=render_file(SCRIPTS / "Grow-Data.ps1"),
)
SIGN_IN = render_file(SCRIPTS / "windows_sign_in.ps1")


def agent_config() -> dict[str, object]:
    return {
        "agent": {"metrics_collection_interval": 60},
        "logs": {
            "logs_collected": {
                "files": {
                    "collect_list": [
                        {
                            "file_path": SETUP_LOG,
                            "log_group_name": "${LogGroupName}",
                            "log_stream_name": "{instance_id}/research-catalog-setup",
                        }
                    ]
                },
                "windows_events": {
                    "collect_list": [
                        {
                            "event_name": name,
                            "event_levels": ["ERROR", "WARNING"],
                            "log_group_name": "${LogGroupName}",
                            "log_stream_name": "{instance_id}/" + name.lower(),
                        }
                        for name in ("System", "Application")
                    ]
                },
            }
        },
        "metrics": {
            "namespace": "CWAgent",
            "append_dimensions": {"InstanceId": "${!aws:InstanceId}"},
            "metrics_collected": {
                "Memory": {"measurement": ["% Committed Bytes In Use"]},
                "LogicalDisk": {"measurement": ["% Free Space"], "resources": ["C:", "D:"]},
            },
        },
    }


def user_data(*, setup_script: str, bucket_sync: str) -> str:
    """The whole first-boot script; ``setup_script`` (the product's own) and ``bucket_sync``
    (empty where the product offers no buckets) run after D: and the owner's account."""
    script = render_file(
        SCRIPTS / "windows_user_data.ps1",
        DATA_ROOT=WINDOWS_DATA_ROOT,
        SETUP_LOG=SETUP_LOG,
        AGENT_CONFIG_PATH=WINDOWS_CLOUDWATCH_AGENT_CONFIG_PATH,
        # Compact: user data holds at most 16 KB, and every part of it counts.
        AGENT_CONFIG=json.dumps(agent_config(), separators=(",", ":")),
        DATA_VOLUME=DATA_VOLUME,
        SIGN_IN=SIGN_IN,
        PRODUCT_SETUP=setup_script,
        BUCKET_SYNC=bucket_sync,
    )
    # EC2Launch runs the PowerShell between these tags at first boot.
    return f"<powershell>\n{script}</powershell>\n"
