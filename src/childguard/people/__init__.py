"""People who use the console: users and passwords, browser sessions, and reviewers' wellness.

Services only (no FastAPI, Typer or Jinja): the web console and the command line call them.
"""
