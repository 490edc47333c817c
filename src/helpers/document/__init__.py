"""Step 6: one report — its tables, charts and body, as the notebook shows them."""
