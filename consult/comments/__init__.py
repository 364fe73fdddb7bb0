"""Comments: submission, receipt codes, moderation, decisions."""
