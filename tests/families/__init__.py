"""Independent test families: generators of transactions, networks and person records built
apart from `nexus.scenario` (no shared code or parameter), each drawing its shapes from wide
ranges, so accuracy is measured on data the analyses were not tuned on.
"""
