#: Part of a Windows workstation's user data (windows_user_data.ps1) when it offers bucket
#: mounts: installs Sync-Buckets.ps1, which a scheduled task runs at startup and every 15
#: minutes. The script comes with the product version, not with the image: what a version
#: promises about synchronisation is what its instances run. The lists below sit at the start
#: of a line, where Sync-Buckets.ps1 finds them in the user data at every run.
# research-catalog-read-only-buckets: ${ReadOnlyBuckets}
# research-catalog-read-write-buckets: ${ReadWriteBuckets}
Set-Content -Path '@SYNC_SCRIPT@' -Encoding UTF8 -Value @'
@SYNC_BUCKETS@
'@
if (-not (Get-Command Write-S3Object -ErrorAction SilentlyContinue)) {
  throw 'Bucket synchronisation needs AWS Tools for PowerShell (Write-S3Object is missing)'
}
#: Its warnings and errors go to the Application log, which the CloudWatch agent ships.
if (-not [Diagnostics.EventLog]::SourceExists('research-catalog')) {
  New-EventLog -LogName Application -Source 'research-catalog'
}
$sync = New-ScheduledTaskAction -Execute 'powershell.exe' `
  -Argument '-NoProfile -ExecutionPolicy Bypass -File "@SYNC_SCRIPT@"'
$every = New-ScheduledTaskTrigger -Once -At (Get-Date) -RepetitionInterval (New-TimeSpan -Minutes 15)
#: One run at a time: two would work on the same files and the same record.
$once = New-ScheduledTaskSettingsSet -MultipleInstances IgnoreNew -ExecutionTimeLimit (New-TimeSpan -Hours 12)
Register-ScheduledTask -TaskName 'research-catalog-bucket-sync' -Action $sync `
  -Trigger @((New-ScheduledTaskTrigger -AtStartup), $every) -Settings $once -User 'SYSTEM' `
  -RunLevel Highest -Force | Out-Null
Start-ScheduledTask -TaskName 'research-catalog-bucket-sync'
