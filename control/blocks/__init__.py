"""One package per block; each declares itself once, as BLOCK, in its __init__.py."""
