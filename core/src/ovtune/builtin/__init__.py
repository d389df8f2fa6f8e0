"""Built-in plugins. Each module is registered exactly as an external plugin would be
(see :data:`ovtune.manager.BUILTIN_PLUGINS`) and can be blocked with ``-p no:NAME``."""
