"""Step 3: periods, report kinds and the indicators computed from the ledgers."""
