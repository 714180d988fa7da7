""" "of <name>" in Catalan and Spanish: elisions and contractions (issue 18, item 6)."""

from __future__ import annotations

import pytest

from ajunta.core.wording import of_name


@pytest.mark.parametrize(
    ("name", "catalan", "spanish"),
    [
        ("Ajunta", "d'Ajunta", "de Ajunta"),
        ("Ajuntament de Manresa", "de l'Ajuntament de Manresa", "del Ajuntament de Manresa"),
        ("Consell Comarcal del Bages", "del Consell Comarcal del Bages",
         "del Consell Comarcal del Bages"),
        ("Diputació de Soria", "de la Diputació de Soria", "de la Diputació de Soria"),
        ("Ayuntamiento de Almazán", "d'Ayuntamiento de Almazán", "del Ayuntamiento de Almazán"),
        ("Olesa de Montserrat", "d'Olesa de Montserrat", "de Olesa de Montserrat"),
        ("Horta de Sant Joan", "d'Horta de Sant Joan", "de Horta de Sant Joan"),
        ("Úbeda", "d'Úbeda", "de Úbeda"),
        ("Huelva", "de Huelva", "de Huelva"),  # a semivowel: no elision
        ("Iàtova", "de Iàtova", "de Iàtova"),
        ("El Masnou", "del Masnou", "del Masnou"),
        ("Els Hostalets de Pierola", "dels Hostalets de Pierola", "de Els Hostalets de Pierola"),
        ("La Garriga", "de la Garriga", "de La Garriga"),
        ("L'Hospitalet de Llobregat", "de l'Hospitalet de Llobregat",
         "de L'Hospitalet de Llobregat"),
        ("Manresa", "de Manresa", "de Manresa"),
    ],
)  # fmt: skip
def test_of_name(name: str, catalan: str, spanish: str) -> None:
    assert of_name(name, "ca") == catalan
    assert of_name(name, "es") == spanish
    assert of_name(name, "en") == f"of {name}"
