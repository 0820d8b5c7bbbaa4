"""The console in English and Chinese: every UI string has its Chinese, and the choice sticks."""
from __future__ import annotations

import re
from pathlib import Path

import settle.api
import settle.console
from settle.console.i18n import Translator, choose_locale, code_labels, ui_strings
from settle.console.web import FLASH_MESSAGES

TEMPLATES = Path(settle.api.__file__).parent / "templates" / "console"
CODE = Path(settle.console.__file__).parent
# _("…") in templates and code; the first message of a PageError or of the sign-in form
MARKED = re.compile(r"""(?:\b_\(\s*|PageError\(\d+, |_sign_in_form\(request, target, )(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def ui_texts() -> set[str]:
    texts = set(FLASH_MESSAGES.values())
    for path in [*TEMPLATES.glob("*.html"), *CODE.rglob("*.py")]:
        texts |= {a or b for a, b in MARKED.findall(path.read_text(encoding="utf-8"))}
    return texts


def test_every_ui_string_has_chinese():
    texts = ui_texts()
    assert len(texts) > 150  # the extraction still finds the strings
    missing = sorted(texts - set(ui_strings("zh-CN")))
    assert not missing, missing


def test_translations_keep_their_placeholders():
    for english, chinese in ui_strings("zh-CN").items():
        assert set(re.findall(r"{\w+}", english)) == set(re.findall(r"{\w+}", chinese)), english


def test_every_code_label_has_both_languages():
    for kind, codes in code_labels().items():
        for code, words in codes.items():
            assert set(words) == {"en-US", "zh-CN"}, (kind, code)


def test_labels_and_fallbacks():
    zh, en = Translator("zh-CN"), Translator("fr-FR")
    assert zh.label("outcome", "promise_to_pay") == "承诺还款" and en.label("outcome", "promise_to_pay") == "Promise to pay"
    assert en.locale == "en-US" and en.label("intent", "brand_new_intent") == "Brand new intent"
    assert zh("Page {page} of {pages}", page=2, pages=5) == "第 2 页，共 5 页"


def test_the_language_comes_from_the_choice_then_the_browser():
    assert choose_locale("zh-CN", "en-US,en") == "zh-CN"
    assert choose_locale(None, "zh-TW,zh;q=0.9,en;q=0.8") == "zh-CN"
    assert choose_locale("xx", "en-GB") == "en-US" and choose_locale(None, None) == "en-US"


def test_choosing_chinese_sticks(collector):
    switched = collector.get("/console/language/zh-CN", params={"next": "/console/queue"}, follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/console/queue"
    page = collector.get("/console/queue").text
    assert '<html lang="zh-CN">' in page and "转人工队列" in page
    assert collector.get("/console/language/fr-FR").status_code == 404
    assert collector.get("/console/language/en-US", params={"next": "https://evil.example"}, follow_redirects=False).headers["location"] == "/console/conversations"
