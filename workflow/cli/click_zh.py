"""Click's own words (help headings, option notes, usage errors) in Chinese.

Click marks its strings for GNU gettext, but it calls ``gettext.gettext`` in the process-wide
default domain, which finds a catalogue only through compiled ``.mo`` files and the
LANGUAGE/LANG environment, not DUNNING_LOCALE. So the CLI translates where click's text reaches the
user instead: the help formatter (``workflow.cli._Formatter``) and the console script's error line
(``workflow.cli.run``). The table below holds click's English message templates as click 8.x
writes them; ``tests/platform/test_cli_language.py`` runs the errors a user meets through it, so
a changed wording in a new click shows up there as English in a Chinese line.

Pure functions of text: nothing here reads the locale.
"""

from __future__ import annotations

import re
from functools import cache

# click's English template -> ours. The format fields are click's; a ``!r`` conversion is part
# of the matched text, so the Chinese side names the field without it. The template with the most
# literal text is tried first (``is not in the range`` before ``is not {choice}``).
MESSAGES: tuple[tuple[str, str], ...] = (
    ("Invalid value for {param_hint}: {message}", "{param_hint} 的值无效：{message}"),
    ("Invalid value: {message}", "值无效：{message}"),
    ("Missing argument {param_hint}. {message}", "缺少参数 {param_hint}。{message}"),
    ("Missing argument {param_hint}.", "缺少参数 {param_hint}"),
    ("Missing option {param_hint}. {message}", "缺少选项 {param_hint}。{message}"),
    ("Missing option {param_hint}.", "缺少选项 {param_hint}"),
    ("Missing parameter {param_hint}.", "缺少参数 {param_hint}"),
    ("Missing command.", "缺少命令"),
    ("Choose from:\n\t{choices}", "可选：{choices}"),
    ("No such option {name!r}.", "没有选项 {name}"),
    ("No such command {name!r}.", "没有命令 {name}"),
    ("Got unexpected extra arguments ({args})", "多余的参数（{args}）"),
    ("Got unexpected extra argument ({args})", "多余的参数（{args}）"),
    ("Option {name!r} requires an argument.", "选项 {name} 后面需要一个值"),
    ("Option {name!r} requires {nargs} arguments.", "选项 {name} 后面需要 {nargs} 个值"),
    ("Option {name!r} does not take a value.", "选项 {name} 不接受值"),
    ("Argument {name!r} takes {nargs} values.", "参数 {name} 需要 {nargs} 个值"),
    ("{value!r} is not one of {choices}.", "{value} 不是 {choices} 之一"),
    ("{value!r} is not {choice}.", "{value} 不是 {choice}"),
    ("{value!r} does not match the formats {formats}.", "{value} 不符合格式 {formats} 中的任何一种"),
    ("{value!r} does not match the format {format}.", "{value} 不符合格式 {format}"),
    ("{value!r} is not a valid {number_type}.", "{value} 不是有效的{number_type}"),
    ("{value} is not in the range {range}.", "{value} 不在范围 {range} 内"),
    ("{value!r} is not a valid boolean. Recognized values: {states}", "{value} 不是有效的是/否值（可用：{states}）"),
    ("{value!r} is not a valid UUID.", "{value} 不是有效的 UUID"),
    ("{name} {filename!r} does not exist.", "{name} {filename} 不存在"),
    ("{name} {filename!r} is a file.", "{name} {filename} 是文件"),
    ("{name} {filename!r} is a directory.", "{name} {filename} 是目录"),
    ("{name} {filename!r} is not readable.", "{name} {filename} 不可读"),
    ("{name} {filename!r} is not writable.", "{name} {filename} 不可写"),
    ("{name} {filename!r} is not executable.", "{name} {filename} 不可执行"),
    ("Could not open file {filename!r}: {message}", "无法打开文件 {filename}：{message}"),
    ("Value must be an iterable.", "值必须是一组值"),
    ("Takes {nargs} values but 1 was given.", "需要 {nargs} 个值，只给了 1 个"),
    ("Takes {nargs} values but {len} were given.", "需要 {nargs} 个值，给了 {len} 个"),
    ("{len_type} values are required, but {len_value} was given.", "需要 {len_type} 个值，给了 {len_value} 个"),
    ("{len_type} values are required, but {len_value} were given.", "需要 {len_type} 个值，给了 {len_value} 个"),
    ("Did you mean {possibility}?", "是不是 {possibility}？"),
    ("(Did you mean one of: {possibilities}?)", "（是不是其中之一：{possibilities}？）"),
)

# the operating system's reasons (``strerror`` is English whatever the locale), by errno name
OS_ERRORS = {"ENOENT": "文件或文件夹不存在", "EACCES": "没有权限", "EPERM": "不允许的操作", "EISDIR": "这是一个文件夹",
             "ENOTDIR": "不是文件夹", "EEXIST": "文件已存在", "ENOSPC": "磁盘空间不足", "EROFS": "文件系统只读",
             "ENAMETOOLONG": "文件名过长", "EADDRINUSE": "地址已被占用", "ECONNREFUSED": "连接被拒绝",
             "ETIMEDOUT": "连接超时", "EHOSTUNREACH": "无法连接到主机", "ENETUNREACH": "网络不可达"}

# the words click puts into the templates above
WORDS = {"integer": "整数", "float": "数字", "integer range": "整数", "float range": "数字",
         "File": "文件", "Directory": "目录", "Path": "路径",
         "file": "文件", "directory": "目录", "path": "路径"}

HEADINGS = {"Usage:": "用法：", "Usage: ": "用法：", "Options": "选项", "Commands": "命令",
            "Positional arguments": "参数", "Arguments": "参数"}

HELP_OPTION = ("Show this message and exit.", "显示此帮助并退出")

# the metavariables of the usage line and the value names click gives an option's metavar
USAGE_WORDS = (("COMMAND [ARGS]...", "命令 [参数]..."), ("[OPTIONS]", "[选项]"))
METAVARS = {"TEXT": "文本", "INTEGER": "整数", "INTEGER RANGE": "整数", "FLOAT": "数字", "FLOAT RANGE": "数字",
            "FILE": "文件", "DIRECTORY": "目录", "PATH": "路径", "FILENAME": "文件", "BOOLEAN": "是/否"}

_FIELD = re.compile(r"\{(\w+)(!r)?\}")
# what a field can hold: a repr is quoted, a bare value or name is one word, the rest any text
_QUOTED = r"(?:'.*?'|\".*?\")"
_WORD_FIELDS = {"value", "name", "nargs", "len", "len_type", "len_value"}
_EXTRAS = re.compile(r"(?P<help>.*?)\s*\[(?P<extras>[^\[\]]*)\]$", re.DOTALL)
_METAVAR = re.compile(r" (" + "|".join(sorted(map(re.escape, METAVARS), key=len, reverse=True)) + r")$")


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    out: list[tuple[int, re.Pattern[str], str]] = []
    for en, zh in MESSAGES:
        parts, pos = [], 0
        for m in _FIELD.finditer(en):
            parts.append(re.escape(en[pos:m.start()]))
            name = m.group(1)
            body = _QUOTED if m.group(2) else r"\S+?" if name in _WORD_FIELDS else ".+?"
            parts.append(f"(?P<{name}>{body})")
            pos = m.end()
        parts.append(re.escape(en[pos:]))
        literal = len(_FIELD.sub("", en))
        out.append((literal, re.compile("".join(parts), re.DOTALL), zh))
    return [(pattern, zh) for _, pattern, zh in sorted(out, key=lambda row: -row[0])]


def message(text: str) -> str:
    """One of click's messages in Chinese; a text click did not write comes back as it was."""
    for pattern, zh in _patterns():
        m = pattern.fullmatch(text)
        if m is None:
            continue
        fields = m.groupdict()
        if "message" in fields:
            fields["message"] = message(fields["message"])
        for key in ("name", "number_type"):
            if key in fields:
                fields[key] = WORDS.get(fields[key], fields[key])
        for key in ("choices", "choice", "possibilities"):
            if key in fields:
                fields[key] = ", ".join(c.strip() for c in fields[key].split(","))
        return zh.format(**fields)
    return text


def one_line(text: str) -> str:
    """A message on one line (click lists a choice's values on lines of their own)."""
    return " ".join(text.split())


def option_help(text: str) -> str:
    """An option's help as click writes it, with its notes ``[default: x; required]`` in Chinese."""
    if text == HELP_OPTION[0]:
        return HELP_OPTION[1]
    m = _EXTRAS.fullmatch(text)
    if m is None:
        return text
    notes = []
    for note in m.group("extras").split("; "):
        if note.startswith("default: "):
            note = "默认：" + note.removeprefix("default: ").replace("(dynamic)", "（动态）")
        elif note.startswith("env var: "):
            note = "环境变量：" + note.removeprefix("env var: ")
        elif note == "required":
            note = "必填"
        notes.append(note)
    help_ = m.group("help")
    return f"{help_}  [{'；'.join(notes)}]" if help_ else f"[{'；'.join(notes)}]"


def option_spec(spec: str) -> str:
    """``--name TEXT`` as ``--name 文本``: click's names for a value, not the option's."""
    return _METAVAR.sub(lambda m: " " + METAVARS[m.group(1)], spec)


def usage(args: str) -> str:
    for en, zh in USAGE_WORDS:
        args = args.replace(en, zh)
    return args


def possibilities(names: list[str]) -> str:
    """Click's "Did you mean ...?" after an unknown option or command."""
    quoted = ", ".join(repr(n) for n in sorted(names))
    return f"：是不是 {quoted}？" if len(names) == 1 else f"：是不是其中之一 {quoted}？"


# --- laying out Chinese help: a Chinese character takes two columns of a terminal, and a line
# may break between any two of them (click counts characters and breaks at spaces only)


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal."""
    from unicodedata import east_asian_width

    return sum(2 if east_asian_width(c) in "WF" else 1 for c in text)


_TOKEN = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]|[^\s\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+|\s+")
# punctuation that must not begin a line
_NO_LINE_START = set("，。、；：？！）」』】》”’…,.;:?!)")


def wrap(text: str, columns: int) -> list[str]:
    """``text`` in lines of at most ``columns`` (a longer word alone on its line); a blank line
    starts a new paragraph."""
    lines: list[str] = []
    for n, paragraph in enumerate(text.split("\n\n")):
        if n:
            lines.append("")
        line = ""
        for token in _TOKEN.findall(" ".join(paragraph.split("\n"))):
            if token.isspace():
                token = " "
                if not line:
                    continue
            if line and width(line.rstrip() + token) > columns and not token.isspace() \
                    and token[0] not in _NO_LINE_START:
                lines.append(line.rstrip())
                line = ""
            line += token
        if line.strip():
            lines.append(line.rstrip())
    return lines
