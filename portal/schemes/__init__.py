"""Schemes as documents: the problems of a scheme file and the results of its test cases in words
(problems.py), and the `flask schemes` / `flask score` commands a bureau's IT person scripts (commands.py)."""
