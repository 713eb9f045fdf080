"""The edge: token-checked, zero-copy HTTP Range delivery of video files."""
