"""What the edge and the control plane must agree on: token format, settings, error shape."""
