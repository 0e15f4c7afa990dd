"""Financial intelligence: transactions in columnar form, typology detectors, sanctions screening
and the alert queue their findings feed."""
