"""femngd.kernels."""
