"""Delegations' names in the page's languages (vccsched/names.py): CLDR through babel by the
ISO code of a Member State, the UN's names where CLDR's differ, none for the others."""

from __future__ import annotations

from vccsched.models import Delegation
from vccsched.names import TRANSLATED, delegation_names, territory


def member(id_: str, category: str = "council_member", **extra) -> Delegation:
    fields = {"voting_rights": True} if category == "council_member" else {}
    return Delegation(id=id_, name=f"roster {id_}", category=category, timezone="Europe/Zurich", **fields, **extra)


def test_member_states_get_cldr_names_in_the_five_other_languages():
    names = delegation_names(member("RUS"))
    assert list(names) == list(TRANSLATED) == ["ar", "zh", "fr", "ru", "es"]
    assert names == {"ar": "روسيا", "zh": "俄罗斯", "fr": "Russie", "ru": "Россия", "es": "Rusia"}
    assert delegation_names(member("GBR", "observer_state"))["zh"] == "英国"


def test_the_uns_names_where_cldrs_everyday_name_is_not_the_uns():
    assert delegation_names(member("PSE", "palestine_observer"))["fr"] == "État de Palestine"
    assert delegation_names(member("KOR"))["zh"] == "大韩民国"


def test_only_member_states_are_named_by_code():
    # A Sector Member or the secretariat whose id happens to look like a country code keeps its name.
    assert delegation_names(member("CHN", "sector_member", sector="ITU-T")) == {}
    assert delegation_names(member("BRA", "secretariat")) == {}
    assert delegation_names(member("ZZZ")) == {}  # not a country: the roster's name
    assert territory("SM-R1") is None and territory("BR") is None and territory("chn") == "CN"


def test_an_interpreters_booth_is_named_in_the_pages_language():
    # "Connecté en tant que Interpreters, French booth" on a French page read as untranslated.
    names = delegation_names(member("INT-FR", "interpreter"))
    assert names == {"ar": "المقصورة الفرنسية", "zh": "法语同传箱", "fr": "Cabine française", "ru": "Французская кабина", "es": "Cabina francesa"}
    assert delegation_names(member("INT-ZH", "interpreter"))["es"] == "Cabina china"
    # Not a booth of the six languages, or not an interpreter: the roster's name.
    assert delegation_names(member("INT-DE", "interpreter")) == {}
    assert delegation_names(member("INTERP", "interpreter")) == {}
    assert delegation_names(member("INT-FR", "secretariat")) == {}
