"""negsim: multi-party negotiations as an agent-based model on Mesa (first case: the January
2022 security talks in Geneva, Brussels and Vienna)."""

__version__ = "0.1.0"
