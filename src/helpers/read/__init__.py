"""Step 2: the data folder read once — the table registry, workbook sheets, ledgers, validation."""
