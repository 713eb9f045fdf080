"""Deployment tooling: CLI, demo media library and local service orchestration."""
