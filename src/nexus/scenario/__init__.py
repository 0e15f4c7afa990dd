"""A seeded synthetic picture of transnational crime around Pakistan, with its ground truth.

`generate(seed, scale, outdir)` writes what each agency would hand over, plus truth files.
"""
