"""HTML blueprints by audience: public, auth (and later admin, intake)."""
