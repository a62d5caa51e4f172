"""What the heuristics know about the standard library and common clients.

Names are fully qualified after import-alias resolution (``from base64 import b64decode as d``
makes ``d(...)`` a call to ``base64.b64decode``); ``builtins.`` is stripped.
"""

from __future__ import annotations

import re

DECODERS = frozenset(
    {
        "base64.b64decode",
        "base64.b32decode",
        "base64.b16decode",
        "base64.a85decode",
        "base64.b85decode",
        "base64.decodebytes",
        "base64.decodestring",
        "base64.urlsafe_b64decode",
        "base64.standard_b64decode",
        "binascii.a2b_base64",
        "binascii.unhexlify",
        "binascii.a2b_hex",
        "zlib.decompress",
        "gzip.decompress",
        "bz2.decompress",
        "lzma.decompress",
        "marshal.loads",
        "codecs.decode",
        "bytes.fromhex",
        "bytearray.fromhex",
    }
)
# Encodings that only make sense to hide text: ``"...".decode("rot13")``-style chains.
HIDING_CODECS = frozenset({"rot13", "rot_13", "base64", "base_64", "hex", "zlib", "bz2", "uu"})

EXEC_SINKS = frozenset(
    {
        "exec",
        "eval",
        "compile",
        "__import__",
        "execfile",
        "importlib.import_module",
        "types.FunctionType",
        "types.CodeType",
        "runpy.run_path",
        "runpy.run_module",
    }
)

FILE_RUNNERS = frozenset({"runpy.run_path", "execfile"})
DESERIALIZERS = frozenset({"pickle.loads", "pickle.load", "cPickle.loads", "dill.loads"})

PROCESS_SINKS = frozenset(
    {
        "os.system",
        "os.popen",
        "os.popen2",
        "os.popen3",
        "os.startfile",
        "os.execl",
        "os.execle",
        "os.execlp",
        "os.execlpe",
        "os.execv",
        "os.execve",
        "os.execvp",
        "os.execvpe",
        "os.spawnl",
        "os.spawnle",
        "os.spawnlp",
        "os.spawnlpe",
        "os.spawnv",
        "os.spawnve",
        "os.spawnvp",
        "os.spawnvpe",
        "os.posix_spawn",
        "os.posix_spawnp",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "commands.getoutput",
        "commands.getstatusoutput",
        "pty.spawn",
        "platform.popen",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
    }
)

# Calls whose result is, or reads from, a network connection.
NETWORK_CALLS = frozenset(
    {
        "urllib.request.urlopen",
        "urllib.request.urlretrieve",
        "urllib.request.Request",
        "urllib.request.build_opener",
        "urllib.urlopen",
        "urllib.urlretrieve",
        "urllib2.urlopen",
        "urllib2.Request",
        "requests.get",
        "requests.post",
        "requests.put",
        "requests.patch",
        "requests.delete",
        "requests.head",
        "requests.request",
        "requests.Session",
        "requests.session",
        "httpx.get",
        "httpx.post",
        "httpx.put",
        "httpx.request",
        "httpx.stream",
        "httpx.Client",
        "httpx.AsyncClient",
        "http.client.HTTPConnection",
        "http.client.HTTPSConnection",
        "httplib.HTTPConnection",
        "httplib.HTTPSConnection",
        "urllib3.PoolManager",
        "urllib3.request",
        "urllib3.HTTPConnectionPool",
        "urllib3.HTTPSConnectionPool",
        "aiohttp.ClientSession",
        "aiohttp.request",
        "ftplib.FTP",
        "ftplib.FTP_TLS",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "telnetlib.Telnet",
        "websocket.create_connection",
        "pycurl.Curl",
        "socket.socket",
        "socket.create_connection",
        "socket.fromfd",
    }
)
SOCKET_CALLS = frozenset({"socket.socket", "socket.create_connection", "socket.fromfd"})
# DNS lookups carry data out in the queried name.
DNS_CALLS = frozenset({"socket.gethostbyname", "socket.gethostbyname_ex", "socket.getaddrinfo"})
# Methods that push data out when called on something derived from a network client.
SEND_METHODS = frozenset(
    {"send", "sendall", "sendto", "post", "put", "patch", "request", "urlopen", "sendmail"}
)
# Client methods whose first argument is the address fetched (sessions, pools, clients).
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "request", "urlopen", "open", "stream"})
DOWNLOAD_TO_FILE = frozenset({"urllib.request.urlretrieve", "urllib.urlretrieve"})

FILE_READS = frozenset({"open", "io.open", "codecs.open"})
FILE_READ_METHODS = frozenset({"read_text", "read_bytes"})
DIRECTORY_LISTS = frozenset(
    {"os.listdir", "os.scandir", "os.walk", "glob.glob", "glob.iglob", "shutil.make_archive"}
)

# Credential stores and secrets an ordinary library has no business reading and sending out.
CREDENTIAL_PATH = re.compile(
    r"(?:^|[/\\~])\.(?:ssh|aws|azure|gnupg|kube|docker)(?:[/\\]|$)"
    r"|\.aws[/\\]credentials|\.netrc\b|_netrc\b|\.git-credentials|\.pypirc|\.npmrc"
    r"|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|\.config[/\\]gcloud|/etc/shadow|\.bash_history"
    r"|Login Data|Local State|Local Storage[/\\]leveldb|\bCookies$|logins\.json|key[34]\.db"
    r"|\.mozilla[/\\]firefox|Google[/\\]Chrome|BraveSoftware|wallet\.dat|Exodus[/\\]"
)

# Hard-coded endpoints that receive stolen data: a webhook or bot whose secret is in the code
# (libraries take those from their user), request catchers and tunnels to a private machine.
EXFIL_ENDPOINT = re.compile(
    r"discord(?:app)?\.com/api/webhooks/\d+/[\w-]{20,}|api\.telegram\.org/bot\d+:[\w-]{30,}"
    r"|hooks\.slack\.com/services/T\w+/B\w+/\w+"
    r"|webhook\.site|\.pipedream\.net|requestbin\.|\.burpcollaborator\.net"
    r"|\.oast\.(?:fun|live|me|pro|site|online)"
    r"|interact\.sh|canarytokens\.com|\.ngrok(?:-free)?\.(?:io|app|dev)|\.trycloudflare\.com"
    r"|serveo\.net|\.loca\.lt\b|localhost\.run|\.requestcatcher\.com|\.beeceptor\.com",
    re.IGNORECASE,
)
# Paste and file-drop sites, messaging APIs without a secret: used by malware and by honest
# tools (pytest's pastebin plugin, tqdm's Telegram and Discord integrations).
SUSPICIOUS_ENDPOINT = re.compile(
    r"pastebin\.com|paste\.ee|hastebin\.com|ghostbin\.|transfer\.sh|termbin\.com|0x0\.st"
    r"|rentry\.co|file\.io|anonfiles\.com|gofile\.io|bpa\.st|dpaste\."
    r"|discord(?:app)?\.com/api/webhooks|api\.telegram\.org/bot",
    re.IGNORECASE,
)
RAW_IP_URL = re.compile(r"\b(?:https?|ftp|tcp|wss?)://(\d{1,3}(?:\.\d{1,3}){3})\b", re.IGNORECASE)

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
