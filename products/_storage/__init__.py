"""What the bucket products (private_bucket, synapse_bucket) share: smoke-test checks of their
outputs (``definition``, no CDK), the bucket fields of their launch form (``form``) and the
text on who can use the bucket (``usage``)."""
