#: Installed by windows_bucket_sync.ps1 and run by its scheduled task.
$ErrorActionPreference = 'Stop'
$imds = 'http://169.254.169.254/latest'
$ttl = @{ 'X-aws-ec2-metadata-token-ttl-seconds' = '300' }
$token = Invoke-RestMethod -Method Put -Uri "$imds/api/token" -Headers $ttl
$asked = @{ 'X-aws-ec2-metadata-token' = $token }
$userData = Invoke-RestMethod -Uri "$imds/user-data" -Headers $asked
$lines = foreach ($mode in @(@('read-only', 'ro'), @('read-write', 'rw'))) {
  $pattern = "(?m)^# research-catalog-$($mode[0])-buckets: (.*?)\r?$"
  $listed = [regex]::Match($userData, $pattern).Groups[1].Value
  foreach ($name in $listed.Split(',')) { if ($name.Trim()) { "$($name.Trim()) $($mode[1])" } }
}
Set-Content -Path 'C:\ProgramData\research-catalog\buckets.txt' -Value $lines -Encoding UTF8
if ($lines) { & '@SYNC_SCRIPT@' }
