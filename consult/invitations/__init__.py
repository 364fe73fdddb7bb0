"""Invitations (征求专家意见): staff ask deputies and experts for their opinion on a draft or articles."""
