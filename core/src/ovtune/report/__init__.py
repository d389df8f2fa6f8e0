"""Reporters: turn a run's report dictionary into things people read."""
