"""Network analysis over the resolved entity graph a viewer may see (python-igraph, leidenalg)."""
