"""Demo data written in Python: files shaped like the platforms' exports."""
