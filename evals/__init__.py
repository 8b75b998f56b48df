"""Evaluations and benchmarks: retrieval quality on SQuAD-format files, speed figures."""
