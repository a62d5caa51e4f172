"""What the heuristics know about the standard library and common clients.

Names are fully qualified after import-alias resolution (``from base64 import b64decode as d``
makes ``d(...)`` a call to ``base64.b64decode``); ``builtins.`` is stripped. Patterns matched
against the content of strings live in ``text_patterns``.
"""

from __future__ import annotations

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
HIDING_CODECS = frozenset(
    {
        "rot13",
        "rot_13",
        "base64",
        "base_64",
        "hex",
        "zlib",
        "bz2",
        "uu",
        "unicode_escape",
        "unicode-escape",
        "raw_unicode_escape",
        "quopri",
    }
)
# Methods that decrypt their argument (Fernet, AES and other ciphers, NaCl boxes).
DECRYPT_METHODS = frozenset({"decrypt", "decrypt_and_verify", "decrypt_at_time"})

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
DNS_CALLS = frozenset(
    {
        "socket.gethostbyname",
        "socket.gethostbyname_ex",
        "socket.getaddrinfo",
        "dns.resolver.resolve",
        "dns.resolver.query",
        "dns.resolver.resolve_name",
    }
)
# Resolver objects whose ``resolve``/``query`` methods are DNS lookups.
DNS_RESOLVERS = frozenset({"dns.resolver.Resolver", "dns.asyncresolver.Resolver"})
DNS_METHODS = frozenset({"resolve", "query", "resolve_name"})
# Methods that push data out when called on something derived from a network client.
SEND_METHODS = frozenset(
    {"send", "sendall", "sendto", "post", "put", "patch", "request", "urlopen", "sendmail"}
)
# Client methods whose first argument is the address fetched (sessions, pools, clients).
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "request", "urlopen", "open", "stream"})
DOWNLOAD_TO_FILE = frozenset({"urllib.request.urlretrieve", "urllib.urlretrieve"})

FILE_READS = frozenset({"open", "io.open", "codecs.open"})
# Reads of data files a package ships beside its code.
PACKAGE_DATA_READS = frozenset(
    {
        "pkgutil.get_data",
        "importlib.resources.read_binary",
        "importlib.resources.read_text",
        "importlib.resources.files",
    }
)
# Parsers that turn text into data: what they return is data, not code to run.
DATA_PARSERS = frozenset(
    {"json.loads", "json.load", "ast.literal_eval", "yaml.safe_load", "tomllib.loads", "toml.loads"}
)
# Hashes and MACs: a digest of a secret or of a host name is not the secret or the name.
HASHERS = frozenset(
    {
        "hmac.new",
        "hmac.digest",
        "hashlib.new",
        "hashlib.md5",
        "hashlib.sha1",
        "hashlib.sha224",
        "hashlib.sha256",
        "hashlib.sha384",
        "hashlib.sha512",
        "hashlib.sha3_256",
        "hashlib.blake2b",
        "hashlib.blake2s",
        "hashlib.pbkdf2_hmac",
        "hashlib.scrypt",
    }
)
# Socket methods whose result carries none (or only the descriptor) of the data the socket reads.
SOCKET_METADATA_METHODS = frozenset({"getsockname", "getpeername", "gettimeout", "getblocking"})
FILE_READ_METHODS = frozenset({"read_text", "read_bytes"})
DIRECTORY_LISTS = frozenset(
    {"os.listdir", "os.scandir", "os.walk", "glob.glob", "glob.iglob", "shutil.make_archive"}
)

# Who and where the machine is: what a stealer sends home first.
SYSINFO_CALLS = frozenset(
    {
        "socket.gethostname",
        "socket.getfqdn",
        "platform.node",
        "platform.uname",
        "os.uname",
        "getpass.getuser",
        "os.getlogin",
        "uuid.getnode",
        "pwd.getpwuid",
    }
)
ENV_READS = frozenset({"os.getenv", "os.environ.get", "os.environ.pop", "os.environ.setdefault"})
IDENTITY_VARIABLES = frozenset(
    {"USER", "USERNAME", "LOGNAME", "COMPUTERNAME", "HOSTNAME", "USERDOMAIN"}
)
# Secrets honest code signs requests with and never sends anywhere.
SIGNING_VARIABLES = frozenset({"AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"})
SECRET_VARIABLE_PARTS = frozenset(
    {"TOKEN", "SECRET", "PASSWORD", "PASSWD", "APIKEY", "API_KEY", "ACCESS_KEY", "PRIVATE_KEY"}
)

# Screenshots, clipboard and keystroke capture, by resolved callee.
CAPTURE_CALLS = {
    "PIL.ImageGrab.grab": "screenshot",
    "pyautogui.screenshot": "screenshot",
    "pyscreenshot.grab": "screenshot",
    "mss.mss": "screenshot",
    "mss.mss.grab": "screenshot",
    "d3dshot.create": "screenshot",
    "PIL.ImageGrab.grabclipboard": "clipboard",
    "pyperclip.paste": "clipboard",
    "clipboard.paste": "clipboard",
    "win32clipboard.GetClipboardData": "clipboard",
    "pandas.read_clipboard": "clipboard",
    "pynput.keyboard.Listener": "keystrokes",
    "keyboard.on_press": "keystrokes",
    "keyboard.on_release": "keystrokes",
    "keyboard.hook": "keystrokes",
    "keyboard.read_key": "keystrokes",
    "keyboard.record": "keystrokes",
    "keyboard.start_recording": "keystrokes",
    "pyHook.HookManager": "keystrokes",
    "pyxhook.HookManager": "keystrokes",
}
# Native APIs reached through ctypes attributes (windll.user32.GetAsyncKeyState) or by name.
CAPTURE_APIS = {
    "GetClipboardData": "clipboard",
    "SetWindowsHookExA": "keystrokes",
    "SetWindowsHookExW": "keystrokes",
    "GetAsyncKeyState": "keystrokes",
    "BitBlt": "screenshot",
}
CAPTURE_METHODS = {"clipboard_get": "clipboard", "grabclipboard": "clipboard"}
# Process injection: writing into another process, then running code there.
INJECTION_WRITE_APIS = frozenset(
    {"WriteProcessMemory", "VirtualAllocEx", "NtWriteVirtualMemory", "ZwWriteVirtualMemory"}
)
INJECTION_RUN_APIS = frozenset(
    {
        "CreateRemoteThread",
        "CreateRemoteThreadEx",
        "NtCreateThreadEx",
        "RtlCreateUserThread",
        "QueueUserAPC",
        "NtQueueApcThread",
        "SetThreadContext",
    }
)
NATIVE_API_NAMES = frozenset(CAPTURE_APIS) | INJECTION_WRITE_APIS | INJECTION_RUN_APIS
NATIVE_LOADERS = frozenset(
    {
        "ctypes.CDLL",
        "ctypes.WinDLL",
        "ctypes.OleDLL",
        "ctypes.PyDLL",
        "ctypes.cdll.LoadLibrary",
        "ctypes.windll.LoadLibrary",
        "ctypes.windll.kernel32.LoadLibraryA",
        "ctypes.windll.kernel32.LoadLibraryW",
        "_ctypes.dlopen",
    }
)
# Calls that write the file named by one of their arguments.
FILE_WRITES = frozenset(
    {"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.move", "os.rename", "os.replace"}
)
FILE_WRITE_METHODS = frozenset({"write_text", "write_bytes"})
REGISTRY_WRITES = frozenset(
    {
        "winreg.SetValueEx",
        "winreg.SetValue",
        "winreg.CreateKey",
        "winreg.CreateKeyEx",
        "_winreg.SetValueEx",
        "_winreg.SetValue",
        "_winreg.CreateKey",
        "win32api.RegSetValueEx",
        "win32api.RegSetValue",
    }
)
CHMOD_CALLS = frozenset({"os.chmod", "os.lchmod"})
ENV_SETTERS = frozenset({"os.putenv", "os.environ.setdefault", "os.environ.update"})
BROWSER_DB_OPENERS = frozenset(
    {"sqlite3.connect", "shutil.copy", "shutil.copy2", "shutil.copyfile"}
)
