"""femngd.optim."""
