"""femngd.fem."""
