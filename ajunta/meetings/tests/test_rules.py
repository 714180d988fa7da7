from django.test import SimpleTestCase

from ajunta.meetings import rules


class LawTests(SimpleTestCase):
    def test_councillors_by_population_loreg_179(self) -> None:
        cases = {0: 3, 100: 3, 101: 5, 600: 7, 1_000: 7, 1_001: 9, 5_000: 11, 20_000: 17,
                 20_001: 21, 100_000: 25, 100_001: 27, 250_000: 27, 3_280_782: 57}  # fmt: skip
        for population, seats in cases.items():
            self.assertEqual(rules.legal_councillors(population), seats, population)

    def test_periodicity_art_46(self) -> None:
        self.assertEqual(rules.ordinary_period_months(600), 3)
        self.assertEqual(rules.ordinary_period_months(5_000), 3)
        self.assertEqual(rules.ordinary_period_months(5_001), 2)
        self.assertEqual(rules.ordinary_period_months(20_001), 1)

    def test_quorum_one_third_never_fewer_than_three(self) -> None:
        self.assertEqual(rules.legal_quorum(5), 3)
        self.assertEqual(rules.legal_quorum(7), 3)
        self.assertEqual(rules.legal_quorum(13), 5)
        self.assertEqual(rules.legal_quorum(17), 6)
        self.assertEqual(rules.quorum(7, 4), 4)
        self.assertEqual(rules.quorum(7, 2), 3)
