"""The Streamlit chat (`app.py`) in pieces.

Pure helpers (no Streamlit import): `texts` (nl/en strings), `highlight` (escaping, passage and
document highlighting, the answer's safe mini-Markdown), `sources` (which passages an answer
lists), `export` (the chat as Markdown). Streamlit pieces: `resources` (cached model and index),
`build` (index building with a progress bar), `sidebar`, `views` (chat messages) and `chat`
(asking with streaming).
"""
