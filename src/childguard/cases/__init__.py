"""Cases: every detection becomes review work that a person finishes.

The service the API, the CLI, the review console, the hotline reports and the statistics call
(no FastAPI, Typer or Jinja here):

- ``labels``: risk labels, priorities, default policies and the action vocabulary;
- ``org_settings``: an organisation's case settings (review threshold, four-eyes, lease);
- ``history``: the case history, each entry also audited;
- ``intake``: opening a case or adding to the open case of the same subject (scan, text);
- ``routing``: queues and ordered routing rules;
- ``workflow``: the state machine (claim, renew, release, next, close, reopen);
- ``decisions``: decisions, four-eyes confirmation, effects on banks, appeals;
- ``queries``: listing and reading cases, and their public (JSON) forms.
"""
