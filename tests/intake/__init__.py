"""Tests of the spreadsheet intake (reading, headers, articles, rows, workbooks)."""
