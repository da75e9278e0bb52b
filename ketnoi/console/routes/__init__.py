"""Console routes of the later domains, one module each, so that each domain's pages are added in one place."""
