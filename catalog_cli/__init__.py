"""Command-line helpers for researchers using catalog products."""
