"""The model provider: litellm imported lazily and offline-safe, streaming, retries, error mapping."""
