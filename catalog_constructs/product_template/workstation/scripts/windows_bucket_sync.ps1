#: Part of a Windows workstation's user data (windows_user_data.ps1) when it offers bucket
#: mounts. The catalog's Windows image holds Sync-Buckets.ps1, which reads buckets.txt
#: ("<name> ro|rw"). A scheduled task runs Update-Buckets.ps1 at startup and every 15 minutes:
#: it rewrites that list from the user data (Windows runs user data at first boot only), then
#: synchronises.
# research-catalog-read-only-buckets: ${ReadOnlyBuckets}
# research-catalog-read-write-buckets: ${ReadWriteBuckets}
Set-Content -Path 'C:\ProgramData\research-catalog\Update-Buckets.ps1' -Encoding UTF8 -Value @'
@UPDATE_SCRIPT@
'@
$syncScriptMissing = -not (Test-Path '@SYNC_SCRIPT@')
if ('${ReadOnlyBuckets}${ReadWriteBuckets}' -and $syncScriptMissing) {
  throw 'Bucket synchronisation needs the catalog Windows image (Sync-Buckets.ps1 is missing)'
}
$sync = New-ScheduledTaskAction -Execute 'powershell.exe' `
  -Argument '-NoProfile -ExecutionPolicy Bypass -File "C:\ProgramData\research-catalog\Update-Buckets.ps1"'
$every = New-ScheduledTaskTrigger -Once -At (Get-Date) `
  -RepetitionInterval (New-TimeSpan -Minutes 15)
Register-ScheduledTask -TaskName 'research-catalog-bucket-sync' -Action $sync `
  -Trigger @((New-ScheduledTaskTrigger -AtStartup), $every) -User 'SYSTEM' -RunLevel Highest `
  -Force | Out-Null
Start-ScheduledTask -TaskName 'research-catalog-bucket-sync'
