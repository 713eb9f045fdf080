"""The HTTP edge of the control plane: error shape, request observation, rate limit, metrics."""
