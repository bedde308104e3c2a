"""spawnguard: find code that breaks under the `spawn` start method, before it runs."""

__version__ = "0.1.0"
