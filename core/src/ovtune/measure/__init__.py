"""The measurement engine: what runs on the original model and on every stage's output."""
