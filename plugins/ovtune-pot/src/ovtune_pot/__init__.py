"""POT (DefaultQuantization, AccuracyAwareQuantization) as ovtune stages, on NNCF."""
