# ruff: noqa
# fmt: off
# mypy: ignore-errors
def test_public_url_parsing():
    url = "https://3f2a-198-51-100-7.ngrok-free.app"
    assert url.startswith("https://")
