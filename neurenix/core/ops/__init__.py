"""The differentiable ops, one family per file."""
