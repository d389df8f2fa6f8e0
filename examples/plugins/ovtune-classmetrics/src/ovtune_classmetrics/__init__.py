"""Per-class metrics for ovtune: macro F1 and worst-class recall."""

__version__ = "0.1.0"
