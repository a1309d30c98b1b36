"""The bot's cogs: thin layers that parse, defer, call the service, format and reply."""
