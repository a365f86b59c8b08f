"""Command implementations behind `ada-t5 <command>` and `scripts/*.py`."""
