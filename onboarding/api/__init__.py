"""The REST API: FastAPI routes over the workflows and the read model (app: embedded/app.py)."""
