"""Plain data the rest of the package computes on: roads, rail, region (zones, grid, centres), speeds."""
