"""Themes (意见主题) per article and the drafted summary of opinions (意见汇总草稿).

The pure part (no database, no outside service): ``keywords`` (words cut by rjieba, boilerplate left
out, TF-IDF over the draft's comments) and ``clustering`` (comments grouped by the keywords they share,
labelled by them). ``build`` computes and writes a draft's themes keeping what staff did,
``operations`` are staff's actions (rename, merge, move, recompute, edit and sign off the summary),
``queries`` and ``summary`` the reads, ``summary_docx`` the Word document.
"""
