"""The review console: server-rendered pages (Jinja2) over the same services as the API.

``mount_console(app, settings)`` adds the pages to the API's app; nothing is built at import.
"""
