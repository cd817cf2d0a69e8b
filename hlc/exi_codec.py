"""The EXI codec of the EV link's children (the SECC and the bench's EV), in .venv-hlc: iso15118's own
jar with a JAXB context kept per message family (hlc/CachedContextCodec.java). iso15118 0.31's
EXICodec makes a new context for every message, 25 to 130 ms each on a PC, and the current demand
loop takes two encodes and two decodes a round against the EV's 0.25 s.

The class is compiled by the JVM the codec runs in (javac as a tool: Debian's default-jre-headless
carries the compiler module, no JDK needed), once per source and iso15118 version: into the SECC unit's
cache directory at its first start on a board, else into the environment's share/ (`python -m
hlc.exi_codec` does it ahead of time, as the test command does), else, neither being writable, into a
temporary folder for this process alone. A JVM that cannot compile it gets the jar's own codec, with a
warning: slower, never wrong.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

from iso15118.shared.exificient_exi_codec import ExificientEXICodec
from iso15118.shared.settings import JAR_FILE_PATH
from py4j.java_gateway import JavaGateway

from hlc.exi_samples import SAMPLES

log = logging.getLogger(__name__)

SOURCE = Path(__file__).with_name("CachedContextCodec.java")
CLASS = "evse.hlc.CachedContextCodec"
JAVA_OPTIONS = ["--add-opens", "java.base/java.lang=ALL-UNNAMED"]  # as iso15118 starts its JVM
SCRATCH = "evse-exi-"  # a temporary folder's prefix, for a process that can write nowhere else


class CompileError(RuntimeError):
    """The JVM could not compile the codec class (no compiler module, or the jar changed under it)."""


def classes_dir() -> Path:
    """Where the compiled class lives: the unit's cache (systemd's CACHE_DIRECTORY: evse-secc@.service)
    or else the environment's share/, one folder per source text and iso15118 version there, so an
    upgrade of either compiles afresh instead of loading a class built against another jar."""
    digest = hashlib.sha256(SOURCE.read_bytes() + version("iso15118").encode()).hexdigest()[:16]
    cache = os.environ.get("CACHE_DIRECTORY", "").split(":")[0]
    return (Path(cache) / "exi" if cache else Path(sys.prefix) / "share" / "evse-exi") / digest


class CachedExiCodec(ExificientEXICodec):
    """iso15118's codec interface (encode, decode, get_version: the base class's), on the cached-context
    class. `compiled` is where to find or put the class (classes_dir() by default)."""

    def __init__(self, compiled: Path | None = None, source: Path = SOURCE):
        logging.getLogger("py4j").setLevel(logging.CRITICAL)
        self.gateway = JavaGateway.launch_gateway(classpath=JAR_FILE_PATH, die_on_exit=True, javaopts=JAVA_OPTIONS)
        self.cached = False  # True once the cached-context class answers; False: the jar's own EXICodec
        try:
            where = self._compile(compiled or classes_dir(), source)
            self.exi_codec = self._load(where)
            self.cached = True
            if where.name.startswith(SCRATCH):
                shutil.rmtree(where, ignore_errors=True)  # loaded: the JVM holds the class, nothing to keep
        except CompileError as exc:
            log.warning("the EXI codec makes a new JAXB context per message (slower: %s)", exc)
            self.exi_codec = self.gateway.jvm.com.siemens.ct.exi.main.cmd.EXICodec()

    def _compile(self, target: Path, source: Path) -> Path:
        if (target / (CLASS.replace(".", "/") + ".class")).is_file():
            return target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=".compiling-", dir=target.parent))
        except OSError:  # a read-only environment (an installed package not prepared): this process only
            work = target = Path(tempfile.mkdtemp(prefix=SCRATCH))
        try:
            self._javac(source, work)
        except CompileError:
            shutil.rmtree(work, ignore_errors=True)
            raise
        if work != target:
            try:
                work.rename(target)
            except OSError:  # another child compiled it meanwhile: theirs is the same class
                shutil.rmtree(work, ignore_errors=True)
        return target

    def _javac(self, source: Path, out: Path) -> None:
        jvm = self.gateway.jvm
        javac = jvm.java.util.spi.ToolProvider.findFirst("javac")  # the runtime's compiler, as a tool
        if not javac.isPresent():
            raise CompileError("this Java runtime has no compiler module (jdk.compiler)")
        args = self._strings(["-nowarn", "-cp", JAR_FILE_PATH, "-d", str(out), str(source)])
        said = jvm.java.io.ByteArrayOutputStream()
        printer = jvm.java.io.PrintStream(said)
        if javac.get().run(printer, printer, args) != 0:
            raise CompileError(f"{source.name} did not compile: {said.toString().strip()}")

    def _load(self, compiled: Path):
        jvm = self.gateway.jvm
        urls = self.gateway.new_array(jvm.java.net.URL, 1)
        urls[0] = jvm.java.io.File(str(compiled)).toURI().toURL()
        loader = jvm.java.net.URLClassLoader(urls, jvm.java.lang.ClassLoader.getSystemClassLoader())
        try:
            cls = loader.loadClass(CLASS)
        except Exception as exc:  # py4j's Java error: a folder left half-written by a killed compile
            raise CompileError(f"{compiled} holds no usable class ({exc})") from None
        return cls.getDeclaredConstructor(self.gateway.new_array(jvm.java.lang.Class, 0)).newInstance(
            self.gateway.new_array(jvm.java.lang.Object, 0))

    def warm(self, samples=SAMPLES.values()) -> None:
        """Start the codec's warm-up on one message of each schema (hlc/exi_samples.py) and return at once;
        nothing to warm on the jar's codec, which builds everything anew per message anyway."""
        if not self.cached:
            return
        self.exi_codec.warm(self._strings([json.dumps(message) for _, message in samples]),
                            self._strings([namespace for namespace, _ in samples]))

    def _strings(self, words: list[str]):
        """A Java String[] of `words` (py4j passes a list as a java.util.List)."""
        array = self.gateway.new_array(self.gateway.jvm.java.lang.String, len(words))
        for i, word in enumerate(words):
            array[i] = word
        return array

    def close(self) -> None:
        self.gateway.shutdown()


def prepare() -> None:
    """Compile the class ahead of the first session (the test command runs it for .venv-hlc), so no
    child pays the compile (about 0.7 s here) at a plug-in."""
    codec = CachedExiCodec()
    try:
        if not codec.cached:
            raise SystemExit("hlc.exi_codec: the cached-context codec could not be compiled (see above)")
        print(f"the EXI codec's class is ready in {classes_dir()}")
    finally:
        codec.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    prepare()
