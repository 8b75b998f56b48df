"""Ingestion: corpus files -> documents -> chunks -> embeddings -> indexes."""
