"""Sphinx extension (loaded by `_config.yml`): the glossary reads as a dictionary.

A glossary entry of book/glossary.md lists several terms, one per line, so that each can
be linked with ``{term}``: the English term, its English synonyms, its Chinese terms.
Sphinx shows each as a separate bold line, which reads as separate terms. In the HTML
edition each entry is shown on one line instead, the edition's own term first and bold:

    English: **action potential**, also spike — 动作电位、脉冲
    Chinese: **动作电位**，又称脉冲 — action potential, spike

Every term keeps its anchor (the first on the entry, the others on their words), so links
to any of them still land on the entry. A long glossary (the appendix) also gets a bar of
letters at the top and a heading for each letter, linked from the bar. The English edition
keeps the source's alphabetical order; the Chinese edition files each entry under its Chinese
term in Hanyu Pinyin order (tools/pinyin_order.py), as a Chinese dictionary does.
"""

from __future__ import annotations

import re
import unicodedata

from docutils import nodes
from sphinx import addnodes

try:
    from tools.pinyin_order import initial, pinyin_key
except ModuleNotFoundError:  # loaded by Sphinx as a local extension, with tools/ on sys.path
    from pinyin_order import initial, pinyin_key

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WORDS = {
    "en": {"also": ", also ", "join_own": ", ", "join_other": "、", "letters": "Glossary by letter: "},
    "zh": {"also": "，又称", "join_own": "、", "join_other": ", ", "letters": "按拼音首字母查找："},
}
MIN_ENTRIES_FOR_LETTERS = 20


def is_chinese(term: nodes.term) -> bool:
    """Whether a glossary term is Chinese (has a CJK ideograph)."""
    return bool(CJK.search(term.astext()))


def letter(term: nodes.term) -> str:
    """The letter an entry is filed under: the first letter of its first term, else '#'."""
    first = unicodedata.normalize("NFD", term.astext().strip())[:1].upper()
    return first if "A" <= first <= "Z" else "#"


def own_terms(terms: list[nodes.term], edition: str) -> list[nodes.term]:
    """An entry's terms in the edition's language (all of them when it has none)."""
    return [t for t in terms if is_chinese(t) == (edition == "zh")] or terms


def filed_under(terms: list[nodes.term], edition: str) -> tuple[str, tuple]:
    """(letter, sort key) of an entry: in English the source's order; in Chinese its own term's pinyin."""
    main = own_terms(terms, edition)[0]
    if edition == "zh":
        return initial(main.astext().strip()), pinyin_key(main.astext().strip())
    return letter(terms[0]), ()


def _words(term: nodes.term, ids: bool, classes: list[str]) -> nodes.inline:
    """A term's words as an inline element, carrying its anchors when ``ids``."""
    words = nodes.inline("", "", *[child.deepcopy() for child in term.children], classes=classes)
    if ids:
        words["ids"] = list(term["ids"])
    return words


def one_line_entry(terms: list[nodes.term], edition: str) -> nodes.term:
    """One term node showing all of an entry's terms: the edition's own first (class glossary-main), then its
    synonyms, then the other language's terms."""
    words = WORDS[edition]
    own = [t for t in terms if is_chinese(t) == (edition == "zh")] or terms[:1]
    other = [t for t in terms if t not in own]
    main, synonyms = own[0], own[1:]
    entry = nodes.term(main.rawsource, "", ids=list(main["ids"]))
    entry.source, entry.line = main.source, main.line
    entry += _words(main, ids=False, classes=["glossary-main"])
    for i, synonym in enumerate(synonyms):
        entry += nodes.Text(words["also"] if i == 0 else words["join_own"])
        entry += _words(synonym, ids=True, classes=["glossary-synonym"])
    for i, term in enumerate(other):
        entry += nodes.Text(" — " if i == 0 else words["join_other"])
        entry += _words(term, ids=True, classes=["glossary-other-language"])
    return entry


def letter_bar(letters: list[str], edition: str) -> nodes.paragraph:
    """Links to each letter's heading."""
    bar = nodes.paragraph(classes=["glossary-letters"])
    bar += nodes.inline("", WORDS[edition]["letters"], classes=["glossary-letters-label"])
    for i, name in enumerate(letters):
        if i:
            bar += nodes.Text(" ")
        bar += nodes.reference("", name, internal=True, refid=letter_id(name))
    return bar


def letter_id(name: str) -> str:
    """The anchor of a letter's heading."""
    return "glossary-letter-" + ("other" if name == "#" else name.lower())


def letter_heading(name: str) -> nodes.raw:
    """A second-level heading for one letter (the page's sections are unaffected)."""
    return nodes.raw("", f'<h2 class="glossary-letter" id="{letter_id(name)}">{name}</h2>', format="html")


def rearrange_glossary(glossary: addnodes.glossary, edition: str) -> None:
    """Each entry on one line; a long glossary split by letter under a bar of links."""
    lists = [child for child in glossary.children if isinstance(child, nodes.definition_list)]
    for definitions in lists:
        filed: list[tuple[str, tuple, int, nodes.definition_list_item]] = []
        for number, item in enumerate(definitions.children):
            terms = [child for child in item.children if isinstance(child, nodes.term)]
            if not terms:
                continue
            filed.append((*filed_under(terms, edition), number, item))
            position = item.index(terms[0])
            for term in terms:
                item.remove(term)
            item.insert(position, one_line_entry(terms, edition))
        if edition == "zh":  # dictionary order; letters A-Z, then '#'
            filed.sort(key=lambda entry: (entry[0] == "#", entry[0], entry[1], entry[2]))
        groups: dict[str, list[nodes.definition_list_item]] = {}
        for name, _, _, item in filed:
            groups.setdefault(name, []).append(item)
        if len(definitions.children) < MIN_ENTRIES_FOR_LETTERS or len(groups) < 2:
            continue
        replacement: list[nodes.Node] = [letter_bar(list(groups), edition)]
        for name, items in groups.items():
            part = nodes.definition_list(classes=definitions["classes"])
            part += items
            replacement += [letter_heading(name), part]
        glossary.replace(definitions, replacement)


def rearrange_glossaries(app, doctree, docname) -> None:
    """Every glossary of an HTML page (other builders keep Sphinx's layout)."""
    if app.builder.format != "html":
        return
    edition = "zh" if (app.config.language or "en").startswith("zh") else "en"
    for glossary in list(doctree.findall(addnodes.glossary)):
        rearrange_glossary(glossary, edition)


def setup(app):
    app.connect("doctree-resolved", rearrange_glossaries)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
