"""Telemetry: the metrics every floor feeds, on the ground so that any layer may record them."""
