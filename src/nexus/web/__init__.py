"""The analysts' web application: FastAPI pages (Jinja2 + htmx) and `/api/v1`, over the same
functions, every read through the signed-in viewer's `Reader`.
"""
