"""femngd: natural gradient descent in function space, measured against finite elements."""
__version__ = "0.1.0"
