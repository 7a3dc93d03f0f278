#!/usr/bin/python3
"""Which programs and Python modules do the tests, the benches and the
Makefile call, and does scripts/deps.sh install each of them?

    deps_check.py list            every command and module found, with
                                  the first place it is called from
    deps_check.py check           the checks below, as TAP lines
    deps_check.py check --dpkg    also check the table against dpkg -S
                                  for every command found on this machine

Read: tests/**/*.sh, scripts/*.sh, .ci/run, the Makefile and its fragments
(tests/**/*.mk, scripts/*.mk: recipes and $(shell ...)), the Python
imports and subprocess calls of tests/tools/*.py, the programs the C
files of tests/ exec by a literal name, and "import" lines
of Python code inlined in the shell scripts.  The shell is read by a
small lexer: words in command position (after ; & | && || ( ) { } !
newline, then, do, else...), past assignments and redirections, the
inside of $(...), `...` and "...$(...)...", the program behind exec,
command, env, nohup, timeout and xargs.  Case patterns, here-documents,
quoted text, variables ("$PINHOLE"), relative paths (./pinhole,
build/...), builtins and the functions the scripts define are not
commands.

The table scripts/commands.txt names, for each command (and "py:MODULE"
for each Python module outside the standard library, or split from it
by Debian), the Debian package that provides it, or "base": a package
of every Debian system (Essential: yes, or Priority: required).  The
checks:
  - every command and module found is in the table (so a new command
    fails here until it is added, with its package);
  - the package of each is in the list scripts/deps.sh installs for the
    scope that calls it (test: tests/run.sh, tests/integration,
    tests/fuzz, tests/tools, the Makefile, scripts/*.mk; soak:
    tests/soak; bench: tests/bench; build: scripts/*.sh);
  - every entry of the table is still called;
  - with --dpkg, for each command and module found on this machine,
    dpkg -S names the package the table says ships it, and a "base"
    one is indeed in the base system.
"""
import ast
import os
import re
import subprocess
import sys

ROOT = os.environ.get("DEPS_CHECK_ROOT") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TABLE = "scripts/commands.txt"
DEPS = "scripts/deps.sh"

BUILTINS = set("""
. : [ alias bg break builtin caller cd command compgen complete continue
declare dirs disown echo enable eval exec exit export false fc fg getopts
hash help history jobs kill let local logout mapfile popd printf pushd pwd
read readarray readonly return set shift shopt source suspend test times
trap true type typeset ulimit umask unalias unset wait
""".split())
KEYWORDS = set("""
if then else elif fi do done while until for in case esac function select
time { } ! [[ ]]
""".split())
# Programs that run the command given after their own options.
WRAPPERS = {"exec", "command", "env", "nohup", "timeout", "xargs", "nice",
            "setsid", "stdbuf", "unbuffer", "chroot"}
# Modules of the standard library that Debian ships apart from python3.
DEBIAN_SPLIT = {"tkinter", "turtle", "idlelib", "distutils", "lib2to3",
                "venv", "ensurepip"}
# Functions of the scripts that run the command given after N arguments
# (tests/integration/lib.sh's t_bg OUT CMD..., tests/run.sh's run NAME
# CMD...).
FUNC_WRAPPERS = {"t_bg": 1, "run": 1}


class Word:
    def __init__(self, text, dynamic, line, raw=""):
        self.text = text        # the literal text (quotes removed)
        self.dynamic = dynamic  # holds a $ expansion
        self.line = line
        m = re.match(r'^"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?$', raw)
        self.var = m.group(1) if m and dynamic else None


class Lexer:
    """Splits shell text into words and operators; gathers the commands
    found inside substitutions along the way (into self.found)."""

    def __init__(self, text, line=1, found=None, heredocs=None):
        self.s = text
        self.i = 0
        self.line = line
        self.found = found if found is not None else []
        self.heredocs = heredocs if heredocs is not None else []
        self.pending = []       # here-document delimiters of this line

    def peek(self, k=0):
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def sub(self, end):
        """Lexes a command substitution up to END; its commands go to
        self.found."""
        inner = Lexer(self.s, self.line, self.found, self.heredocs)
        inner.i = self.i
        toks = inner.tokens(stop=end)
        commands(toks, self.found)
        self.i = inner.i
        self.line = inner.line

    def skip_arith(self):
        depth = 0
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    self.i += 1
                    return
            elif c == "\n":
                self.line += 1
            self.i += 1

    def skip_brace(self):
        depth = 0
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    self.i += 1
                    return
            elif c == "$" and self.peek(1) == "(" and self.peek(2) != "(":
                self.i += 2
                self.sub(")")
                continue
            self.i += 1

    def dollar(self):
        """At a $: skips the expansion, lexing any command inside."""
        if self.peek(1) == "(" and self.peek(2) == "(":
            self.i += 1
            self.skip_arith()
        elif self.peek(1) == "(":
            self.i += 2
            self.sub(")")
        elif self.peek(1) == "{":
            self.i += 1
            self.skip_brace()
        else:
            self.i += 1
            m = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-]").match(
                self.s, self.i)
            if m:
                self.i = m.end()

    def dquote(self):
        """At a ": returns the literal text, and whether it expands."""
        self.i += 1
        out = []
        dyn = False
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == '"':
                self.i += 1
                break
            if c == "\\":
                out.append(self.peek(1))
                self.i += 2
                continue
            if c == "$" and re.match(r"[({A-Za-z_0-9@*#?$!-]", self.peek(1)):
                dyn = True
                self.dollar()
                continue
            if c == "`":
                dyn = True
                self.i += 1
                self.sub("`")
                continue
            if c == "\n":
                self.line += 1
            out.append(c)
            self.i += 1
        return "".join(out), dyn

    def heredoc_bodies(self):
        """At the start of a line after <<WORD: skips the bodies."""
        for strip, delim in self.pending:
            start = self.i
            while self.i < len(self.s):
                end = self.s.find("\n", self.i)
                if end < 0:
                    end = len(self.s)
                body = self.s[self.i:end]
                self.i = end + 1
                self.line += 1
                if (body.lstrip("\t") if strip else body) == delim:
                    break
            self.heredocs.append((self.line, self.s[start:self.i]))
        self.pending = []

    def tokens(self, stop=None):
        toks = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if stop == ")" and c == ")":
                self.i += 1
                return toks
            if stop == "`" and c == "`":
                self.i += 1
                return toks
            if c == "\\" and self.peek(1) == "\n":
                self.i += 2
                self.line += 1
                continue
            if c in " \t\r":
                self.i += 1
                continue
            if c == "#":
                while self.i < len(self.s) and self.s[self.i] != "\n":
                    self.i += 1
                continue
            if c == "\n":
                toks.append(("op", "\n", self.line))
                self.i += 1
                self.line += 1
                if self.pending:
                    self.heredoc_bodies()
                continue
            m = re.compile(r"[0-9]*(<<-?|<<<|<>|>>|>\||<&|>&|&>>|&>|<|>)"
                           ).match(self.s, self.i)
            if m:
                self.i = m.end()
                op = m.group(1)
                if op in ("<<", "<<-"):
                    while self.peek() in " \t":
                        self.i += 1
                    w = self.word()
                    self.pending.append((op == "<<-", w.text))
                    continue
                if op in ("<&", ">&") and re.match(r"[0-9-]", self.peek()):
                    self.i += 1
                    continue
                while self.peek() in " \t":
                    self.i += 1
                self.word()     # the file: not a command
                continue
            if c == "(" and self.peek(1) == "(":
                line = self.line    # (( arithmetic )): no command
                self.skip_arith()
                toks.append(("word", Word("", True, line), line))
                continue
            m = re.compile(r";;&|;;|;&|&&|\|\||\|&|[;&|()]").match(
                self.s, self.i)
            if m:
                toks.append(("op", m.group(0), self.line))
                self.i = m.end()
                continue
            w = self.word()
            toks.append(("word", w, w.line))
        return toks

    def word(self):
        out = []
        dyn = False
        line = self.line
        start = self.i
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t\r\n;&|()<>":
                break
            if c == "\\":
                out.append(self.peek(1))
                if self.peek(1) == "\n":
                    self.line += 1
                self.i += 2
            elif c == "'":
                end = self.s.find("'", self.i + 1)
                if end < 0:
                    end = len(self.s)
                text = self.s[self.i + 1:end]
                self.line += text.count("\n")
                out.append(text)
                self.i = end + 1
            elif c == '"':
                text, d = self.dquote()
                out.append(text)
                dyn = dyn or d
            elif c == "`":
                dyn = True
                self.i += 1
                self.sub("`")
            elif c == "$":
                if self.peek(1) == "'":
                    end = self.s.find("'", self.i + 2)
                    out.append(self.s[self.i + 2:end])
                    self.i = end + 1
                    continue
                dyn = True
                self.dollar()
            else:
                out.append(c)
                self.i += 1
        raw = self.s[start:self.i]
        if raw.endswith("=") and self.peek() == "(":
            self.skip_arith()   # an array: NAME=(...)
            raw = self.s[start:self.i]
        return Word("".join(out), dyn, line, raw)


def commands(toks, found):
    """Appends (name, line) for each word in command position."""
    at_cmd = True
    state = None        # None, "for", "case-word", "case-in", "pattern"
    wrap = None         # the wrapper whose command comes next
    skip_args = 0
    for kind, val, line in toks:
        if kind == "op":
            if state == "test":
                continue
            if state == "pattern":
                if val == ")":
                    state = None
                    at_cmd = True
                continue
            if val in (";;", ";&", ";;&"):
                state = "pattern"
                continue
            if state == "case-in" and val == "\n":
                continue
            if state == "for" and val in (";", "\n"):
                continue
            at_cmd = True
            wrap = None
            continue
        w = val
        if state == "test":
            if w.text == "]]" and not w.dynamic:
                state = None
                at_cmd = False
            continue
        if state == "pattern":
            if w.text == "esac" and not w.dynamic:
                state = None
                at_cmd = False
            continue
        if state == "case-word":
            state = "case-in"
            continue
        if state == "case-in":
            if w.text == "in":
                state = "pattern"
            continue
        if state == "for":
            if w.text == "do":
                state = None
                at_cmd = True
            continue
        if not at_cmd:
            continue
        if wrap:
            if skip_args:
                skip_args -= 1
                continue
            if wrap in FUNC_WRAPPERS:
                pass
            elif w.text.startswith("-") or (wrap == "env" and
                                            "=" in w.text):
                if wrap == "command" and w.text in ("-v", "-V"):
                    at_cmd = False
                continue
            if wrap == "timeout" and re.match(r"^[0-9.]+[smhd]?$", w.text):
                continue
            wrap = None
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=", w.text):
            continue    # an assignment
        if w.text in KEYWORDS and not w.dynamic:
            if w.text in ("for", "select"):
                state = "for"
            elif w.text == "case":
                state = "case-word"
            elif w.text == "[[":
                state = "test"
            elif w.text in ("fi", "done", "esac", "}", "]]"):
                at_cmd = False
            continue
        at_cmd = False
        if w.var:
            found.append(("$" + w.var, line))
            continue
        if w.dynamic or not w.text:
            continue
        found.append((w.text, line))
        if w.text in WRAPPERS or w.text in FUNC_WRAPPERS:
            wrap = w.text
            skip_args = FUNC_WRAPPERS.get(w.text, 0)
            at_cmd = True


def defined_functions(text):
    return set(re.findall(r"(?m)^\s*(?:function\s+)?([A-Za-z_][\w-]*)"
                          r"\s*\(\)", text))


PY_IMPORT = re.compile(r"(?m)^\s*(?:import|from)\s+([A-Za-z_][\w]*)")


def shell_file(path, text, first_line=1):
    found = []
    heredocs = []
    lx = Lexer(text, first_line, found, heredocs)
    commands(lx.tokens(), found)
    mods = [(m.group(1), text.count("\n", 0, m.start()) + first_line)
            for m in PY_IMPORT.finditer(text)]
    return found, mods


def make_vars(texts):
    """Simple variables of the Makefile and its fragments."""
    v = {}
    for text in texts:
        for m in re.finditer(r"(?m)^([A-Za-z_][A-Za-z0-9_]*)\s*[:?]?=[ \t]*"
                             r"([^\n]*)$", text):
            v.setdefault(m.group(1), m.group(2).strip())
    return v


def make_expand(s, v):
    """S with $(VAR) replaced by VAR's value when it is one plain word,
    and every other expansion ($(func ...), $@, $(VAR) of several
    words) by a shell variable, so that it is no command name."""
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c != "$":
            out.append(c)
            i += 1
            continue
        nxt = s[i + 1:i + 2]
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt in ("(", "{"):
            close = ")" if nxt == "(" else "}"
            depth = 0
            j = i + 1
            while j < len(s):
                if s[j] == nxt:
                    depth += 1
                elif s[j] == close:
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            inner = s[i + 2:j]
            val = v.get(inner)
            if val is not None and re.match(r"^[\w./+-]+$", val):
                out.append(val)
            else:
                out.append("${MAKE_EXPANSION}")
            i = j + 1
        else:
            out.append("${MAKE_EXPANSION}")
            i += 2
    return "".join(out)


def make_file(text, v):
    """The recipes and $(shell ...) of a Makefile, as shell."""
    found = []
    lines = text.split("\n")
    i = 0
    in_rule = False
    while i < len(lines):
        start = i
        logical = lines[i]
        while logical.endswith("\\") and i + 1 < len(lines):
            i += 1
            nxt = lines[i]
            logical = logical + "\n" + (nxt[1:] if nxt.startswith("\t")
                                        else nxt)
        i += 1
        if logical.startswith("\t") and in_rule:
            cmd = make_expand(logical[1:].lstrip("@-+ "), v)
            f, _ = shell_file(None, cmd, start + 1)
            found += f
            continue
        stripped = logical.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if re.match(r"^(ifeq|ifneq|ifdef|ifndef|else|endif|-?include)\b",
                    stripped):
            continue
        in_rule = bool(re.match(r"^[^=#]*[^:=]:(?!=)", logical)) and \
            not re.match(r"^[A-Za-z_]\w*\s*[:?+]?=", logical)
        for m in re.finditer(r"\$\(shell ([^)]*)\)", logical):
            f, _ = shell_file(None, make_expand(m.group(1), v), start + 1)
            found += f
    return found


def py_file(text):
    """Imports (top-level module names) and the programs subprocess
    calls, with their lines."""
    tree = ast.parse(text)
    mods = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                mods.append((a.name.split(".")[0], node.lineno))
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            mods.append((node.module.split(".")[0], node.lineno))
    lists = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    lists.setdefault(t.id, node.value)
    cmds = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        f = node.func
        name = ""
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
            name = f.value.id + "." + f.attr
        if not re.match(r"^(subprocess\.(run|call|check_call|check_output|"
                        r"Popen|getoutput|getstatusoutput)|os\.(system|popen"
                        r"|exec\w+|spawn\w+))$", name):
            continue
        a = node.args[0]
        while isinstance(a, ast.BinOp):
            a = a.left
        if isinstance(a, ast.Name) and a.id in lists:
            a = lists[a.id]
        if isinstance(a, (ast.List, ast.Tuple)) and a.elts and \
                isinstance(a.elts[0], ast.Constant) and \
                isinstance(a.elts[0].value, str):
            cmds.append((a.elts[0].value, node.lineno))
        elif isinstance(a, ast.Constant) and isinstance(a.value, str):
            f2, _ = shell_file(None, a.value, node.lineno)
            cmds += f2
        else:
            cmds.append(("<unknown program>", node.lineno))
    return cmds, mods


def scope_of(path):
    if path.startswith("tests/soak/"):
        return "soak"
    if path.startswith("tests/bench/"):
        return "bench"
    if path.startswith("scripts/") and path.endswith(".sh"):
        return "build"
    return "test"


def walk(top, suffix):
    out = []
    for d, dirs, files in os.walk(os.path.join(ROOT, top)):
        dirs[:] = sorted(x for x in dirs if x not in ("corpus", ".git"))
        for f in sorted(files):
            if f.endswith(suffix):
                out.append(os.path.relpath(os.path.join(d, f), ROOT))
    return out


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8",
              errors="replace") as fp:
        return fp.read()


def gather():
    """[(kind, name, scope, "path:line")] for every call found."""
    shells = walk("tests", ".sh") + walk("scripts", ".sh") + \
        [p for p in [".ci/run"] if os.path.exists(os.path.join(ROOT, p))]
    makes = ["Makefile"] + walk("tests", ".mk") + walk("scripts", ".mk")
    pys = walk("tests/tools", ".py")
    texts = {p: read(p) for p in shells + makes + pys}
    funcs = set()
    for p in shells:
        funcs |= defined_functions(texts[p])
    local_py = {os.path.basename(p)[:-3] for p in pys}
    assigned = {}
    for p in shells:
        for m in re.finditer(r"(?m)(?:^|[\s;])([A-Za-z_]\w*)=([^\s;\"'$`(]+)"
                             r"|\$\{([A-Za-z_]\w*):?[=-]([^}$]+)\}",
                             texts[p]):
            name = m.group(1) or m.group(3)
            assigned.setdefault(name, set()).add(m.group(2) or m.group(4))
    out = []

    def add(kind, name, path, line):
        if kind == "cmd" and name.startswith("$"):
            vals = assigned.get(name[1:], ())
            if len(vals) != 1:
                return  # not known before the script runs
            name = next(iter(vals))
        base = os.path.basename(name) if name.startswith("/") else name
        if kind == "cmd":
            if name in BUILTINS or name in KEYWORDS or name in funcs:
                return
            if "/" in name and not name.startswith("/"):
                return  # ./pinhole, build/..., tests/...: the project's
            if name.startswith("/") and (name.startswith(ROOT) or
                                         name.startswith("/tmp/")):
                return
            if not re.match(r"^[A-Za-z0-9_.+-]+$", base):
                out.append((kind, name, scope_of(path),
                            "%s:%d" % (path, line)))
                return
        else:
            if name in local_py or (name in sys.stdlib_module_names and
                                    name not in DEBIAN_SPLIT):
                return
        out.append((kind, base, scope_of(path), "%s:%d" % (path, line)))

    for p in shells:
        cmds, mods = shell_file(p, texts[p])
        for n, line in cmds:
            add("cmd", n, p, line)
        for n, line in mods:
            add("py", n, p, line)
    v = make_vars(texts[p] for p in makes)
    for p in makes:
        for n, line in make_file(texts[p], v):
            add("cmd", n, p, line)
    for p in walk("tests", ".c"):
        text = read(p)
        for m in re.finditer(r'\b(?:exec[lv]p?e?|system|popen)\s*\(\s*"'
                             r'([^"\s]+)', text):
            add("cmd", m.group(1), p, text.count("\n", 0, m.start()) + 1)
    for p in pys:
        cmds, mods = py_file(texts[p])
        for n, line in cmds:
            add("cmd", n, p, line)
        for n, line in mods:
            add("py", n, p, line)
    return out


def read_table():
    table = {}
    for n, raw in enumerate(read(TABLE).split("\n"), 1):
        line = raw.split("#", 1)[0].split()
        if not line:
            continue
        if len(line) not in (2, 3):
            raise SystemExit("%s:%d: want COMMAND PACKAGE [SHIPPED-BY]" %
                             (TABLE, n))
        if line[1] == "base" and len(line) == 2:
            raise SystemExit("%s:%d: a base command wants its SHIPPED-BY" %
                             (TABLE, n))
        table[line[0]] = (line[1], line[2] if len(line) == 3 else
                          line[1].split("+")[0])
    return table


def deps_lists():
    """The package list of each scope, as scripts/deps.sh says it
    (read by the shell itself: deps.sh list SCOPE)."""
    lists = {}
    for scope in ("build", "test", "soak", "bench"):
        r = subprocess.run(["sh", os.path.join(ROOT, DEPS), "list", scope],
                           stdout=subprocess.PIPE, check=True)
        lists[scope] = set(r.stdout.decode().split())
    return lists


def dpkg_owner(paths):
    """{path: package} from dpkg -S, for the paths dpkg knows."""
    r = subprocess.run(["dpkg", "-S"] + paths, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    owner = {}
    for line in r.stdout.decode().splitlines():
        pkgs, _, path = line.partition(": ")
        if pkgs.startswith("diversion by"):
            continue
        owner.setdefault(path, pkgs.split(",")[0].split(":")[0].strip())
    return owner


def candidates(name):
    """The paths dpkg may know for the program NAME found on PATH here:
    the path, each link it leads through (alternatives), each also with
    and without /usr in front (the merged /usr)."""
    path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    for d in path.split(":"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            break
    else:
        return []
    out = []
    for _ in range(8):
        out.append(p)
        out.append(p[4:] if p.startswith("/usr/") else "/usr" + p)
        if not os.path.islink(p):
            break
        p = os.path.normpath(os.path.join(os.path.dirname(p),
                                          os.readlink(p)))
    return list(dict.fromkeys(out))


def in_base(pkg):
    """Is PKG on every Debian (Essential: yes or Priority: required)?"""
    r = subprocess.run(["dpkg-query", "-W", "-f=${Essential} ${Priority}",
                        pkg], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    f = r.stdout.decode().split()
    return f[:1] == ["yes"] or f[1:2] == ["required"]


def check(use_dpkg):
    calls = gather()
    table = read_table()
    lists = deps_lists()
    n = 0
    failed = 0

    def ok(good, what, why=()):
        nonlocal n, failed
        n += 1
        print("%s %d - %s" % ("ok" if good else "not ok", n, what))
        if not good:
            failed += 1
            for w in why[:40]:
                print("#   " + w)

    first = {}
    for kind, name, scope, where in calls:
        key = name if kind == "cmd" else "py:" + name
        first.setdefault((key, scope), where)
    keys = sorted({k for k, _ in first})
    missing = sorted("%s (%s)" % (k, w) for (k, s), w in first.items()
                     if k not in table)
    ok(not missing, "every command and module the scripts call is in %s "
       "(%d found)" % (TABLE, len(keys)),
       ["not in the table, with its package: " + m for m in missing])
    bad = []
    for (key, scope), where in sorted(first.items()):
        for pkg in table.get(key, ("base",))[0].split("+"):
            if pkg != "base" and pkg not in lists[scope]:
                bad.append("%s needs %s, not in `deps.sh %s` (%s)" %
                           (key, pkg, scope, where))
    ok(not bad, "scripts/deps.sh installs the package of each command, "
       "for the scope that calls it", bad)
    unused = sorted(k for k in table if k not in keys)
    ok(not unused, "every entry of %s is still called" % TABLE,
       ["no script calls " + u for u in unused])
    if not use_dpkg:
        return failed == 0
    wrong = []
    seen = 0
    cmds = [k for k in keys if not k.startswith("py:") and k in table]
    paths = {k: candidates(k) for k in cmds}
    mods = {}
    for k in keys:
        if k.startswith("py:") and k in table:
            r = subprocess.run(["/usr/bin/python3", "-c",
                                "import %s; print(%s.__file__)" %
                                (k[3:], k[3:])], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
            f = r.stdout.decode().strip()
            if r.returncode == 0 and f.startswith("/"):
                paths[k] = [f]
    owner = dpkg_owner([p for ps in paths.values() for p in ps])
    for k, ps in sorted(paths.items()):
        got = next((owner[p] for p in ps if p in owner), None)
        if got is None or any(p.startswith("/etc/alternatives/")
                              for p in ps):
            continue    # not here, not from a package, or any of several
        seen += 1
        pkg, shipped = table[k]
        if got != shipped:
            wrong.append("%s is in %s here, the table says %s" %
                         (k, got, shipped))
        elif pkg == "base" and not in_base(got):
            wrong.append("%s: %s is neither Essential nor Priority: "
                         "required, so not \"base\"" % (k, got))
    ok(not wrong, "dpkg -S agrees with %s for the %d commands and "
       "modules found on this machine" % (TABLE, seen), wrong)
    return failed == 0


def main():
    args = sys.argv[1:]
    if args[:1] == ["list"]:
        table = read_table() if os.path.exists(os.path.join(ROOT, TABLE)) \
            else {}
        seen = set()
        for kind, name, scope, where in sorted(gather()):
            key = name if kind == "cmd" else "py:" + name
            if (key, scope) in seen:
                continue
            seen.add((key, scope))
            print("%-24s %-6s %-16s %s" % (key, scope,
                                          table.get(key, ("?",))[0], where))
        return 0
    if args[:1] == ["check"]:
        return 0 if check("--dpkg" in args) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
