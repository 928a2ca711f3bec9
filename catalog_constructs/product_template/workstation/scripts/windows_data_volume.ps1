#: Part of every Windows workstation's user data (windows_user_data.ps1). Finds the data volume
#: by its ID in the NVMe serial number, initialises it only when it is raw, gives it D: (moving
#: aside whatever held the letter), and installs Grow-Data.ps1 to grow it at every boot.
$serial = '${DataVolumeId}'.Replace('-', '')
$disk = $null
foreach ($attempt in 1..120) {
  $disk = Get-Disk | Where-Object { $_.SerialNumber -like "$serial*" } |
    Select-Object -First 1
  if ($disk) { break }
  Start-Sleep -Seconds 5
}
if (-not $disk) { throw 'data volume ${DataVolumeId} never appeared' }
if ($disk.IsOffline) { Set-Disk -Number $disk.Number -IsOffline $false }
if ($disk.IsReadOnly) { Set-Disk -Number $disk.Number -IsReadOnly $false }
if ($disk.PartitionStyle -eq 'RAW') {
  Initialize-Disk -Number $disk.Number -PartitionStyle GPT
  $new = New-Partition -DiskNumber $disk.Number -UseMaximumSize
  Format-Volume -Partition $new -FileSystem NTFS -NewFileSystemLabel 'research-data' `
    -Confirm:$false | Out-Null
}
$partition = Get-Partition -DiskNumber $disk.Number | Where-Object { $_.Type -eq 'Basic' } |
  Select-Object -First 1
if ($partition.DriveLetter -ne 'D') {
  $holder = Get-CimInstance -ClassName Win32_Volume -Filter "DriveLetter = 'D:'"
  if ($holder) { $holder | Set-CimInstance -Property @{ DriveLetter = 'Z:' } }
  Set-Partition -DiskNumber $disk.Number -PartitionNumber $partition.PartitionNumber `
    -NewDriveLetter D
}
Set-Content -Path '@DATA_ROOT@\Grow-Data.ps1' -Encoding UTF8 -Value @'
@GROW_SCRIPT@
'@
$grow = New-ScheduledTaskAction -Execute 'powershell.exe' `
  -Argument '-NoProfile -ExecutionPolicy Bypass -File "@DATA_ROOT@\Grow-Data.ps1"'
Register-ScheduledTask -TaskName 'research-catalog-grow-data' -Action $grow `
  -Trigger (New-ScheduledTaskTrigger -AtStartup) -User 'SYSTEM' -RunLevel Highest -Force |
  Out-Null
& '@DATA_ROOT@\Grow-Data.ps1'
