"""The officials' inbox in the console (issue 6): the list with live updates, one conversation with the citizen's
history beside it, and the team's settings (duty, canned replies, response targets)."""
