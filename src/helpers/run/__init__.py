"""Step 7: running reports — the engine, builds, summaries, the site, preview, explain and init."""
