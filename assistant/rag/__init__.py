"""Retrieval-augmented answering: retrieve, answer with validated citations."""
