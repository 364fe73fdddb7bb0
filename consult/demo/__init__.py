"""The demo data: six drafts at every stage, their comments, contact points and accounts (seed-demo)."""
