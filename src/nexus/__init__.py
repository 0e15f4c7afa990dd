"""Nexus: intelligence fusion against transnational organised crime.

Agencies pool records as provenance-carrying statements; every read goes through one access layer.
"""

__version__ = "0.1.0"
