# People, ties and continuity arrive with the network issue.
