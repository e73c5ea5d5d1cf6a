"""The locales default messages accept (retention/locales.py)."""

from __future__ import annotations

import re

import pytest

from appstore_sandbox.retention.locales import APP_STORE_LOCALES, is_app_store_locale, locale_hint

# language, then optionally a region (two capitals) or a script (capital + three lowercase)
_SHORT_CODE = re.compile(r"^[a-z]{2}(-([A-Z]{2}|[A-Z][a-z]{3}))?$")


def test_every_code_is_well_formed() -> None:
    assert isinstance(APP_STORE_LOCALES, frozenset)
    assert all(_SHORT_CODE.match(code) for code in APP_STORE_LOCALES)


def test_no_language_appears_both_bare_and_with_a_region() -> None:
    bare = {code for code in APP_STORE_LOCALES if "-" not in code}
    assert not {code.split("-")[0] for code in APP_STORE_LOCALES if "-" in code} & bare


@pytest.mark.parametrize(
    "locale",
    ["en-US", "en-GB", "en-AU", "en-CA", "fr-FR", "fr-CA", "de-DE", "es-ES", "es-MX", "pt-BR",
     "pt-PT", "zh-Hans", "zh-Hant", "ja", "ko", "it", "nl-NL", "ar-SA", "no", "sv", "uk"],
)  # fmt: skip
def test_app_store_connect_codes(locale: str) -> None:
    assert is_app_store_locale(locale)


@pytest.mark.parametrize(
    "locale",
    ["en-us", "EN-US", "en_US", "zh-hans", "ZH-HANS", "ja-JP", "de", "en", "zh-CN", "xx", "",
     " en-US", "en-US ", "english"],
)  # fmt: skip
def test_everything_else_is_refused(locale: str) -> None:
    assert not is_app_store_locale(locale)


@pytest.mark.parametrize(
    ("locale", "hint"),
    [
        ("en-us", "did you mean en-US?"),
        ("ZH-HANS", "did you mean zh-Hans?"),
        ("ja-JP", "App Store Connect spells this language ja"),
        ("xx-YY", "such as en-US"),
    ],
)
def test_hints(locale: str, hint: str) -> None:
    assert hint in locale_hint(locale)
