# filter: filled in by its issue
