"""Git merge driver for gettext catalogs: a three-way merge message by message.

Several branches add and retranslate strings at once. A text merge conflicts wherever two of them touch
neighbouring lines, and a plain union (msgcat) silently drops one side's retranslation. Here each message
(msgctxt + msgid) is merged on its own: the side that changed its translation wins; where both changed it,
ours wins. Enabled per clone (see .gitattributes):

    git config merge.po.driver 'python3 scripts/po_merge.py %O %A %B'
"""

import sys


def parse(path: str) -> tuple[str, dict[str, str]]:
    """The header block and the messages, keyed by everything from msgctxt/msgid up to msgstr, in file order."""
    with open(path, encoding="utf-8") as f:
        blocks = [b for b in f.read().strip("\n").split("\n\n") if b.strip()]
    if not blocks:
        return "", {}
    messages = {}
    for block in blocks[1:]:
        messages[key(block)] = block
    return blocks[0], messages


def key(block: str) -> str:
    lines = [line for line in block.splitlines() if not line.startswith("#") or line.startswith("#~")]
    head = []
    for line in lines:
        if line.lstrip("#~ ").startswith("msgstr"):
            break
        head.append(line)
    return "\n".join(head)


def translation(block: str | None) -> str | None:
    if block is None:
        return None
    lines = [line for line in block.splitlines() if not line.startswith("#") or line.startswith("#~")]
    for i, line in enumerate(lines):
        if line.lstrip("#~ ").startswith("msgstr"):
            return "\n".join(lines[i:])
    return ""


def merge_one(base: str | None, ours: str | None, theirs: str | None) -> str | None:
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    if ours is None or theirs is None:  # removed on one side, changed on the other: keep the change
        return ours if ours is not None else theirs
    return theirs if translation(ours) == translation(base) else ours


def main(base_path: str, ours_path: str, theirs_path: str) -> int:
    _, base = parse(base_path)
    header, ours = parse(ours_path)
    _, theirs = parse(theirs_path)
    keys = list(ours)
    position = {k: i for i, k in enumerate(keys)}
    after: dict[int, list[str]] = {}
    previous = -1
    for k in theirs:  # messages only theirs has go after their predecessor in theirs
        if k in position:
            previous = position[k]
        elif k not in base:
            after.setdefault(previous, []).append(k)
    ordered = after.get(-1, [])[:]
    for i, k in enumerate(keys):
        ordered.append(k)
        ordered.extend(after.get(i, []))
    merged = [header]
    for k in ordered:
        block = merge_one(base.get(k), ours.get(k), theirs.get(k))
        if block is not None:
            merged.append(block)
    with open(ours_path, "w", encoding="utf-8") as f:
        f.write("\n\n".join(merged) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
