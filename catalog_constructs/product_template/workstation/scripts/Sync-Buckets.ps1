#: Installed by windows_bucket_sync.ps1 and run by its scheduled task (at startup and every 15
#: minutes, never two runs at once). Reads the bucket lists from the instance's user data at
#: every run (Windows runs user data at first boot only, and an update of the lists changes the
#: user data) and synchronises each bucket with D:\buckets\<name>.
#:
#: Read-write buckets are synchronised both ways from a record of what both sides held after the
#: last run (D:\buckets\.sync-state\<name>.csv, on D: so that it moves with the files):
#: - a file changed here since then is uploaded, first (before anything is downloaded); one
#:   changed in the bucket is downloaded only if it did not change here: a newer local file is
#:   never overwritten; changed on both sides (or never synchronised and different), the local
#:   file is uploaded and the bucket's copy is kept beside it as "<name> (bucket copy <when>)";
#: - a file deleted here is deleted in the bucket, one deleted in the bucket is deleted here,
#:   unless the other side changed it meanwhile (then it is copied back); deleting more than 10
#:   files and more than half of the bucket at once, or the whole folder, is taken for an
#:   accident: nothing is deleted in the bucket and the files come back;
#: - files younger than two minutes wait for the next run (they may still be being written);
#: - a multipart upload's ETag is no checksum: there, the same size counts as the same file.
#: Read-only buckets are only downloaded: the bucket's copy replaces a changed local one, files
#: deleted in the bucket go, the owner's own extra files stay.
#:
#: Every S3 call is an AWS Tools for PowerShell cmdlet (on every Windows AMI): their errors stop
#: under $ErrorActionPreference = 'Stop', which Windows PowerShell 5.1 does not apply to native
#: commands such as aws.exe. A failed file is reported and retried next run; the run's exit code
#: says whether everything succeeded; warnings and errors go to the Application event log, which
#: the CloudWatch agent ships to the product's log group.
$ErrorActionPreference = 'Stop'
$imds = 'http://169.254.169.254/latest'
$token = Invoke-RestMethod -Method Put -Uri "$imds/api/token" -Headers @{ 'X-aws-ec2-metadata-token-ttl-seconds' = '300' }
$asked = @{ 'X-aws-ec2-metadata-token' = $token }
$userData = Invoke-RestMethod -Uri "$imds/user-data" -Headers $asked
$region = Invoke-RestMethod -Uri "$imds/meta-data/placement/region" -Headers $asked
$root = '@SYNC_ROOT@'
$stateRoot = '@STATE_ROOT@'
$settled = [DateTime]::UtcNow.AddMinutes(-2).Ticks
$ignored = '^(~\$.*|\.~lock\..*|thumbs\.db|desktop\.ini|.*\.tmp|.*\.research-catalog-download)$'
$unfit = '[\\:*?"<>|\x00-\x1f]|(^|/)(\.|\.\.)?(/|$)|[ .](/|$)'
$script:failures = 0

#: Write-Host, not Write-Output: a function's output is its return value.
function Write-SyncEvent([string]$Type, [string]$Text) {
  Write-Host "$Type $Text"
  try {
    Write-EventLog -LogName Application -Source 'research-catalog' -EntryType $Type -EventId 100 -Message "Bucket synchronisation: $Text"
  } catch { Write-Host $_.Exception.Message }
}

#: Functions hand back collections with "return ," : PowerShell would otherwise unroll them.
function New-Map {
  return , (New-Object 'System.Collections.Generic.Dictionary[string,object]' ([StringComparer]::OrdinalIgnoreCase))
}

function Get-Entry($Map, [string]$Key) {
  $value = $null
  [void]$Map.TryGetValue($Key, [ref]$value)
  $value
}

function Get-RemoteFiles([string]$Bucket) {
  $remote = New-Map
  foreach ($object in Get-S3Object -BucketName $Bucket -Region $region) {
    $key = $object.Key
    if ($key.EndsWith('/')) { continue }
    if ($key -match $unfit -or $remote.ContainsKey($key)) {
      Write-SyncEvent Warning "s3://$Bucket/$key not synchronised: no Windows name of its own"
      continue
    }
    $remote[$key] = [pscustomobject]@{ Key = $key; ETag = $object.ETag.Trim('"'); Size = [long]$object.Size }
  }
  return , $remote
}

function Get-LocalFiles([string]$Folder) {
  $local = New-Map
  foreach ($file in Get-ChildItem -LiteralPath $Folder -Recurse -File -Force) {
    if ($file.Name -match $ignored) { continue }
    $key = $file.FullName.Substring($Folder.Length + 1).Replace('\', '/')
    $local[$key] = [pscustomobject]@{
      Path = $file.FullName; Size = [long]$file.Length; Ticks = $file.LastWriteTimeUtc.Ticks
    }
  }
  return , $local
}

function Read-State([string]$Path) {
  $state = New-Map
  if (Test-Path -LiteralPath $Path) {
    foreach ($row in Import-Csv -LiteralPath $Path) { $state[$row.Key] = $row }
  }
  return , $state
}

function Get-SyncAction($Known, $Here, $There, [bool]$ReadWrite) {
  $hereChanged = $Here -and (-not $Known -or [long]$Known.Size -ne $Here.Size -or [long]$Known.Ticks -ne $Here.Ticks)
  $thereChanged = $There -and (-not $Known -or $Known.ETag -ne $There.ETag)
  if ($Here -and $There) {
    if (-not $hereChanged -and -not $thereChanged) { return 'Keep' }
    if (-not $ReadWrite) { return 'Download' }
    if ($Known -and -not $thereChanged) { return 'Upload' }
    if ($Known -and -not $hereChanged) { return 'Download' }
    return 'Compare'
  }
  if ($Here) {
    if ($Known -and -not $hereChanged) { return 'DeleteLocal' }
    if ($ReadWrite) { return 'Upload' }
    return 'Forget'
  }
  if ($There) {
    if ($ReadWrite -and $Known -and -not $thereChanged) { return 'DeleteRemote' }
    return 'Download'
  }
  'Forget'
}

function Send-File([string]$Bucket, [string]$Key, $Here) {
  Write-S3Object -BucketName $Bucket -Key $Key -File $Here.Path -Region $region | Out-Null
  $etag = (Get-S3ObjectMetadata -BucketName $Bucket -Key $Key -Region $region).ETag.Trim('"')
  [pscustomobject]@{ Key = $Key; ETag = $etag; Size = $Here.Size; Ticks = $Here.Ticks }
}

function Receive-File([string]$Bucket, $There, [string]$Path, $Here) {
  $partial = "$Path.research-catalog-download"
  New-Item -ItemType Directory -Force -Path (Split-Path -Parent $Path) | Out-Null
  Read-S3Object -BucketName $Bucket -Key $There.Key -File $partial -Region $region | Out-Null
  if ($Here -and (Get-Item -LiteralPath $Path).LastWriteTimeUtc.Ticks -ne $Here.Ticks) {
    Remove-Item -LiteralPath $partial
    throw "$Path changed meanwhile: kept"
  }
  Move-Item -LiteralPath $partial -Destination $Path -Force
  $file = Get-Item -LiteralPath $Path
  [pscustomobject]@{ Key = $There.Key; ETag = $There.ETag; Size = [long]$file.Length; Ticks = $file.LastWriteTimeUtc.Ticks }
}

function Get-CopyPath([string]$Path) {
  $when = (Get-Date).ToString('yyyy-MM-dd HHmm')
  $base = [IO.Path]::Combine([IO.Path]::GetDirectoryName($Path), [IO.Path]::GetFileNameWithoutExtension($Path))
  "$base (bucket copy $when)$([IO.Path]::GetExtension($Path))"
}

function Invoke-Action([string]$Bucket, [string]$Folder, [string]$Action, [string]$Key, $Known, $Here, $There) {
  $path = Join-Path $Folder $Key.Replace('/', '\')
  switch ($Action) {
    'Keep' { return $Known }
    'Forget' { return $null }
    'Upload' {
      if ($Here.Ticks -gt $settled) { return $Known }
      return Send-File $Bucket $Key $Here
    }
    'Compare' {
      $same = $There.Size -eq $Here.Size -and ($There.ETag.Contains('-') -or
        $There.ETag -eq (Get-FileHash -Algorithm MD5 -LiteralPath $Here.Path).Hash.ToLowerInvariant())
      if ($same) { return [pscustomobject]@{ Key = $Key; ETag = $There.ETag; Size = $Here.Size; Ticks = $Here.Ticks } }
      if ($Here.Ticks -gt $settled) { return $Known }
      $copy = Get-CopyPath $path
      Receive-File $Bucket $There $copy $null | Out-Null
      Write-SyncEvent Warning "$Key changed on both sides: the bucket's copy is $copy"
      return Send-File $Bucket $Key $Here
    }
    'Download' { return Receive-File $Bucket $There $path $Here }
    'DeleteLocal' {
      if ((Get-Item -LiteralPath $path).LastWriteTimeUtc.Ticks -eq $Here.Ticks) { Remove-Item -LiteralPath $path }
      return $null
    }
    'DeleteRemote' {
      Remove-S3Object -BucketName $Bucket -Key $Key -Region $region -Force | Out-Null
      return $null
    }
  }
}

function Sync-Bucket([string]$Bucket, [bool]$ReadWrite) {
  $folder = Join-Path $root $Bucket
  $statePath = Join-Path $stateRoot "$Bucket.csv"
  $folderWasThere = Test-Path -LiteralPath $folder
  New-Item -ItemType Directory -Force -Path $folder, $stateRoot | Out-Null
  $state = Read-State $statePath
  $remote = Get-RemoteFiles $Bucket
  $local = Get-LocalFiles $folder
  $keys = New-Object 'System.Collections.Generic.HashSet[string]' ([StringComparer]::OrdinalIgnoreCase)
  foreach ($map in $state, $remote, $local) { foreach ($key in $map.Keys) { [void]$keys.Add($key) } }
  $plan = foreach ($key in $keys) {
    $known, $here, $there = (Get-Entry $state $key), (Get-Entry $local $key), (Get-Entry $remote $key)
    if ($there) { $key = $there.Key } elseif ($known) { $key = $known.Key }
    [pscustomobject]@{
      Key = $key; Known = $known; Here = $here; There = $there
      Action = Get-SyncAction $known $here $there $ReadWrite
    }
  }
  $deletions = @($plan | Where-Object { $_.Action -eq 'DeleteRemote' })
  if ($deletions.Count -and (-not $folderWasThere -or ($deletions.Count -gt 10 -and $deletions.Count -gt $remote.Count / 2))) {
    Write-SyncEvent Warning "$($deletions.Count) files gone from $folder at once: downloaded again, not deleted in s3://$Bucket"
    foreach ($entry in $deletions) { $entry.Action = 'Download' }
  }
  $next = New-Map
  foreach ($action in 'Keep', 'Upload', 'Compare', 'DeleteRemote', 'Download', 'DeleteLocal', 'Forget') {
    foreach ($entry in @($plan | Where-Object { $_.Action -eq $action })) {
      try {
        $known = Invoke-Action $Bucket $folder $action $entry.Key $entry.Known $entry.Here $entry.There
      } catch {
        $script:failures++
        Write-SyncEvent Error "$action of $($entry.Key) (s3://$Bucket) failed: $($_.Exception.Message)"
        $known = $entry.Known
      }
      if ($known) { $next[$entry.Key] = $known }
    }
  }
  $partial = "$statePath.new"
  $rows = @($next.Values | Select-Object -Property 'Key', 'ETag', 'Size', 'Ticks')
  if ($rows.Count) {
    $rows | Export-Csv -LiteralPath $partial -NoTypeInformation -Encoding UTF8
  } else {
    Set-Content -LiteralPath $partial -Value '"Key","ETag","Size","Ticks"' -Encoding UTF8
  }
  Move-Item -LiteralPath $partial -Destination $statePath -Force
}

foreach ($mode in 'read-only', 'read-write') {
  $listed = [regex]::Match($userData, "(?m)^# research-catalog-$mode-buckets: (.*?)\r?$").Groups[1].Value
  foreach ($name in $listed.Split(',') | ForEach-Object { $_.Trim() } | Where-Object { $_ }) {
    try {
      Sync-Bucket $name ($mode -eq 'read-write')
    } catch {
      $script:failures++
      Write-SyncEvent Error "s3://$name could not be synchronised: $($_.Exception.Message)"
    }
  }
}
exit [int]($script:failures -gt 0)
