"""Step 4: phrasing, the analysts' prose, generated sentences and the evidence behind each figure."""
