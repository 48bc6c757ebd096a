"""participatie-assistent: private, local search and cited answers over documents."""
