"""The run layer: workers (engine + aggregator for one segment) and the coordinator that merges them."""
