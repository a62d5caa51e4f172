# ruff: noqa
# fmt: off
# mypy: ignore-errors
import ctypes

kernel32 = ctypes.windll.kernel32


def read(process, address, size):
    buffer = ctypes.create_string_buffer(size)
    kernel32.ReadProcessMemory(process, address, buffer, size, None)
    return buffer.raw
