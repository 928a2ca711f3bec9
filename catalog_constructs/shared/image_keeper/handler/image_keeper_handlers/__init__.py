"""The image keeper: marks the AMIs of this account that catalog products still reference, so
the image pipelines' lifecycle policies never delete them."""
