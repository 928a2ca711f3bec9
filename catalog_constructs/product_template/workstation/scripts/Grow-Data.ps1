#: Installed by windows_data_volume.ps1 and run at every boot by a scheduled task.
# A larger DataVolumeSize reaches D: at the next boot (or Restart action).
$size = Get-PartitionSupportedSize -DriveLetter D
# Resize-Partition refuses to grow by less than 1 MiB.
if ((Get-Partition -DriveLetter D).Size -lt $size.SizeMax - 1MB) {
  Resize-Partition -DriveLetter D -Size $size.SizeMax
}
