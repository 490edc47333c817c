"""Step 5: documents from an executed notebook: the format registry, the built-in engines, Quarto, DOCX styles."""
