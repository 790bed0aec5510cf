"""Where a base network comes from: the embedded skeleton (tier 1) or full OSM (tiers 2 and 3)."""
