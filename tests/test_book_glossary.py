"""tools/book_glossary.py: each glossary entry on one line, every term's anchor kept, letters to jump to."""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes

from tools.book_glossary import MIN_ENTRIES_FOR_LETTERS, letter, rearrange_glossary


def entry(*terms: str) -> nodes.definition_list_item:
    """A glossary entry as Sphinx's glossary directive makes it: one term node per line, each with its id."""
    item = nodes.definition_list_item()
    for term in terms:
        node = nodes.term(term, term, ids=[f"term-{term.replace(' ', '-')}"])
        node += addnodes.index(entries=[("single", term, f"term-{term}", "main", None)])
        item += node
    item += nodes.definition("", nodes.paragraph(text="What it means."))
    return item


def glossary(*entries: nodes.definition_list_item) -> addnodes.glossary:
    node = addnodes.glossary()
    node += nodes.definition_list("", *entries, classes=["glossary"])
    return node


def test_an_entry_shows_its_terms_on_one_line_with_every_anchor():
    node = glossary(entry("action potential", "spike", "动作电位", "脉冲"), entry("axon", "轴突"))
    rearrange_glossary(node, "en")
    first, second = node.findall(nodes.term)
    assert first.astext() == "action potential, also spike — 动作电位、脉冲"
    assert first["ids"] == ["term-action-potential"]
    anchors = {tuple(n["ids"]): n["classes"] for n in first.findall(nodes.inline) if n["ids"]}
    assert anchors == {
        ("term-spike",): ["glossary-synonym"],
        ("term-动作电位",): ["glossary-other-language"],
        ("term-脉冲",): ["glossary-other-language"],
    }
    assert len(list(first.findall(addnodes.index))) == 4  # the index still lists every term
    main = [n for n in first.findall(nodes.inline) if "glossary-main" in n["classes"]]
    assert [n.astext() for n in main] == ["action potential"]  # only the main term is bold
    assert second.astext() == "axon — 轴突"
    assert len(list(node.findall(nodes.definition))) == 2


def test_the_chinese_edition_puts_the_chinese_term_first():
    node = glossary(entry("action potential", "spike", "动作电位", "脉冲"), entry("epoch", "轮"))
    rearrange_glossary(node, "zh")
    first, second = node.findall(nodes.term)
    assert first.astext() == "动作电位，又称脉冲 — action potential, spike"
    assert first["ids"] == ["term-动作电位"]
    assert second.astext() == "轮 — epoch"


def test_a_long_glossary_gets_a_bar_of_letters_and_a_heading_per_letter():
    words = [f"{chr(ord('a') + i % 5)}word{i:02d}" for i in range(MIN_ENTRIES_FOR_LETTERS)]
    node = glossary(*(entry(word, "中文") for word in sorted(words)))
    rearrange_glossary(node, "en")
    bar = node.children[0]
    assert isinstance(bar, nodes.paragraph) and "glossary-letters" in bar["classes"]
    assert [ref["refid"] for ref in bar.findall(nodes.reference)] == [f"glossary-letter-{c}" for c in "abcde"]
    headings = [child for child in node.children if isinstance(child, nodes.raw)]
    assert [h.astext() for h in headings][:2] == [
        '<h2 class="glossary-letter" id="glossary-letter-a">A</h2>',
        '<h2 class="glossary-letter" id="glossary-letter-b">B</h2>',
    ]
    lists = [child for child in node.children if isinstance(child, nodes.definition_list)]
    assert [len(part.children) for part in lists] == [4] * 5
    assert all(part["classes"] == ["glossary"] for part in lists)


def test_the_chinese_edition_files_entries_by_the_pinyin_of_their_chinese_term():
    english = ["axon", "bias", "convolution", "dendrite", "epoch", "filter", "gate", "hidden"]
    chinese = ["轴突", "偏置", "卷积", "树突", "轮", "滤波器", "门", "隐藏"]
    extra = [(f"zz{i:02d}", f"阿{i:02d}") for i in range(MIN_ENTRIES_FOR_LETTERS)]  # long enough for letters
    odd = [("logit", "logit（未归一化分数）"), ("2-norm", "2 范数")]
    pairs = list(zip(english, chinese, strict=True)) + extra + odd
    node = glossary(*(entry(en, zh) for en, zh in pairs))  # in English order, as book/glossary.md is
    rearrange_glossary(node, "zh")
    bar = node.children[0]
    assert bar.astext().startswith("按拼音首字母查找：")
    letters = [ref.astext() for ref in bar.findall(nodes.reference)]
    assert letters == ["A", "J", "L", "M", "P", "S", "Y", "Z", "#"]  # pinyin initials in order, '#' last
    firsts = [t.astext().split(" — ")[0] for t in node.findall(nodes.term)]
    # the 阿 entries (ā) first; then juǎn; logit < lún < lǜ (ü after u); a term without pinyin last
    assert firsts[MIN_ENTRIES_FOR_LETTERS:] == [
        "卷积",
        "logit（未归一化分数）",
        "轮",
        "滤波器",
        "门",
        "偏置",
        "树突",
        "隐藏",
        "轴突",
        "2 范数",
    ]


def test_a_short_glossary_keeps_one_list():
    node = glossary(entry("axon", "轴突"), entry("bias", "偏置"))
    rearrange_glossary(node, "en")
    assert [type(child) for child in node.children] == [nodes.definition_list]


def test_letters():
    assert letter(nodes.term("", "Élan")) == "E"
    assert letter(nodes.term("", "δ rule")) == "#"
    assert letter(nodes.term("", "3-layer")) == "#"
