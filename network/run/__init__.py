"""Running scenarios end to end: one scenario, batches (local processes, Dask), the golden-number guard."""
