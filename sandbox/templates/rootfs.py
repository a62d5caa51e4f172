"""Runs INSIDE the build stage of a skill image (Debian's python3, ``-I -S``, no network).

It copies into DEST the only files the final ``FROM scratch`` stage holds: the
interpreter and its standard library (without test suites, IDLE, tkinter, lib2to3 and
ensurepip), the shared libraries they and the installed distributions load, the
dynamic loader, the skill's virtual environment, ``/etc/passwd`` and ``/etc/group`` with
root and the sandbox user only, ``os-release``, and dpkg status entries
(``/var/lib/dpkg/status.d/<package>``, as distroless images carry them) for exactly the
Debian packages that own a kept file. No shell, package manager, compiler or perl is
copied, because nothing reaches them.

Shared libraries are found by reading each ELF file's dynamic section (DT_NEEDED,
DT_RPATH, DT_RUNPATH) here, not with ``ldd``: ``ldd`` has the dynamic loader map every
object, and the objects of the installed wheels are third-party code that nothing on
the build path may load. Standard library only; it never opens a socket.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import stat
import struct
import sys
from collections.abc import Iterable, Iterator

VENV = "/opt/venv"
STDLIB = os.path.dirname(os.__file__)
DYNLOAD = os.path.join(STDLIB, "lib-dynload")
# Not needed to run a skill: test suites, GUI, 2to3, pip's bootstrapper.
STDLIB_DROPPED = (
    "test",
    "idlelib",
    "tkinter",
    "turtledemo",
    "turtle.py",
    "lib2to3",
    "ensurepip",
    "EXTERNALLY-MANAGED",
)
DYNLOAD_DROPPED_PREFIXES = ("_test", "_ctypes_test", "xxlimited", "_xxtestfuzz")
VENV_DROPPED = ("activate", "activate.csh", "activate.fish", "Activate.ps1")
EXTRA_FILES = (
    "/usr/bin/python3",
    "/usr/lib/os-release",
    "/etc/os-release",
    # glibc dlopens it to unwind a thread that exits (pthread_exit); not a DT_NEEDED.
    "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1",
)
# The merged-/usr links the dynamic loader's path (PT_INTERP /lib64/...) goes through.
TOP_LINKS = ("/lib", "/lib64")
DEFAULT_LIB_DIRS = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib")
# Root (the owner of every file) and the sandbox user 65534; no login shell exists.
ACCOUNTS = (
    "root:x:0:0:root:/root:/usr/sbin/nologin\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
)
GROUP = "root:x:0:\nnogroup:x:65534:\n"
SCRATCH = "/tmp"  # noqa: S108 - the mount point of the container's private tmpfs
DPKG_INFO = "/var/lib/dpkg/info"
DPKG_STATUS = "/var/lib/dpkg/status"
STATUS_DIR = "var/lib/dpkg/status.d"
DROPPED_STATUS_FIELDS = ("Conffiles",)

_DT_NEEDED, _DT_STRTAB, _DT_RPATH, _DT_RUNPATH = 1, 5, 15, 29
_PT_LOAD, _PT_DYNAMIC, _PT_INTERP = 1, 2, 3


class ElfInfo:
    """What the loader reads of one ELF file: its interpreter, needs and search paths."""

    def __init__(self, interp: str, needed: list[str], rpath: list[str], runpath: list[str]):
        self.interp = interp
        self.needed = needed
        self.rpath = rpath
        self.runpath = runpath


def read_elf(path: str) -> ElfInfo | None:
    """The dynamic section of a 64-bit little-endian ELF file; None for anything else."""
    with open(path, "rb") as handle:
        data = handle.read()
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return None
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    loads: list[tuple[int, int, int]] = []
    dynamic: tuple[int, int] | None = None
    interp = ""
    for i in range(phnum):
        base = phoff + i * phentsize
        p_type, _flags, p_offset, p_vaddr, _paddr, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, base
        )
        if p_type == _PT_LOAD:
            loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == _PT_DYNAMIC:
            dynamic = (p_offset, p_filesz)
        elif p_type == _PT_INTERP:
            interp = data[p_offset : p_offset + p_filesz].rstrip(b"\0").decode()
    if dynamic is None:
        return ElfInfo(interp, [], [], [])
    entries: list[tuple[int, int]] = []
    for offset in range(dynamic[0], dynamic[0] + dynamic[1], 16):
        tag, value = struct.unpack_from("<qQ", data, offset)
        if tag == 0:
            break
        entries.append((tag, value))
    strtab_vaddr = next((v for t, v in entries if t == _DT_STRTAB), None)
    if strtab_vaddr is None:
        return ElfInfo(interp, [], [], [])
    strtab = next(
        (off + strtab_vaddr - va for va, off, size in loads if va <= strtab_vaddr < va + size),
        strtab_vaddr,
    )

    def text(offset: int) -> str:
        end = data.index(b"\0", strtab + offset)
        return data[strtab + offset : end].decode()

    needed = [text(v) for t, v in entries if t == _DT_NEEDED]
    rpath = [p for t, v in entries if t == _DT_RPATH for p in text(v).split(":") if p]
    runpath = [p for t, v in entries if t == _DT_RUNPATH for p in text(v).split(":") if p]
    return ElfInfo(interp, needed, rpath, runpath)


def conf_lib_dirs() -> list[str]:
    """The directories of /etc/ld.so.conf.d, then the loader's defaults."""
    dirs: list[str] = []
    for conf in sorted(glob.glob("/etc/ld.so.conf.d/*.conf")):
        with open(conf, encoding="utf-8") as handle:
            for raw in handle:
                line = raw.split("#", 1)[0].strip()
                if line and not line.startswith("include") and line not in dirs:
                    dirs.append(line)
    return [*dirs, *(d for d in DEFAULT_LIB_DIRS if d not in dirs)]


def resolve(name: str, owner: str, info: ElfInfo, system: list[str]) -> str | None:
    """Where the loader finds ``name`` needed by ``owner`` (RPATH, RUNPATH, system)."""
    if "/" in name:
        return name if os.path.isfile(name) else None
    origin = os.path.dirname(os.path.realpath(owner))
    search = [*(info.rpath if not info.runpath else []), *info.runpath]
    search = [d.replace("$ORIGIN", origin).replace("${ORIGIN}", origin) for d in search]
    for directory in [*search, *system]:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def walk_files(root: str) -> Iterator[str]:
    """Every directory, file and symlink below ``root`` (symlinks are not followed), so
    that empty directories (a venv's site-packages without packages) are kept too."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            yield os.path.join(dirpath, name)
        for name in dirnames:
            yield os.path.join(dirpath, name)


def stdlib_files() -> Iterator[str]:
    dropped = {os.path.join(STDLIB, name) for name in STDLIB_DROPPED}
    for path in walk_files(STDLIB):
        if any(path == d or path.startswith(d + os.sep) for d in dropped):
            continue
        if path.startswith(DYNLOAD + os.sep) and os.path.basename(path).startswith(
            DYNLOAD_DROPPED_PREFIXES
        ):
            continue
        yield path


def venv_files() -> Iterator[str]:
    for path in walk_files(VENV):
        if os.path.dirname(path) == os.path.join(VENV, "bin") and (
            os.path.basename(path) in VENV_DROPPED
        ):
            continue
        yield path


def link_chain(path: str) -> list[str]:
    """``path`` and every symbolic link met resolving it (each component), then the file."""
    out: list[str] = []
    seen: set[str] = set()
    pending = [path]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        parts = current.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            prefix = "/" + "/".join(parts[:i])
            if os.path.islink(prefix):
                out.append(prefix)
                target = os.path.join(os.path.dirname(prefix), os.readlink(prefix))
                rest = "/".join(parts[i:])
                pending.append(os.path.normpath(os.path.join(target, rest) if rest else target))
                break
        else:
            if os.path.lexists(current):
                out.append(current)
    return out


def library_closure(objects: Iterable[str]) -> tuple[set[str], list[str]]:
    """Every shared library the ELF ``objects`` load, recursively; and the names no
    directory provides (reported; the full base image does not have them either)."""
    system = conf_lib_dirs()
    found: set[str] = set()
    missing: list[str] = []
    queue = [p for p in objects if os.path.isfile(p) and not os.path.islink(p)]
    done: set[str] = set()
    while queue:
        current = os.path.realpath(queue.pop())
        if current in done:
            continue
        done.add(current)
        info = read_elf(current)
        if info is None:
            continue
        if info.interp:
            found.add(info.interp)
            queue.append(info.interp)
        for name in info.needed:
            where = resolve(name, current, info, system)
            if where is None:
                missing.append(f"{name} (needed by {current})")
                continue
            found.add(where)
            queue.append(where)
    return found, sorted(set(missing))


def canonical(path: str) -> str:
    """The path with its directories resolved (merged /usr) and its own name kept."""
    return os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))


def owners() -> dict[str, set[str]]:
    """Canonical path -> the Debian packages whose file lists name it."""
    table: dict[str, set[str]] = {}
    for listing in sorted(glob.glob(os.path.join(DPKG_INFO, "*.list"))):
        package = os.path.basename(listing)[: -len(".list")].split(":", 1)[0]
        with open(listing, encoding="utf-8", errors="surrogateescape") as handle:
            for raw in handle:
                path = raw.rstrip("\n")
                if path and path != "/." and not os.path.isdir(path):
                    table.setdefault(canonical(path), set()).add(package)
    return table


def status_paragraphs() -> dict[str, str]:
    """Package name -> its paragraph of dpkg's status file (installed packages only)."""
    with open(DPKG_STATUS, encoding="utf-8") as handle:
        text = handle.read()
    out: dict[str, str] = {}
    for block in text.split("\n\n"):
        fields = block.strip("\n")
        if not fields:
            continue
        lines = fields.split("\n")
        name = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("Package:")), "")
        if name and "Status: install ok installed" in lines:
            out[name] = "\n".join(_drop_fields(lines)) + "\n"
    return out


def _drop_fields(lines: list[str]) -> Iterator[str]:
    skipping = False
    for line in lines:
        if line[:1] in (" ", "\t"):
            if not skipping:
                yield line
            continue
        skipping = line.split(":", 1)[0] in DROPPED_STATUS_FIELDS
        if not skipping:
            yield line


def md5sums(package: str, kept: set[str]) -> str:
    """The package's md5sums lines for the files that remain."""
    for name in (f"{package}.md5sums", f"{package}:amd64.md5sums"):
        path = os.path.join(DPKG_INFO, name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                lines = [
                    ln for ln in handle if canonical("/" + ln.split("  ", 1)[-1].strip()) in kept
                ]
            return "".join(lines)
    return ""


def copy_entry(source: str, dest_root: str) -> None:
    """Copy one file or symlink to the same path under ``dest_root``; parents 0755 root."""
    target = dest_root + source
    if os.path.lexists(target):
        return
    # ``link_chain`` resolved every symlinked directory: the parents here are real ones.
    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
    if os.path.islink(source):
        os.symlink(os.readlink(source), target)
    elif os.path.isdir(source):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        shutil.copy2(source, target, follow_symlinks=False)
        os.chown(target, 0, 0)
        mode = stat.S_IMODE(os.lstat(source).st_mode) & ~(stat.S_ISUID | stat.S_ISGID)
        os.chmod(target, mode & ~0o022)


def write(dest_root: str, path: str, text: str, mode: int = 0o644) -> None:
    target = dest_root + path
    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
    with open(target, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(target, mode)


def is_elf(path: str) -> bool:
    if os.path.islink(path) or not os.path.isfile(path):
        return False
    with open(path, "rb") as handle:
        return handle.read(4) == b"\x7fELF"


def main(dest_root: str) -> dict[str, object]:
    """Assemble the root filesystem under ``dest_root``; return what was kept and why."""
    interpreter = os.path.realpath(sys.executable)
    entries = [interpreter, *EXTRA_FILES, *TOP_LINKS, *stdlib_files(), *venv_files()]
    libraries, missing = library_closure([p for p in entries if is_elf(p)])
    entries += sorted(libraries)
    kept_paths: dict[str, None] = {}
    for entry in entries:
        for path in link_chain(entry) if os.path.lexists(entry) else []:
            kept_paths[path] = None
    for path in sorted(kept_paths):
        if os.path.islink(path) and not os.path.exists(path):
            continue  # a link whose target is not kept (Debian's sitecustomize.py)
        copy_entry(path, dest_root)
    write(dest_root, "/etc/passwd", ACCOUNTS)
    write(dest_root, "/etc/group", GROUP)
    os.makedirs(dest_root + SCRATCH, exist_ok=True)
    os.chmod(dest_root + SCRATCH, 0o1777)  # noqa: S103 - sticky, like every /tmp
    os.makedirs(dest_root + "/opt/skill", mode=0o755, exist_ok=True)
    table = owners()
    kept = {canonical(p) for p in kept_paths if not os.path.isdir(p) or os.path.islink(p)}
    packages = sorted({pkg for path in kept for pkg in table.get(path, ())})
    paragraphs = status_paragraphs()
    for package in packages:
        if package not in paragraphs:
            raise SystemExit(f"rootfs: {package} owns a kept file but is not installed")
        write(dest_root, f"/{STATUS_DIR}/{package}", paragraphs[package])
        sums = md5sums(package, kept)
        if sums:
            write(dest_root, f"/{STATUS_DIR}/{package}.md5sums", sums)
    digest = hashlib.sha256("\n".join(sorted(kept)).encode()).hexdigest()
    return {"packages": packages, "files": len(kept), "missing_libraries": missing, "paths": digest}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1].rstrip("/")), indent=1))
