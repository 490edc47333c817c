"""Step 1: where things are, named errors, configuration, output folders and their lock, fonts, page layout."""
