"""Delegations' names in the six languages of the ITU, for the delegates' page.

Member States are named by their ISO 3166 code through CLDR (the ``babel``
package carries its territory names). English keeps the roster's name: the
roster is the secretariat's registration, written in English with the ITU's own
forms ("Iran (Islamic Republic of)", "Korea (Rep. of)"), which CLDR's short
English names ("Iran", "South Korea") would replace. Sector Members, the
secretariat and the chair have no code: their roster name is used everywhere.
"""

from __future__ import annotations

from functools import cache

from babel import Locale
from babel.core import get_global

from vccsched.models import Delegation

#: The page's languages other than English, in the page's order.
TRANSLATED = ("ar", "zh", "fr", "ru", "es")

#: Categories whose id is an ISO 3166 alpha-3 code.
STATES = frozenset({"council_member", "observer_state", "palestine_observer"})

# Where CLDR's everyday name is not the one UN and ITU meetings use: CLDR says
# "Palestinian Territories" for PS (the UN has said "State of Palestine" since
# 2012) and "South Korea" for KR in most languages (the UN: "Republic of Korea").
UN_NAMES: dict[str, dict[str, str]] = {
    "PS": {
        "ar": "دولة فلسطين",
        "zh": "巴勒斯坦国",
        "fr": "État de Palestine",
        "ru": "Государство Палестина",
        "es": "Estado de Palestina",
    },
    "KR": {
        "ar": "جمهورية كوريا",
        "zh": "大韩民国",
        "fr": "République de Corée",
        "ru": "Республика Корея",
        "es": "República de Corea",
    },
}


#: CLDR territories that are not a country.
NOT_COUNTRIES = frozenset({"ZZ", "EU", "EZ", "UN", "AA"})


def territory(alpha3: str) -> str | None:
    """The CLDR territory (ISO 3166 alpha-2) of an alpha-3 code, or None for any other id."""
    if len(alpha3) != 3 or not alpha3.isalpha():
        return None
    aliases = get_global("territory_aliases").get(alpha3.upper())
    if not aliases or len(aliases) != 1 or len(aliases[0]) != 2:
        return None  # not a country code (or one CLDR splits, like the former Soviet Union)
    code = aliases[0]
    if code in NOT_COUNTRIES or code[0] in "QX":
        return None  # "Unknown Region", the EU, the UN, private-use codes
    return code


@cache
def _territory_names(language: str) -> dict[str, str]:
    return dict(Locale.parse(language).territories)


#: An interpreters' booth named in the page's language ("Cabine française" on a French page, not
#: the roster's "Interpreters, French booth"), as booths are called at the ITU and the UN.
BOOTH_NAMES: dict[str, dict[str, str]] = {
    "ar": {"ar": "المقصورة العربية", "zh": "المقصورة الصينية", "en": "المقصورة الإنجليزية",
           "fr": "المقصورة الفرنسية", "ru": "المقصورة الروسية", "es": "المقصورة الإسبانية"},
    "zh": {"ar": "阿拉伯语同传箱", "zh": "中文同传箱", "en": "英语同传箱", "fr": "法语同传箱", "ru": "俄语同传箱", "es": "西班牙语同传箱"},
    "fr": {"ar": "Cabine arabe", "zh": "Cabine chinoise", "en": "Cabine anglaise", "fr": "Cabine française",
           "ru": "Cabine russe", "es": "Cabine espagnole"},
    "ru": {"ar": "Арабская кабина", "zh": "Китайская кабина", "en": "Английская кабина", "fr": "Французская кабина",
           "ru": "Русская кабина", "es": "Испанская кабина"},
    "es": {"ar": "Cabina árabe", "zh": "Cabina china", "en": "Cabina inglesa", "fr": "Cabina francesa",
           "ru": "Cabina rusa", "es": "Cabina española"},
}


def booth_language(delegation: Delegation) -> str | None:
    """The language of an interpreters' booth whose id is ``INT-`` and the language's code (``INT-FR``)."""
    if delegation.category != "interpreter":
        return None
    prefix, _, code = delegation.id.partition("-")
    code = code.lower()
    return code if prefix == "INT" and code in BOOTH_NAMES["fr"] else None


def delegation_names(delegation: Delegation) -> dict[str, str]:
    """The delegation's name in each translated language where CLDR has one (none for Sector Members);
    a booth's (``INT-FR``) from :data:`BOOTH_NAMES`."""
    booth = booth_language(delegation)
    if booth is not None:
        return {language: BOOTH_NAMES[language][booth] for language in TRANSLATED}
    if delegation.category not in STATES:
        return {}
    code = territory(delegation.id)
    if code is None:
        return {}
    names = {}
    for language in TRANSLATED:
        name = UN_NAMES.get(code, {}).get(language) or _territory_names(language).get(code)
        if name:
            names[language] = name
    return names
