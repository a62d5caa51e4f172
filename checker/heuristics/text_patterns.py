"""What string literals in code look like when they matter: paths, endpoints, commands.

``api_names`` holds the names of dangerous APIs; this module holds the patterns matched against
the *content* of strings. ``path_labels`` classifies a string once into taint labels.
"""

from __future__ import annotations

import re

from checker.heuristics.flow_types import Taint

# Credential stores and secrets an ordinary library has no business reading and sending out.
CREDENTIAL_PATH = re.compile(
    r"(?:^|[/\\~])\.(?:ssh|aws|azure|gnupg|kube|docker)(?:[/\\]|$)"
    r"|\.aws[/\\]credentials|\.netrc\b|_netrc\b|\.git-credentials|\.pypirc|\.npmrc"
    r"|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|\.config[/\\]gcloud|/etc/shadow|\.bash_history"
    r"|Login Data|Local State|Local Storage[/\\]leveldb|\bCookies$|logins\.json|key[34]\.db"
    r"|\.mozilla[/\\]firefox|Google[/\\]Chrome|BraveSoftware|wallet\.dat|Exodus[/\\]"
)
# Browser stores of saved passwords and card numbers (Chromium "Login Data"/"Web Data",
# Firefox logins.json with key4.db): nothing but a stealer opens them.
PASSWORD_STORE_PATH = re.compile(
    r"(?:^|[/\\])(?:Login Data(?: For Account)?|Web Data|logins\.json|signons\.sqlite"
    r"|key[34]\.db)$"
)
# Browser cookie stores and the key that decrypts them: session theft, or honest cookie import.
BROWSER_STORE_PATH = re.compile(
    r"(?:^|[/\\])(?:Cookies|cookies\.sqlite|Local State)$|Google[/\\]Chrome[/\\]User Data"
    r"|Microsoft[/\\]Edge[/\\]User Data|BraveSoftware|\.mozilla[/\\]firefox|Opera Software"
)
# SQL that reads saved passwords or cards out of a browser database.
PASSWORD_QUERY = re.compile(
    r"\bselect\b.*\b(?:password_value|card_number_encrypted)\b|\bfrom\s+moz_logins\b",
    re.IGNORECASE | re.DOTALL,
)
# Files, folders and registry keys whose content runs at login or boot.
PERSISTENCE_PATH = re.compile(
    r"(?:^|[/\\~])\.(?:bashrc|bash_profile|bash_login|zshrc|zprofile|zlogin|profile)$"
    r"|^/etc/(?:profile\.d/|rc\.local|init\.d/|cron|systemd/system)"
    r"|/var/spool/cron|\.config[/\\](?:autostart|systemd[/\\]user)|LaunchAgents|LaunchDaemons"
    r"|Start Menu[/\\]Programs[/\\]Startup|CurrentVersion[/\\]Run(?:Once|Services)?\b"
    r"|Winlogon[/\\](?:Shell|Userinit)",
    re.IGNORECASE,
)
# Commands that install something to run at login, boot or on a schedule.
PERSISTENCE_COMMAND = re.compile(
    r"\bcrontab\b|\bschtasks(?:\.exe)?\s+/create\b|\breg(?:\.exe)?\s+add\b.*\\Run\b"
    r"|\bsystemctl\s+(?:--user\s+)?enable\b|\blaunchctl\s+(?:load|bootstrap)\b",
    re.IGNORECASE,
)
SYSTEM_PRELOAD = "/etc/ld.so.preload"
PRELOAD_VARIABLES = frozenset({"LD_PRELOAD", "DYLD_INSERT_LIBRARIES"})

# Hard-coded endpoints that receive stolen data: a webhook or bot whose secret is in the code
# (libraries take those from their user), request catchers and tunnels to a private machine.
EXFIL_ENDPOINT = re.compile(
    r"discord(?:app)?\.com/api/(?:v\d+/)?webhooks/\d+/[\w-]{20,}"
    r"|api\.telegram\.org/bot\d+:[\w-]{30,}|(?<![\w-])hooks\.slack\.com/services/T\w+/B\w+/\w+"
    r"|media\.guilded\.gg/webhooks/[\w-]+/[\w-]{20,}"
    r"|webhook\.site|\.pipedream\.net|requestbin\.|\.burpcollaborator\.net|\.oastify\.com"
    r"|\.oast\.(?:fun|live|me|pro|site|online)|interact\.sh|canarytokens\.com"
    r"|\.requestcatcher\.com|\.beeceptor\.com"
    r"|\.ngrok(?:-free)?\.(?:io|app|dev)|\.trycloudflare\.com|serveo\.net|\.loca\.lt\b"
    r"|localhost\.run|\.lhr\.life|\.pinggy\.(?:io|link|online)|\bbore\.pub|\.localtonet\.com"
    r"|\.loclx\.io|\.tunnelmole\.net",
    re.IGNORECASE,
)
# Paste and file-drop sites, messaging APIs without a secret, URL shorteners, public-IP lookup
# services and serverless relays: used by malware and by honest tools (pytest's pastebin
# plugin, tqdm's Telegram and Discord integrations, documentation links).
SUSPICIOUS_ENDPOINT = re.compile(
    r"pastebin\.com|paste\.ee|hastebin\.com|ghostbin\.|transfer\.sh|termbin\.com|0x0\.st"
    r"|rentry\.co|file\.io|anonfiles\.com|gofile\.io|bpa\.st|dpaste\."
    r"|discord(?:app)?\.com/api/webhooks|api\.telegram\.org/bot|\.workers\.dev\b",
    re.IGNORECASE,
)
URL_SHORTENER = re.compile(
    r"\bhttps?://(?:www\.)?(?:bit\.ly|tinyurl\.com|is\.gd|v\.gd|goo\.gl|t\.ly|cutt\.ly|rb\.gy"
    r"|shorturl\.at|ow\.ly|buff\.ly|rebrand\.ly|tiny\.cc|bit\.do|s\.id|shorte\.st|adf\.ly"
    r"|t\.co|tiny\.one|clck\.ru|urlz\.fr|shrtco\.de)/",
    re.IGNORECASE,
)
IP_GRABBER = re.compile(
    r"\b(?:api64\.|api\.)?ipify\.org|\bipinfo\.io|\bip-api\.com|\bifconfig\.(?:me|co)\b"
    r"|\bicanhazip\.com|\bcheckip\.amazonaws\.com|\bipapi\.co\b|\bident\.me\b|\bmyip\.com"
    r"|\bwtfismyip\.com|\bipecho\.net|\bgeolocation-db\.com|\bipwho\.is|\bapi\.country\.is",
    re.IGNORECASE,
)
# A URL to a dotted-quad address, with or without ``user:password@``.
RAW_IP_URL = re.compile(
    r"\b(?:https?|ftp|tcp|wss?|socks[45]h?)://(?P<userinfo>[^\s/@:'\"]+(?::[^\s/@'\"]*)?@)?"
    r"(?P<ip>\d{1,3}(?:\.\d{1,3}){3})\b",
    re.IGNORECASE,
)
# An address written as one decimal or hex number (http://3232235777/): nothing honest does it.
NUMERIC_HOST_URL = re.compile(
    r"\b(?:https?|ftp)://(?:[^\s/@]+@)?(?:0x[0-9a-f]{8}|\d{8,10})(?=[:/]|$)", re.IGNORECASE
)

REVERSE_SHELL_TEXT = re.compile(
    r"/bin/(?:ba|z|da)?sh\s+-i\b|/dev/tcp/|\bnc(?:at)?\s+(?:-\w+\s+)*-e\s|\bsocat\b.*\bexec:"
    r"|\bbash\s+-i\s*>&"
)
# Commands no build step needs: downloaders, remote shells, inline interpreters, installers.
SUSPICIOUS_COMMAND = re.compile(
    r"\b(?:curl|wget|powershell|pwsh|certutil|bitsadmin|mshta|rundll32|regsvr32|socat|telnet"
    r"|ncat|netcat)\b|\bnc\s|/dev/tcp/|\|\s*(?:ba|z)?sh\b|\bbase64\s+(?:-d|--decode)\b"
    r"|\bpython[\d.]*(?:\.exe)?\s+-c\b|\bpip[\d.]*\s+install\b|\b(?:ba)?sh\s+-c\b",
    re.IGNORECASE,
)
# Reading the clipboard through a helper program.
CLIPBOARD_COMMAND = re.compile(
    r"^(?:xclip\b.*-o|xsel\b.*(?:-o|--output)|pbpaste\b|Get-Clipboard\b)", re.IGNORECASE
)
# Every path pattern above: one search tells whether a string needs classifying at all.
ANY_PATH = re.compile(
    "|".join(
        f"(?:{p.pattern})"
        for p in (CREDENTIAL_PATH, PASSWORD_STORE_PATH, BROWSER_STORE_PATH, PERSISTENCE_PATH)
    ),
    re.IGNORECASE,
)


# Labels of single path components (no separator): looked up instead of searched for.
CREDENTIAL_NAMES = """.ssh .aws .azure .gnupg .kube .docker .netrc _netrc .pypirc .npmrc
.git-credentials id_rsa id_dsa id_ecdsa id_ed25519 .bash_history wallet.dat Exodus"""
PASSWORD_STORE_NAMES = ("Login Data", "Login Data For Account", "Web Data", "logins.json")
PASSWORD_STORE_FILES = ("signons.sqlite", "key3.db", "key4.db")
PERSISTENCE_NAMES = """.bashrc .bash_profile .bash_login .zshrc .zprofile .zlogin .profile
LaunchAgents LaunchDaemons"""
# Labels of single path components (no separator): looked up instead of searched for.
COMPONENT_LABELS: dict[str, Taint] = {
    **dict.fromkeys(CREDENTIAL_NAMES.split(), Taint.CREDENTIAL),
    **dict.fromkeys(
        (*PASSWORD_STORE_NAMES, *PASSWORD_STORE_FILES), Taint.PASSWORD_STORE | Taint.CREDENTIAL
    ),
    **dict.fromkeys(("Cookies", "Local State"), Taint.BROWSER_STORE | Taint.CREDENTIAL),
    **dict.fromkeys(("cookies.sqlite", "BraveSoftware", "Opera Software"), Taint.BROWSER_STORE),
    **dict.fromkeys(PERSISTENCE_NAMES.split(), Taint.PERSISTENCE),
}


def path_labels(value: str) -> Taint:
    """Taint labels a string carries for naming a credential, browser or persistence path."""
    if "/" not in value and "\\" not in value:
        # One path component (the usual string): an exact lookup instead of regular expressions.
        return COMPONENT_LABELS.get(value, Taint.NONE)
    if not ANY_PATH.search(value):
        return Taint.NONE
    labels = Taint.NONE
    if CREDENTIAL_PATH.search(value):
        labels |= Taint.CREDENTIAL
    if PASSWORD_STORE_PATH.search(value):
        labels |= Taint.PASSWORD_STORE | Taint.CREDENTIAL
    if BROWSER_STORE_PATH.search(value):
        labels |= Taint.BROWSER_STORE
    if PERSISTENCE_PATH.search(value):
        labels |= Taint.PERSISTENCE
    return labels
