# ppd: filled in by its issue
