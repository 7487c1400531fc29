"""femngd.models."""
