"""femngd.natural."""
