"""Persistent stores under the index directory: manifest, vectors, lexical index."""
