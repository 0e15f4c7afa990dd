"""Search: every entity a viewer may see, by name in any spelling or script, identifier in any
written form, or word; with facets. `search(reader, query)` asks; `update_index` keeps it current.
"""

from nexus.search.indexer import IndexReport, rebuild_index, update_index
from nexus.search.keys import KEYS_VERSION, index_rows, query_terms
from nexus.search.query import FacetValue, SearchHit, SearchResult, search

__all__ = [
    "KEYS_VERSION",
    "FacetValue",
    "IndexReport",
    "SearchHit",
    "SearchResult",
    "index_rows",
    "query_terms",
    "rebuild_index",
    "search",
    "update_index",
]
