"""Contact-point intake: reading the spreadsheets contact points keep and importing their rows.

The pure part (no database, no request) is a pipeline a door or an operation calls in order:
``reading.read_table`` (bytes → RawTable) → ``headers.find_layout`` (RawTable → Layout) →
``rows.build_rows`` (→ Report of RowResult). ``workbooks`` writes the templates and the error report.
"""
