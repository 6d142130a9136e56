"""Pure, deterministic rules: the only project code the workflows import.

Nothing here does I/O or reads a clock; the import contracts in pyproject.toml
keep the store, the gateway, the API, the pages, the CLI and the Temporal
client out.
"""
