"""Tests of ada_t5.metrics (a package so its module names cannot clash with other test folders)."""
