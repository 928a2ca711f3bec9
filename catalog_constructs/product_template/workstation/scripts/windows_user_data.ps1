#: The first-boot script of every Windows workstation (windows_setup.py renders it and puts it
#: between EC2Launch's <powershell> tags): a transcript in the setup log, the product's wait
#: condition signalled when it ends, the CloudWatch agent's settings, D:, the owner's account,
#: the product's own setup, then bucket synchronisation where the product offers it.
#: ${Name} are CloudFormation's (Fn::Sub); PowerShell's $name and $(...) never clash with them.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
#: S3 (the wait condition's pre-signed URL) accepts TLS 1.2 or later only.
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12
New-Item -ItemType Directory -Force -Path '@DATA_ROOT@' | Out-Null
Start-Transcript -Path '@SETUP_LOG@' -Append | Out-Null
function Send-Signal([string]$Status, [string]$Reason) {
  $body = @{ Status = $Status; Reason = $Reason; UniqueId = 'setup'; Data = $Reason } | ConvertTo-Json -Compress
  #: WebClient sends no Content-Type, which the pre-signed URL requires.
  (New-Object System.Net.WebClient).UploadString('${WaitHandle}', 'PUT', $body) | Out-Null
}
try {
Set-Content -Path '@AGENT_CONFIG_PATH@' -Encoding ASCII -Value @'
@AGENT_CONFIG@
'@
@DATA_VOLUME@
@SIGN_IN@
@PRODUCT_SETUP@
@BUCKET_SYNC@
Send-Signal 'SUCCESS' 'workstation ready'
} catch {
  Send-Signal 'FAILURE' "setup failed: $($_.Exception.Message); see the research-catalog-setup log stream"
  throw
}
