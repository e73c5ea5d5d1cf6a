"""The locales Configure / Get / Delete Default Message accept: App Store Connect short codes.

Apple points to App Store Connect's list of locale short codes and says the value is
case-sensitive. Most codes are a bare language (``ja``, ``it``); some carry a region (``en-US``,
``pt-BR``) or a script (``zh-Hans``). Anything else, including ``en-us`` or ``ja-JP``, is 4000164.
"""

from __future__ import annotations

# The long-standing App Store Connect localizations.
_CLASSIC = {
    "ar-SA", "ca", "cs", "da", "de-DE", "el", "en-AU", "en-CA", "en-GB", "en-US",
    "es-ES", "es-MX", "fi", "fr-CA", "fr-FR", "he", "hi", "hr", "hu", "id", "it",
    "ja", "ko", "ms", "nl-NL", "no", "pl", "pt-BR", "pt-PT", "ro", "ru", "sk", "sv",
    "th", "tr", "uk", "vi", "zh-Hans", "zh-Hant",
}  # fmt: skip

# Languages App Store Connect added in 2025 (Bangla, Gujarati, Kannada, Malayalam, Marathi,
# Odia, Punjabi, Slovenian, Tamil, Telugu, Urdu). Their codes are not in the spec's sources and
# are unverified: drop or fix any that Apple's list spells otherwise.
_ADDED_2025 = {
    "bn-BD", "gu-IN", "kn-IN", "ml-IN", "mr-IN", "or-IN", "pa-IN", "sl-SI", "ta-IN",
    "te-IN", "ur-PK",
}  # fmt: skip

APP_STORE_LOCALES: frozenset[str] = frozenset(_CLASSIC | _ADDED_2025)

_BY_LOWERCASE = {code.lower(): code for code in APP_STORE_LOCALES}


def is_app_store_locale(locale: str) -> bool:
    return locale in APP_STORE_LOCALES


def locale_hint(locale: str) -> str:
    """A suggestion for a rejected locale: the right case, or the bare language code."""
    if locale.lower() in _BY_LOWERCASE:
        return f"; locales are case-sensitive: did you mean {_BY_LOWERCASE[locale.lower()]}?"
    language = locale.replace("_", "-").split("-")[0]
    if language in APP_STORE_LOCALES:
        return f"; App Store Connect spells this language {language}"
    return "; use an App Store Connect locale short code such as en-US, fr-FR or zh-Hans"
