"""Indicators from travel times: half-hour metrics, isochrones, compare/timeline/attribution, OD matrices."""
