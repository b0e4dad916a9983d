"""negsim: the January 2022 Russia-West security talks as an agent-based model."""

__version__ = "0.1.0"
