"""The entity model: FollowTheMoney's schemata plus Nexus's own, in FtM's YAML form.

Importing this package extends FtM's model singleton once, so FtM's helpers see our schemata.
"""

from nexus.model.loader import NEXUS_SCHEMA_DIR, load_model, nexus_schema_names

model = load_model()

__all__ = ["NEXUS_SCHEMA_DIR", "load_model", "model", "nexus_schema_names"]
