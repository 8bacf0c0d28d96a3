"""The vocabulary the synthetic organisation is drawn from (names, teams, objectives, metrics).

Changing a list changes every generated organisation: the builder picks from these with a seeded
random generator, so the same seed gives the same organisation only while they stay as they are.
"""

from __future__ import annotations


def _words(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


FIRST = _words(
    "Ada Alan Amara Ana Anton Aria Ben Bianca Carla Chen Dara David Elif Emil Erin Eva Felix Finn Gita "
    "Hana Hugo Ida Ines Ivan Jade Jonas Kai Kim Lara Leo Lina Luca Maja Mara Max Mia Nia Nils Noor Omar "
    "Otto Pia Raj Rosa Sam Sara Tara Teo Uma Vera Wen Yara Yuki Zoe"
)
LAST = _words(
    "Abbott Adler Baker Berg Brandt Castro Costa Dahl Diaz Eriksen Fabre Fischer Garcia Gupta Hale Horvat "
    "Ito Jansen Kaur Keller Kowalski Lam Lind Lopez Meyer Moreau Nagy Novak Okafor Olsen Park Quinn Rossi "
    "Sato Schmidt Silva Sorensen Tan Varga Vogel Wagner Weber Wong Yilmaz Zhang"
)
DEPARTMENTS = _words(
    "Engineering Product Design Data Sales Marketing Customer-success Support Finance People Legal "
    "Operations Security Research Partnerships Infrastructure"
)
TEAM_WORDS = _words(
    "Atlas Beacon Comet Delta Ember Falcon Glacier Harbor Iris Juniper Kestrel Lumen Meridian Nova Orbit "
    "Pioneer Quartz Rover Summit Tidal Umbra Vertex Willow Zephyr"
)
TITLES = ("Engineer", "Senior Engineer", "Analyst", "Designer", "Specialist", "Manager", "Consultant", "Coordinator")
VERBS = ("Grow", "Improve", "Launch", "Simplify", "Scale", "Strengthen", "Modernise", "Accelerate", "Delight")
THINGS = _words(
    "onboarding;checkout;the partner programme;self-serve sign-up;the mobile app;data quality;"
    "release speed;enterprise deals;the help centre;reliability;pricing;hiring",
    sep=";",
)
METRICS = (
    ("weekly active users", "users"),
    ("revenue", "€"),
    ("NPS", ""),
    ("tickets closed", "tickets"),
    ("deploys per week", "deploys"),
    ("qualified leads", "leads"),
    ("conversion", "%"),
    ("p95 latency", "ms"),
)
NOTES = ("", "", "", "On plan.", "Slower week.", "Good progress.", "Blocked on a dependency.", "Back on track.")
KINDS = (("increase", 45), ("decrease", 20), ("stay_above", 10), ("stay_below", 8), ("milestones", 10), ("binary", 7))
