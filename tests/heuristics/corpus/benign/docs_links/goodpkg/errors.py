# ruff: noqa
# fmt: off
# mypy: ignore-errors
HELP = "See https://bit.ly/goodpkg-faq for help."
PASTE = "Share the log at https://pastebin.com and include the link."
PUBLIC_IP_SERVICE = "https://api.ipify.org"
