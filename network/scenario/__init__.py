"""Scenario files, the project catalogue, road edits, and resolving base + year + projects into a network state."""
