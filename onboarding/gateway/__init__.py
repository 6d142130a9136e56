"""The Temporal client side: workflows started, updated and read; the read model kept in step."""
