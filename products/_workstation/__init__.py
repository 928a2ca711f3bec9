"""What the workstation products (linux_docker, notebook, windows) share: smoke-test checks of
their standard outputs (``definition``, no CDK), launch-form fields, instance types and the
bucket lists (``form``), and the Linux bucket-mount usage text (``usage``)."""
