"""Closing the loop: the feedback report and its publications, satisfaction, exports, notifications,
the comparison table's open-data package and the purge of contact details."""
