"""Persisted and trusted documents: the shared store, its table and the manifests it imports."""
