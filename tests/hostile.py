"""Shared by the hostile-input tests: generators of bad shapes and values, and an in-process CLI."""
import io
import json
import signal
import sys

from hypothesis import strategies as st

from adventure.tools import cli

CONTROL = "".join(map(chr, [*range(0, 9), *range(11, 32), 127, *range(0x80, 0xA0)])) + "\u2028\u202e"
ESCAPES = ["\x1b]52;c;aGVsbG8=\x07", "\x1b]0;pwned\x07", "\x1b[2J", "\x9b2J", "\r", "\x00", "\x1bP+q\x1b\\"]

# Text of every script, with control characters and other scripts' digits made likely.
hostile_text = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.text(st.sampled_from(list(CONTROL) + list("a1²①٣߁𝟘 \n\t")), max_size=20),
    st.sampled_from(ESCAPES).map(lambda e: f"before {e} after"),
)

# JSON values of every shape, including what Python's json accepts and we never write.
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10 ** 40, max_value=10 ** 40),
    st.floats(allow_nan=True, allow_infinity=True), hostile_text,
)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(hostile_text, inner, max_size=4), max_leaves=12)
RAW_SPECIALS = [
    b"NaN", b"Infinity", b"-Infinity", b"1e999", b"[1e30]", b"9" * 4301, b"[" * 5000 + b"]" * 5000,
    b'{"a":' * 3000 + b"1" + b"}" * 3000, b"\xff\xfe", b"", b"{", b'"\\ud800"', b"[" * 100_000,
]


def raw_json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def paths_in(record, prefix=()):
    """Every key path in a JSON record, for replacing one part of a good file with something else."""
    yield prefix
    if isinstance(record, dict):
        for key, value in record.items():
            yield from paths_in(value, prefix + (key,))
    elif isinstance(record, list):
        for i, value in enumerate(record):
            yield from paths_in(value, prefix + (i,))


def replaced(record, path, value):
    if not path:
        return value
    copy = json.loads(json.dumps(record))
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copy


def run_main(argv, stdin="", monkeypatch=None):
    """`adventure ARGV` in this process: (status, stdout, stderr). An exception escaping main is a
    traceback the user would see, so it fails the test by propagating."""
    out, err = io.StringIO(), io.StringIO()
    saved = (sys.stdin, sys.stdout, sys.stderr)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    silence = cli._silence
    cli._silence = lambda: None  # it would point this test process's own output at /dev/null
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        try:
            status = cli.main(list(map(str, argv)))
        except SystemExit as exc:  # argparse's usage errors
            status = exc.code
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        cli._silence = silence
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    return status, out.getvalue(), err.getvalue()


def raw_controls(text: str) -> set:
    """The control characters in `text` that a terminal would act on (newline is fine)."""
    return {c for c in text if c in CONTROL or c == "\t"} - {"\n"}
