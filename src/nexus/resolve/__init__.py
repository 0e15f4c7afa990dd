"""Entity resolution: one person, company, phone or account across agencies' records.

Normalises names and identifiers, scores pairs with Splink, keeps analysts' judgements, and maps
source ids to canonical ids per viewer scope without ever rewriting statements.
"""
