"""Bucket products: the shared side (keys, access-log bucket, bucket functions, purge schedule)
in :mod:`.services`, the bucket every product template builds in :mod:`.bucket`."""
