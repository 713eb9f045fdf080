"""The orchestration layer: blocks, their registry, contracts between them and the message bus."""
