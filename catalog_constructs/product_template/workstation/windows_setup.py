"""The Windows side of the workstation construct: first-boot PowerShell and agent settings.

User data is an Fn::Sub template: ``${Name}`` are its variables, so the scripts never write
``${`` themselves (PowerShell's ``$name`` and ``$(...)`` are safe).
"""

import json

from catalog_constructs.contract import WINDOWS_CLOUDWATCH_AGENT_CONFIG_PATH, WINDOWS_DATA_ROOT

SETUP_LOG = f"{WINDOWS_DATA_ROOT}\\setup.log"
# Windows names attachment points xvd[f-z]; the volume is found by its ID anyway.
DATA_DEVICE = "xvdf"
DATA_DRIVE = "D"
# Windows' first boot (sysprep, EC2Launch, agent installation) takes 5 to 15 minutes before
# the setup starts; the margin covers slow boots within the smoke test's 40 minutes.
SETUP_TIMEOUT_SECONDS = 1800


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


# Finds the data volume by its ID in the NVMe serial number, initialises it only when it is
# raw, gives it D: (moving aside whatever held the letter), and grows it at every boot.
DATA_VOLUME = rf"""
$serial = '${{DataVolumeId}}'.Replace('-', '')
$disk = $null
foreach ($attempt in 1..120) {{
  $disk = Get-Disk | Where-Object {{ $_.SerialNumber -like "$serial*" }} |
    Select-Object -First 1
  if ($disk) {{ break }}
  Start-Sleep -Seconds 5
}}
if (-not $disk) {{ throw 'data volume ${{DataVolumeId}} never appeared' }}
if ($disk.IsOffline) {{ Set-Disk -Number $disk.Number -IsOffline $false }}
if ($disk.IsReadOnly) {{ Set-Disk -Number $disk.Number -IsReadOnly $false }}
if ($disk.PartitionStyle -eq 'RAW') {{
  Initialize-Disk -Number $disk.Number -PartitionStyle GPT
  $new = New-Partition -DiskNumber $disk.Number -UseMaximumSize
  Format-Volume -Partition $new -FileSystem NTFS -NewFileSystemLabel 'research-data' `
    -Confirm:$false | Out-Null
}}
$partition = Get-Partition -DiskNumber $disk.Number | Where-Object {{ $_.Type -eq 'Basic' }} |
  Select-Object -First 1
if ($partition.DriveLetter -ne '{DATA_DRIVE}') {{
  $holder = Get-CimInstance -ClassName Win32_Volume -Filter "DriveLetter = '{DATA_DRIVE}:'"
  if ($holder) {{ $holder | Set-CimInstance -Property @{{ DriveLetter = 'Z:' }} }}
  Set-Partition -DiskNumber $disk.Number -PartitionNumber $partition.PartitionNumber `
    -NewDriveLetter {DATA_DRIVE}
}}
Set-Content -Path '{WINDOWS_DATA_ROOT}\Grow-Data.ps1' -Encoding UTF8 -Value @'
# A larger DataVolumeSize reaches D: at the next boot (or Restart action).
$size = Get-PartitionSupportedSize -DriveLetter {DATA_DRIVE}
# Resize-Partition refuses to grow by less than 1 MiB.
if ((Get-Partition -DriveLetter {DATA_DRIVE}).Size -lt $size.SizeMax - 1MB) {{
  Resize-Partition -DriveLetter {DATA_DRIVE} -Size $size.SizeMax
}}
'@
$grow = New-ScheduledTaskAction -Execute 'powershell.exe' `
  -Argument '-NoProfile -ExecutionPolicy Bypass -File "{WINDOWS_DATA_ROOT}\Grow-Data.ps1"'
Register-ScheduledTask -TaskName 'research-catalog-grow-data' -Action $grow `
  -Trigger (New-ScheduledTaskTrigger -AtStartup) -User 'SYSTEM' -RunLevel Highest -Force |
  Out-Null
& '{WINDOWS_DATA_ROOT}\Grow-Data.ps1'
"""

# The owner's own local administrator, with the password generated for this product. The
# built-in Administrator is disabled (its random password from EC2Launch was never readable:
# no key pair exists).
SIGN_IN = r"""
$secret = Get-SECSecretValue -SecretId '${CredentialSecretArn}' -Region '${AWS::Region}'
$credential = $secret.SecretString | ConvertFrom-Json
$password = ConvertTo-SecureString -String $credential.password -AsPlainText -Force
if (Get-LocalUser -Name $credential.username -ErrorAction SilentlyContinue) {
  Set-LocalUser -Name $credential.username -Password $password
} else {
  New-LocalUser -Name $credential.username -Password $password -PasswordNeverExpires `
    -Description 'Owner of this research workstation' | Out-Null
}
$administrators = Get-LocalGroupMember -Group 'Administrators'
if (-not ($administrators | Where-Object { $_.Name -like "*\$($credential.username)" })) {
  Add-LocalGroupMember -Group 'Administrators' -Member $credential.username
}
Remove-Variable secret, credential, password
# The owner signs in with their own account; the built-in one is not needed by anyone.
Disable-LocalUser -Name 'Administrator'
"""


def user_data(*, setup_script: str, extra: list[str]) -> str:
    """The whole first-boot script; ``extra`` parts run after the product's own setup."""
    body = "\n".join(
        [
            f"Set-Content -Path '{WINDOWS_CLOUDWATCH_AGENT_CONFIG_PATH}' -Encoding ASCII -Value @'",
            json.dumps(agent_config(), indent=1),
            "'@",
            DATA_VOLUME.strip(),
            SIGN_IN.strip(),
            setup_script.strip(),
            *(part.strip() for part in extra),
            "Send-Signal 'SUCCESS' 'workstation ready'",
        ]
    )
    return "\n".join(
        [
            "<powershell>",
            "$ErrorActionPreference = 'Stop'",
            "$ProgressPreference = 'SilentlyContinue'",
            # S3 (the wait condition's pre-signed URL) accepts TLS 1.2 or later only.
            "[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12",
            f"New-Item -ItemType Directory -Force -Path '{WINDOWS_DATA_ROOT}' | Out-Null",
            f"Start-Transcript -Path '{SETUP_LOG}' -Append | Out-Null",
            "function Send-Signal([string]$Status, [string]$Reason) {",
            "  $body = @{ Status = $Status; Reason = $Reason; UniqueId = 'setup'; Data = $Reason }"
            " | ConvertTo-Json -Compress",
            # WebClient sends no Content-Type, which the pre-signed URL requires.
            "  (New-Object System.Net.WebClient).UploadString('${WaitHandle}', 'PUT', $body)"
            " | Out-Null",
            "}",
            "try {",
            body,
            "} catch {",
            "  Send-Signal 'FAILURE' \"setup failed: $($_.Exception.Message); see the "
            'research-catalog-setup log stream"',
            "  throw",
            "}",
            "</powershell>",
            "",
        ]
    )
