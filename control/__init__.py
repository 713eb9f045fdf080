"""The control plane: a Litestar API organised as blocks over an orchestration layer."""
