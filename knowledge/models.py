# Knowledge items and documents arrive with the knowledge issue.
