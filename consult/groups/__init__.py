"""Groups of similar comments (同类意见): near-duplicates per draft and article, kept as they arrive.

The pure part (no database): ``normalize`` (the text as compared), ``similarity`` (shingles, MinHash,
LSH bands and the verification that keeps opposite opinions apart) and ``clustering`` (a scope's
partition under what staff split, merged or confirmed). The rest reads and writes the tables.
"""
