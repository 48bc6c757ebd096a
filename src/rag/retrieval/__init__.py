"""Retrieval: dense (FAISS), lexical (BM25) and their fusion."""
