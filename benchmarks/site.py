"""Benchmark ``archive build``: full build, incremental rebuild, output size, and search transfer in Chromium.

The archive holds N accounts shaped like the real data sets in ../shared/data (bodies are passages of the
Project Gutenberg texts and descriptions from Collective Action in Tech), spread over a few hundred
struggles in three waves. Search transfer is measured in headless Chromium (Debian's ``/usr/bin/chromium``)
over http on 127.0.0.1, with a cold cache per query; the same pages are indexed with Pagefind
(``pip install 'pagefind[bin]'``) and its bytes per query measured the same way.

Usage::

    python benchmarks/site.py                  # 10,000 accounts
    python benchmarks/site.py --large          # 100,000 accounts
    python benchmarks/site.py -n 2000 --no-pagefind
    python benchmarks/site.py --views --struggles 10000 --large --repeat 2   # the views across waves
    python benchmarks/site.py --sizes 1000,10000,30000 --no-browser        # rebuilds, with growth exponents

Each size gets a cold full build (the baseline), a no-op rebuild and, after each of ``--adds`` accounts
ingested one at a time, a rebuild: wall and CPU seconds, the files it rewrote (bytes changed) by folder,
the output's apparent size against its size on disk (allocated blocks, as ``du``), the most crowded
folder, and Pagefind's indexing of the same pages.

``--views`` generates, besides the accounts, the records the views across waves use (six waves, demands
with outcomes, organizations with forms and lineage, forces, places town → region → country,
articulations, balance sheets with replies: see ``continuity_records``) and times cold full builds of
the same archive without and with those views (``build(..., continuity=False/True)``), each into a
fresh folder with the build cache removed, alternating the order when ``--repeat`` is above 1.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ARCHIVE_SHARED_DATA", REPO.parent / "shared" / "data"))
CHROMIUM = os.environ.get("ARCHIVE_CHROMIUM", "/usr/bin/chromium")
QUERIES = {1: ["strike", "union", "revolution", "police"],
           2: ["union workers", "general strike", "women vote", "factory committee"],
           3: ["workers council power", "strike for wages", "black workers union"]}
SEED = 1917
# One query per form of the query language: (form, the site's query, the closest query Pagefind takes, or
# None where it has none). Pagefind has no OR, NOT, wildcard, field or date syntax: it gets the words.
FORM_QUERIES = [
    ("OR", "strike OR revolution", "strike revolution"),
    ("NOT", "strike NOT police", "strike"),
    ("phrase", '"general strike"', '"general strike"'),
    ("prefix", "revolu*", "revolu"),
    ("field", "type:struggle strike", "strike"),
    ("date range", "strike date:[1917 to 1919]", None),
    ("AND/OR/NOT", "(union OR committee) workers NOT police", "union committee workers"),
]


def corpus() -> tuple[list[str], list[dict[str, Any]]]:
    passages: list[str] = []
    for path in sorted((SHARED / "gutenberg_movement_texts").glob("*.txt")):
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        text = text[text.find("*** START OF"):text.find("*** END OF")]
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) > 200]
        passages.extend(paragraphs)
    actions = json.loads((SHARED / "collective_action_in_tech" / "actions.json").read_text(encoding="utf-8"))
    return passages, actions


def records(n: int, struggles: int | None = None, views: bool = False) -> list[dict[str, Any]]:
    """N accounts over ``struggles`` struggles (default N/50, at least 20); ``views`` adds the records the views
    across waves use (``continuity_records``). Without ``views`` the records are those of the earlier runs."""
    if views:
        return continuity_records(n, struggles or max(20, n // 50))
    rng = random.Random(SEED)
    passages, actions = corpus()
    waves = [("first-wave", "1900", "1925"), ("second-wave", "1960", "1975"), ("third-wave", "2015", None)]
    out: list[dict[str, Any]] = [{"type": "wave", "slug": s, "title": s.replace("-", " ").title(), "start": a,
                                  **({"end": b} if b else {})} for s, a, b in waves]
    struggles = struggles or max(20, n // 50)
    for number in range(struggles):
        action = actions[number % len(actions)]
        wave = waves[number % 3]
        out.append({"type": "struggle", "slug": f"s-{number}", "title": f"Struggle {number}: "
                    + ", ".join(action.get("actions") or ["action"]), "body": action["description"][:400],
                    "waves": [wave[0]], "start": f"{int(wave[1]) + number % 10}",
                    "tags": action.get("struggles") or []})
    for number in range(n):
        passage = passages[rng.randrange(len(passages))]
        year = rng.choice([1905, 1917, 1919, 1968, 1970, 2018, 2020, 2021])
        out.append({"type": "account", "slug": f"a-{number}", "title": " ".join(passage.split()[:8]),
                    "body": passage, "date": f"{year}-{rng.randint(1, 12):02d}", "kind": "testimony",
                    "narrator": rng.choice(["Anonymous", "A steward", "R.", "Organizing committee"]),
                    "struggles": [f"s-{rng.randrange(struggles)}"], "language": "en"})
    return out


VIEW_WAVES = [("first-wave", "1900", "1925"), ("thirties-wave", "1933", "1939"), ("postwar-wave", "1945", "1950"),
              ("second-wave", "1960", "1975"), ("nineties-wave", "1995", "2001"), ("third-wave", "2015", None)]
WAVE_WEIGHTS = [2, 1, 1, 2, 2, 3]  # recent waves leave more records
# Organizational forms, with their lineage: (slug, title, variant_of).
FORMS = [("union", "Union", None), ("craft-union", "Craft union", "union (1886)"),
         ("industrial-union", "Industrial union", "craft-union (1935)"),
         ("general-union", "General union", "industrial-union (1905)"), ("workers-council", "Workers' council", None),
         ("factory-committee", "Factory committee", "workers-council (1917)"),
         ("mutual-aid-society", "Mutual aid society", None),
         ("solidarity-network", "Solidarity network", "mutual-aid-society (2008)"),
         ("worker-center", "Worker center", "mutual-aid-society (1992)"), ("tenant-union", "Tenant union", None),
         ("rank-and-file-caucus", "Rank-and-file caucus", None),
         ("tech-workers-collective", "Tech workers' collective", "rank-and-file-caucus (2014)"),
         ("strike-committee", "Strike committee", None), ("self-defense-network", "Self-defense network", None),
         ("clinic", "Clinic", None), ("commune", "Commune", None)]
FORM_WEIGHTS = [8, 6, 8, 2, 2, 2, 2, 2, 2, 3, 4, 3, 5, 1, 1, 1]
LINEAGE = ("split_from", "grew_out_of", "merged_into", "succeeded_by")
OUTCOMES = ["won", "partly won", "lost", "pending", None]
KINDS = ["alliance", "solidarity", "coalition"]
COUNTRY_NAMES = {"usa": "United States", "uk": "United Kingdom", "us": "United States"}
# Demands: templates filled from the real data (companies, industries, grievances).
DEMAND_TEMPLATES = [
    "Recognition of the union at {c}", "Reinstate the workers fired at {c}", "A wage increase for {i} workers",
    "An end to forced arbitration at {c}", "Safe staffing in {i}", "Drop the contract between {c} and the military",
    "Equal pay for women in {i}", "Hazard pay for {i} workers", "No layoffs at {c}", "Paid sick leave at {c}",
    "Union contracts for contractors at {c}", "An end to surveillance of workers at {c}",
    "Transparency about {g} at {c}", "A seat for workers on the board of {c}", "Rehire the organizers of {c}",
    "Pensions for {i} workers", "An eight-hour day in {i}", "Sick pay and overtime in {i}",
    "No discrimination in hiring at {c}", "Full-time jobs for temporary workers at {c}",
    "End the two-tier wage system in {i}", "Health insurance for {i} workers", "Respect the picket line at {c}",
    "Rent freeze for the workers of {c}", "Amnesty for the strikers of {c}",
]
DEMAND_PLAIN = ["Recognition of the union", "Reinstate fired workers", "Higher wages", "Shorter hours",
                "An end to forced arbitration", "Safe staffing levels", "Amnesty for strikers", "No layoffs",
                "Equal pay for equal work", "The right to organize", "An eight-hour day", "Paid sick leave",
                "Health and safety committees", "An end to racial discrimination", "Free speech on the job"]
LIMITS = [("repression", ["the police broke the picket line", "organizers were fired and blacklisted",
                          "an injunction banned the strike", "leaders were arrested and jailed",
                          "the company surveilled the organizers", "troops were sent to the mines"]),
          ("lost momentum", ["turnout fell after the first month", "the strike fund ran out",
                             "burnout among the core organizers", "the movement dwindled over the winter"]),
          ("internal tensions", ["a split between the skilled and the unskilled", "factions fought over the contract",
                                 "the leadership and the rank and file disagreed on the settlement"]),
          ("co-optation", ["the company absorbed the demands it could", "the union leadership channelled the anger "
                           "into a grievance procedure", "a works council incorporated the organizers"]),
          ("isolation", ["no other workplace joined", "the press ignored the strike"]),
          ("legal limits", ["labour law kept contractors out of the bargaining unit",
                            "the contract's no-strike clause"])]
LESSONS = ["build the organization before the fight", "strike where it hurts the employer's supply chain",
           "keep the decisions in open assemblies", "win the community before the strike begins",
           "organize contractors and full-time workers together", "prepare a strike fund in the calm",
           "publish the balance sheet so the next wave can read it", "never sign a no-strike clause",
           "link the workplace with the neighbourhood", "rotate the spokespeople to resist repression",
           "document every grievance as it happens", "take the demands to the whole industry"]
POSITIONS = [("Strike committee", "elected strike committee"), ("Union officers", "union leadership"),
             ("A rank-and-file organizer", "rank-and-file caucus"), ("Solidarity network", "outside supporters"),
             ("Socialist study circle", "political organization"), ("Anonymous worker", "worker on the line"),
             ("Labour historian", "historian, decades later")]
DETERMINANTS = {"gender": ["women", "men", "gender-mixed"], "race": ["Black", "Latino", "Asian American", "migrant",
                                                                       "white"],
                "age": ["young", "older", "mixed-age"]}


def _date(rng: random.Random, first: int, last: int) -> str:
    return f"{rng.randint(first, last)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def place_pool() -> list[tuple[str, str, str | None, str | None, str]]:
    """Towns from the real data: (slug, title, region slug, region title, country title), US cities of the FMCS
    strikes first (most struck first), then the places of Collective Action in Tech and Wikidata's strikes and
    protests, in many countries."""
    from slugify import slugify

    seen: set[str] = set()
    us: list[tuple[str, str, str | None, str | None, str]] = []
    with (SHARED / "fmcs_work_stoppages" / "work_stoppages.csv").open(encoding="utf-8", newline="") as handle:
        cities = Counter(row["City, State"].strip() for row in csv.DictReader(handle))
    for city, _ in sorted(cities.items(), key=lambda kv: (-kv[1], kv[0])):
        town, _, state = city.rpartition(",")
        if town.strip() and len(state.strip()) == 2:
            us.append((town.strip(), town.strip(), f"us-{state.strip().lower()}", state.strip(), "United States"))
    world: list[tuple[str, str, str | None, str | None, str]] = []
    for action in json.loads((SHARED / "collective_action_in_tech" / "actions.json").read_text(encoding="utf-8")):
        for location in action.get("locations") or []:
            parts = [p.replace("_", " ").strip() for p in location.split("-")]
            if len(parts) < 2:
                continue
            country = COUNTRY_NAMES.get(parts[-1], parts[-1].title())
            region = parts[1].title() if len(parts) > 2 else None
            world.append((parts[0].title(), parts[0].title(), slugify(f"{region}-{country}") if region else None,
                          region, country))
    for name in ("strikes", "protests", "rebellions", "revolutions"):
        with (SHARED / "wikidata_protests_strikes" / f"wikidata_{name}_raw_rows.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                town, country = row.get("locationLabel", "").strip(), row.get("countryLabel", "").strip()
                if town and country and town != country and not re.fullmatch(r"Q\d+", town):
                    world.append((town, town, None, None, country))
    out = []
    for town, title, region, region_title, country in us + world:
        slug = slugify(f"{town}-{country}")[:100]
        if slug and slug not in seen:
            seen.add(slug)
            out.append((slug, title, region, region_title, country))
    return out


def fmcs_rows() -> list[dict[str, str]]:
    with (SHARED / "fmcs_work_stoppages" / "work_stoppages.csv").open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["Employer"].strip()]


def continuity_records(n: int, struggles: int) -> list[dict[str, Any]]:
    """The records the views across waves use, shaped from the real data, in realistic proportions.

    Six waves; ``struggles`` struggles (titles and bodies from Collective Action in Tech and the FMCS strikes,
    grievances as tags, about 5 demands each drawn from a pool of a few thousand so that many recur, with
    outcomes); one organization per 10 struggles (FMCS union locals and tech companies' workers, each with a
    form, a third with a dated lineage link); 16 forms with ``variant_of``; one social force per 20
    struggles; towns from the FMCS, Collective Action in Tech and Wikidata with parents town → region →
    country; one articulation per 4 struggles (a third across borders); one balance sheet per 5
    struggles (a quarter replying to another), and ``n`` accounts as in ``records``, a fifth of them placed."""
    from slugify import slugify

    rng = random.Random(SEED)  # the accounts' generator, as in records()
    other = random.Random(SEED + 1)  # everything else
    passages, actions = corpus()
    fmcs = fmcs_rows()
    out: list[dict[str, Any]] = [{"type": "wave", "slug": s, "title": s.replace("-", " ").title(), "start": a,
                                  **({"end": b} if b else {})} for s, a, b in VIEW_WAVES]
    span = [(int(a), int(b) if b else 2023) for _, a, b in VIEW_WAVES]

    # Places: as many towns as one per 8 struggles, three in five in the United States.
    pool = place_pool()
    us_towns = [p for p in pool if p[4] == "United States"]
    world_towns = [p for p in pool if p[4] != "United States"]
    wanted = max(20, struggles // 8)
    towns = us_towns[:wanted * 3 // 5] + world_towns[:wanted - wanted * 3 // 5]
    countries: dict[str, str] = {}
    regions: dict[str, tuple[str, str]] = {}
    for _, _, region, region_title, country in towns:
        countries.setdefault(slugify(country), country)
        if region and region_title:
            regions.setdefault(region, (region_title, slugify(country)))
    taken = set(countries)
    out += [{"type": "place", "slug": slug, "title": title} for slug, title in countries.items()]
    for slug, (title, country) in regions.items():
        if slug not in taken:
            taken.add(slug)
            out.append({"type": "place", "slug": slug, "title": title, "parent": country})
    placed = []
    names: dict[str, str] = {}
    for slug, title, region, _, country in towns:
        if slug in taken:
            continue
        taken.add(slug)
        placed.append((slug, slugify(country)))
        names[slug] = title
        out.append({"type": "place", "slug": slug, "title": title, "parent": region or slugify(country)})
    us_placed = [p for p in placed if p[1] == "united-states"]
    world_placed = [p for p in placed if p[1] != "united-states"]

    def town() -> tuple[str, str]:
        return other.choice(us_placed if other.random() < 0.6 or not world_placed else world_placed)

    # Forms, with variant_of.
    out += [{"type": "form", "slug": s, "title": t, **({"variant_of": [v]} if v else {})} for s, t, v in FORMS]

    # Struggles: wave and town first, so organizations, forces and articulations can follow them.
    s_wave = other.choices(range(len(VIEW_WAVES)), weights=WAVE_WEIGHTS, k=struggles)
    s_town = [town() for _ in range(struggles)]
    s_year = [other.randint(*span[w]) for w in s_wave]
    by_wave: dict[int, list[int]] = {}
    by_wave_country: dict[tuple[int, str], list[int]] = {}
    for number in range(struggles):
        by_wave.setdefault(s_wave[number], []).append(number)
        by_wave_country.setdefault((s_wave[number], s_town[number][1]), []).append(number)

    # Organizations: one per 10 struggles, in order of founding; a third with a dated lineage link.
    companies = sorted({c for a in actions for c in (a.get("companies") or [])})
    unions = sorted({r["Union"].strip() for r in fmcs if r["Union"].strip()})
    orgs: list[dict[str, Any]] = []
    for number in range(max(5, struggles // 10)):
        wave = other.choices(range(len(VIEW_WAVES)), weights=WAVE_WEIGHTS)[0]
        founded = other.randint(span[wave][0] - 5, span[wave][1])
        form = other.choices(FORMS, weights=FORM_WEIGHTS)[0]
        if number % 3 == 0:
            title = f"{other.choice(companies).title()} Workers' {form[1]}"
        else:
            name, _, local = other.choice(unions).partition(" ")
            title = f"{name} Local {local}" if local.isdigit() else name
        org: dict[str, Any] = {"type": "organization", "title": title, "form": form[0], "founded": str(founded),
                               "places": [town()[0]], "_wave": wave}
        if other.random() < 0.4:
            org["dissolved"] = str(founded + other.randint(2, 30))
        orgs.append(org)
    orgs.sort(key=lambda o: (int(o["founded"]), o["title"]))
    org_by_wave: dict[int, list[int]] = {}
    for number, org in enumerate(orgs):
        org["slug"] = f"o-{number}"
        wave = org.pop("_wave")
        org_by_wave.setdefault(wave, []).append(number)
        if wave in by_wave and other.random() < 0.2:
            org["struggles"] = [f"s-{other.choice(by_wave[wave])}"]
        if number and other.random() < 0.33:
            relation = other.choice(LINEAGE)
            earlier = other.randrange(max(0, number - 200), number)
            if relation in ("split_from", "grew_out_of"):
                org.setdefault(relation, []).append(f"o-{earlier} ({org['founded']})")
            else:  # the earlier organization merged into, or was succeeded by, this one
                orgs[earlier].setdefault(relation, []).append(f"o-{number} ({org['founded']})")

    # Social forces: one per 20 struggles, described by their compositional determinants.
    occupations = sorted({r["Industry"].strip() for r in fmcs if r["Industry"].strip()}) + sorted(
        {e for a in actions for e in (a.get("employment_types") or [])})
    forces = []
    for number in range(max(5, struggles // 20)):
        picks = {k: other.choice(v) for k, v in DETERMINANTS.items()}
        occupation = other.choice(occupations)
        where = names[other.choice(placed)[0]]
        forces.append({"type": "force", "slug": f"f-{number}",
                       "title": f"{picks['race']} {picks['gender']} workers in {occupation.casefold()} ({where})",
                       "determinants": [f"occupation: {occupation}", *(f"{k}: {v}" for k, v in picks.items()),
                                        f"geography: {where}"]})
    out += forces + orgs

    # Demands: a pool of a few thousand, drawn with a long tail so that the common ones recur across waves.
    industries = sorted({r["Industry"].strip().casefold() for r in fmcs if r["Industry"].strip()})
    grievances = sorted({g for a in actions for g in (a.get("struggles") or []) if g != "na"})
    pool = list(DEMAND_PLAIN)
    for template in DEMAND_TEMPLATES:
        for company in companies[:120]:
            pool.append(template.format(c=company.title(), i=other.choice(industries), g=other.choice(grievances)))
    pool = list(dict.fromkeys(pool))
    weights = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(pool))))

    for number in range(struggles):
        action = actions[number % len(actions)]
        row = fmcs[(number * 7919) % len(fmcs)]
        year = s_year[number]
        where, _ = s_town[number]
        sentence = (f"{row['# Idled'].split('.')[0] or 'Some'} workers of {row['Union'] or 'the union'} stopped work "
                    f"at {row['Employer']} ({row['Industry'] or 'industry unknown'}).")
        if number % 3 == 0:
            title = f"{row['Employer'].strip()} strike, {year}"
        else:
            company = (action.get("companies") or [row["Employer"]])[0]
            title = f"{', '.join(action.get('actions') or ['action']).capitalize()} at {company.title()}, {year}"
        outcome_weights = [3, 2, 3, 4 if s_wave[number] == len(VIEW_WAVES) - 1 else 1, 3]
        demands = []
        for text in dict.fromkeys(other.choices(pool, cum_weights=weights, k=other.randint(2, 8))):
            outcome = other.choices(OUTCOMES, weights=outcome_weights)[0]
            demands.append(f"{text} ({outcome})" if outcome else text)
        if other.random() < 0.3:  # and one of its own
            demands.append(f"Reinstate the {row['Employer'].strip()} strikers of {year}")
        record: dict[str, Any] = {
            "type": "struggle", "slug": f"s-{number}", "title": title,
            "body": action["description"][:300] + " " + sentence, "waves": [VIEW_WAVES[s_wave[number]][0]],
            "start": f"{year}-{other.randint(1, 12):02d}-{other.randint(1, 28):02d}",
            "tags": [g for g in action.get("struggles") or [] if g != "na"], "places": [where], "demands": demands}
        if other.random() < 0.7:
            record["end"] = str(year + 1)
        orgs_here = org_by_wave.get(s_wave[number])
        if orgs_here and other.random() < 0.5:
            record["organizations"] = sorted({f"o-{other.choice(orgs_here)}" for _ in range(other.randint(1, 2))})
        if other.random() < 0.4:
            record["forces"] = sorted({other.choice(forces)["slug"] for _ in range(other.randint(1, 2))})
        if other.random() < 0.15:
            record["forms"] = [other.choices(FORMS, weights=FORM_WEIGHTS)[0][0]]
        out.append(record)

    # Accounts: exactly as records() draws them; a fifth are placed in their struggle's town.
    for number in range(n):
        passage = passages[rng.randrange(len(passages))]
        year = rng.choice([1905, 1917, 1919, 1968, 1970, 2018, 2020, 2021])
        account = {"type": "account", "slug": f"a-{number}", "title": " ".join(passage.split()[:8]),
                   "body": passage, "date": f"{year}-{rng.randint(1, 12):02d}", "kind": "testimony",
                   "narrator": rng.choice(["Anonymous", "A steward", "R.", "Organizing committee"]),
                   "struggles": [f"s-{rng.randrange(struggles)}"], "language": "en"}
        if other.random() < 0.2:
            account["places"] = [s_town[int(account["struggles"][0][2:])][0]]
        out.append(account)

    # Articulations: one per 4 struggles, between struggles, organizations and forces; some across borders.
    for number in range(max(5, struggles // 4)):
        first = other.randrange(struggles)
        wave = s_wave[first]
        roll = other.random()
        if roll < 0.5:
            if other.random() < 0.7:
                second = f"struggle/s-{other.choice(by_wave_country[(wave, s_town[first][1])])}"
            elif other.random() < 0.85:
                second = f"struggle/s-{other.choice(by_wave[wave])}"  # often abroad
            else:
                second = f"struggle/s-{other.randrange(struggles)}"  # across waves
        elif roll < 0.75 and org_by_wave.get(wave):
            second = f"organization/o-{other.choice(org_by_wave[wave])}"
        elif roll < 0.9:
            second = f"force/{other.choice(forces)['slug']}"
        else:
            second = f"organization/o-{other.randrange(len(orgs))}"
        if second == f"struggle/s-{first}":
            continue
        kind = other.choice(KINDS)
        out.append({"type": "articulation", "slug": f"art-{number}", "title": f"{kind.title()} {number}",
                    "kind": kind, "between": [f"struggle/s-{first}", second],
                    "start": f"{s_year[first]}-{other.randint(1, 12):02d}"})

    # Balance sheets: one per 5 struggles; a quarter answer an earlier sheet on the same struggle.
    sheets: dict[int, list[str]] = {}
    for number in range(max(5, struggles // 5)):
        replying = sheets and other.random() < 0.25
        target = other.choice(sorted(sheets)) if replying else other.randrange(struggles)
        author, position = other.choice(POSITIONS)
        limits = []
        for _ in range(other.randint(1, 3)):
            category, texts = other.choice(LIMITS)
            text = other.choice(texts)
            limits.append(f"{category}: {text}" if other.random() < 0.6 else text)
        lessons = [f"organizing: {text}" if other.random() < 0.3 else text
                   for text in other.sample(LESSONS, other.randint(1, 3))]
        sheet: dict[str, Any] = {"type": "balance_sheet", "slug": f"bs-{number}",
                                 "title": f"Balance sheet of s-{target} by {author.casefold()}",
                                 "struggle": f"s-{target}", "author": author, "position": position,
                                 "date": str(s_year[target] + other.randint(1, 3)),
                                 "won": other.choice(["recognition", "a raise", "nothing", "the rehiring"]),
                                 "lost": other.choice(["the organizers' jobs", "momentum", "nothing", "the strike"]),
                                 "limits": limits, "lessons": lessons,
                                 "body": other.choice(passages)[:600]}
        if replying:
            sheet["replies_to"] = [other.choice(sheets[target])]
        sheets.setdefault(target, []).append(sheet["slug"])
        out.append(sheet)
    for wave, _, _ in VIEW_WAVES:
        out.append({"type": "balance_sheet", "slug": f"bs-{wave}", "title": f"Balance sheet of the {wave}",
                    "wave": wave, "author": "Labour historian", "position": "historian, decades later",
                    "lessons": other.sample(LESSONS, 3), "limits": [f"{c}: {t[0]}" for c, t in LIMITS[:3]]})
    return out


def write(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def folder_size(root: Path, under: str = "") -> tuple[int, int]:
    files = [p for p in (root / under).rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def disk_usage(root: Path) -> dict[str, Any]:
    """Apparent size (bytes in files) against size on disk (allocated blocks, as ``du`` counts them), and
    the folder with the most entries."""
    apparent = on_disk = 0
    entries: Counter[str] = Counter()
    for path in root.rglob("*"):
        entries[path.parent.relative_to(root).as_posix()] += 1
        if path.is_file():
            stat = path.stat()
            apparent += stat.st_size
            on_disk += stat.st_blocks * 512
    folder, most = entries.most_common(1)[0] if entries else ("", 0)
    search = {k: v for k, v in entries.items() if k == "search" or k.startswith("search/")}
    search_folder, search_most = max(search.items(), key=lambda kv: kv[1]) if search else ("", 0)
    return {"apparent_mb": round(apparent / 1e6, 1), "on_disk_mb": round(on_disk / 1e6, 1),
            "disk_ratio": round(on_disk / apparent, 2) if apparent else None,
            "largest_folder": folder, "largest_folder_entries": most,
            "largest_search_folder": search_folder, "largest_search_folder_entries": search_most}


def by_folder(paths: list[str]) -> dict[str, int]:
    """Paths counted by folder, two levels deep under search/, one elsewhere."""
    out: Counter[str] = Counter()
    for path in paths:
        parts = path.split("/")
        out["/".join(parts[:2]) if parts[0] == "search" and len(parts) > 2 else (parts[0] if len(parts) > 1
                                                                                  else "(top)")] += 1
    return dict(out.most_common())


def growth(series: list[dict[str, Any]], key: str) -> float | None:
    """The exponent k of ``value ~ n^k``, fitted by least squares on logs over the series."""
    import math

    points = [(math.log(r["accounts"]), math.log(r[key])) for r in series if r.get(key)]
    if len(points) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    var = sum((x - mx) ** 2 for x, _ in points)
    return round(sum((x - mx) * (y - my) for x, y in points) / var, 2) if var else None


def build_once(archive: Any, engine: Any) -> tuple[float, float, Any]:
    """Wall and CPU seconds of one build: on a shared machine the CPU time is the steadier figure."""
    from archive.publish import build

    started, cpu = time.perf_counter(), time.process_time()
    report = build(archive, engine)
    return time.perf_counter() - started, time.process_time() - cpu, report


def serve(site: Path) -> tuple[Any, str]:
    from archive.publish.serve import make_server

    server = make_server(site, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


PAGEFIND_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>pf</title></head><body>
<script type="module">
window.runQuery = async (q) => {
  const pagefind = await import("./pagefind/pagefind.js");
  const started = performance.now();
  const search = await pagefind.search(q);
  const top = await Promise.all(search.results.slice(0, 10).map(r => r.data()));
  return {ms: performance.now() - started, n: top.length};
};
window.ready = true;
</script></body></html>"""


def measure_queries(browser: Any, base: str, kind: str) -> list[dict[str, Any]]:
    """Bytes and time to the top 10 results for each query, each in a fresh context (cold cache).

    Bytes are the response bodies of the search's own files (uncompressed, as http.server sends them),
    seen by the browser context, workers included: for the site, search.js, meta.js, shards, tails and
    the top 10 documents; for Pagefind, pagefind.js, its WebAssembly, entry and index chunks and the
    top 10 fragments."""
    rows = []
    plan = [(f"{words} word{'s' if words > 1 else ''}", q, q) for words, queries in QUERIES.items() for q in queries]
    plan += FORM_QUERIES
    for form, site_query, pagefind_query in plan:
        query = site_query if kind == "site" else pagefind_query
        if query is None:
            continue
        context = browser.new_context()
        page = context.new_page()
        seen: list[tuple[str, int]] = []
        context.on("requestfinished", lambda request, seen=seen: seen.append(
            (request.url, request.sizes()["responseBodySize"])))
        if kind == "site":
            page.goto(base + "search.html")
            page.wait_for_function("() => window.LA && window.LA.search")
            ms = page.evaluate("""async (q) => { const t = performance.now();
                const r = await LA.search(q, {}, 10);
                await Promise.all(r.results.slice(0, 10).map(x => new Promise(ok => {
                    const s = document.createElement('script'); s.src = LA.docPath(x[0]);
                    s.onload = ok; s.onerror = ok; document.head.appendChild(s); })));
                return performance.now() - t; }""", query)
            wanted = ("/search/", "/assets/search.js")
        else:
            page.goto(base + "pagefind-bench.html")
            page.wait_for_function("() => window.ready")
            ms = page.evaluate("async (q) => (await window.runQuery(q)).ms", query)
            wanted = ("/pagefind/",)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)  # let the last requestfinished events reach this process
        entries = [(name, size) for name, size in seen if any(w in name for w in wanted)]
        rows.append({"engine": kind, "form": form, "query": query, "bytes": sum(s for _, s in entries),
                     "requests": len(entries), "ms": round(ms, 1)})
        context.close()
    return rows


def measure_site(site: Path, pagefind: bool) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    result: dict[str, Any] = {}
    server, base = serve(site)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        rows = measure_queries(browser, base, "site")
        if pagefind:
            rows += measure_queries(browser, base, "pagefind")
        browser.close()
    server.shutdown()
    result["queries"] = rows
    for engine_name in ("site", "pagefind"):
        mine = [r for r in rows if r["engine"] == engine_name]
        if mine:
            result[f"{engine_name}_mean_bytes_per_query"] = round(sum(r["bytes"] for r in mine) / len(mine))
            result[f"{engine_name}_mean_ms"] = round(sum(r["ms"] for r in mine) / len(mine), 1)
    result["per_form"] = per_form(rows)
    return result


def per_form(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean bytes per query of each form, for the site and Pagefind, and their ratio (Pagefind / site)."""
    out = []
    for form in dict.fromkeys(r["form"] for r in rows):
        means = {}
        for engine_name in ("site", "pagefind"):
            mine = [r["bytes"] for r in rows if r["form"] == form and r["engine"] == engine_name]
            means[engine_name] = round(sum(mine) / len(mine)) if mine else None
        ratio = round(means["pagefind"] / means["site"], 2) if means["site"] and means["pagefind"] else None
        out.append({"form": form, "site_bytes": means["site"], "pagefind_bytes": means["pagefind"],
                    "pagefind_over_site": ratio})
    return out


class Timers:
    """Wall and CPU seconds per key, from wrappers put around the build's functions (``instrument``).

    Each wrapper costs two clock reads on entry and exit, a few microseconds a call: both builds carry it."""

    def __init__(self) -> None:
        self.wall: Counter[str] = Counter()
        self.cpu: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def reset(self) -> None:
        self.wall.clear()
        self.cpu.clear()
        self.calls.clear()

    def add(self, key: str, wall: float, cpu: float, calls: int = 1) -> None:
        self.wall[key] += wall
        self.cpu[key] += cpu
        self.calls[key] += calls

    def wrap(self, key: str, fn: Any, key_of: Any = None) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(key_of(*args, **kwargs) if key_of else key, time.perf_counter() - wall,
                         time.process_time() - cpu)
        return wrapped

    def wrap_iter(self, key: str, fn: Any) -> Any:
        """A generator function: counts only the time spent producing items, not the consumer's."""
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            it = iter(fn(*args, **kwargs))
            calls = 1
            while True:
                wall, cpu = time.perf_counter(), time.process_time()
                try:
                    value = next(it)
                except StopIteration:
                    self.add(key, time.perf_counter() - wall, time.process_time() - cpu, calls)
                    return
                self.add(key, time.perf_counter() - wall, time.process_time() - cpu, calls)
                calls = 0
                yield value
        return wrapped

    def snapshot(self) -> dict[str, dict[str, float]]:
        return {k: {"wall_s": round(self.wall[k], 2), "cpu_s": round(self.cpu[k], 2), "calls": self.calls[k]}
                for k in sorted(self.wall, key=lambda k: -self.cpu[k])}


class _TimedTemplate:
    def __init__(self, template: Any, timers: Timers) -> None:
        self.template, self.timers = template, timers

    def __getattr__(self, name: str) -> Any:  # "extends" and "include" use the template itself
        return getattr(self.template, name)

    def render(self, *args: Any, **kwargs: Any) -> str:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return self.template.render(*args, **kwargs)
        finally:
            self.timers.add(f"render {self.template.name}", time.perf_counter() - wall, time.process_time() - cpu)


def instrument(timers: Timers) -> Any:
    """Wrap the build's phases and the views' functions with timers; return a function that undoes it.

    Keys: the build's phases (``gather``, ``plan``, ``fingerprint <template>``, ``render <template>``,
    ``search files``); the page kinds the planner yields (``pages: ...``); and the views' own work
    (``views: ...``). Keys nest (a struggle page's ``views: EarlierIndex.find`` is inside ``pages: records``,
    inside ``plan``), so they are not to be added up."""
    import importlib

    from archive.publish import earlier, lineage, maps, pages, places

    build_module = importlib.import_module("archive.publish.build")  # archive.publish.build is also the function

    patches: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, value: Any) -> None:
        patches.append((owner, name, owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)))
        setattr(owner, name, value)

    def environment(*args: Any, **kwargs: Any) -> Any:
        env = make_environment(*args, **kwargs)
        get_template = env.get_template
        env.get_template = lambda *a, **k: _TimedTemplate(get_template(*a, **k), timers)
        return env

    make_environment = build_module.make_environment
    patch(build_module, "make_environment", environment)
    patch(build_module, "gather_published", timers.wrap("gather", build_module.gather_published))
    patch(build_module, "plan", timers.wrap("plan", build_module.plan))
    patch(build_module, "search_files", timers.wrap_iter("search files", build_module.search_files))
    patch(build_module, "fingerprint", timers.wrap("", build_module.fingerprint,
                                                   key_of=lambda _s, _p, template, *a, **k: f"fingerprint {template}"))
    for name in ("lists", "facets", "records", "tag_pages", "demand_pages", "lesson_pages", "form_instance_pages"):
        patch(pages.Planner, name, timers.wrap_iter(f"pages: {name}", getattr(pages.Planner, name)))
    for name in ("struggle_demand_links", "lineage_context", "place_members"):
        patch(pages.Planner, name, timers.wrap(f"views: Planner.{name}", getattr(pages.Planner, name)))
    for name in ("Places", "wave_maps", "EarlierIndex", "LineageIndex", "conversation", "lesson_categories",
                 "demand_records"):
        patch(pages, name, timers.wrap(f"views: {name}", getattr(pages, name)))
    patch(earlier.EarlierIndex, "find", timers.wrap("views: EarlierIndex.find", earlier.EarlierIndex.find))
    for name in ("lineage", "form_timeline"):
        patch(lineage.LineageIndex, name, timers.wrap(f"views: LineageIndex.{name}",
                                                      getattr(lineage.LineageIndex, name)))
    patch(maps.ArticulationMap, "svg", timers.wrap("views: ArticulationMap.svg (layout + SVG)",
                                                   maps.ArticulationMap.svg))
    for name in ("under", "crossings"):
        patch(places.Places, name, timers.wrap(f"views: Places.{name}", getattr(places.Places, name)))

    def undo() -> None:
        for owner, name, value in reversed(patches):
            setattr(owner, name, value)
    return undo


def views_present() -> dict[str, bool]:
    """Which of the views' modules exist, and whether the planner uses them."""
    pages_source = (REPO / "archive" / "publish" / "pages.py").read_text(encoding="utf-8")
    return {module: (REPO / "archive" / "publish" / f"{module}.py").is_file()
            and f"archive.publish.{module} import" in pages_source
            for module in ("maps", "places", "earlier", "lineage", "demands_view", "conversation")}


def output_breakdown(root: Path) -> dict[str, list[int]]:
    """Files and bytes by top folder, facet pages (``by_*``) apart."""
    out: dict[str, list[int]] = {}
    for path in root.rglob("*"):
        if path.is_file():
            parts = path.relative_to(root).parts
            key = parts[0] if len(parts) > 1 else "(top)"
            if len(parts) > 1 and parts[-1].startswith("by_"):
                key += "/by_" + parts[-1][3:].split("_", 1)[0]
            row = out.setdefault(key, [0, 0])
            row[0] += 1
            row[1] += path.stat().st_size
    return dict(sorted(out.items()))


def measure_views(archive: Any, engine: Any, workdir: Path, repeat: int) -> dict[str, Any]:
    """Cold full builds without and with the views across waves, alternated, on the same archive."""
    import datetime as dt
    import gc

    from archive.publish import build
    from archive.publish.cache import CACHE_NAME

    timers = Timers()
    undo = instrument(timers)
    runs: list[dict[str, Any]] = []
    layout: dict[bool, dict[str, list[int]]] = {}
    try:
        for round_ in range(repeat):
            for continuity in ((False, True) if round_ % 2 == 0 else (True, False)):
                out = workdir / ("site-views" if continuity else "site-plain")
                shutil.rmtree(out, ignore_errors=True)
                (archive.root / CACHE_NAME).unlink(missing_ok=True)
                gc.collect()
                timers.reset()
                load = os.getloadavg()[0]
                started, cpu = time.perf_counter(), time.process_time()
                report = build(archive, engine, out=out, today=dt.date(2026, 11, 27), continuity=continuity)
                wall, cpu = time.perf_counter() - started, time.process_time() - cpu
                # What no timer covers: writing the files (and the manifest), feed, sitemap, assets, the cache.
                phases = [k for k in timers.cpu if k in ("gather", "plan", "search files")
                          or k.startswith(("render ", "fingerprint "))]
                timers.add("rest (writing files, feed, sitemap, assets, cache)",
                           wall - sum(timers.wall[k] for k in phases), cpu - sum(timers.cpu[k] for k in phases))
                files, size = folder_size(out)
                layout[continuity] = output_breakdown(out)
                run = {"continuity": continuity, "round": round_, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                       "pages": report.pages, "files": files, "output_mb": round(size / 1e6, 1),
                       "load_before": round(load, 2), "load_after": round(os.getloadavg()[0], 2),
                       "timers": timers.snapshot()}
                runs.append(run)
                print(json.dumps({k: v for k, v in run.items() if k != "timers"}), file=sys.stderr, flush=True)
                shutil.rmtree(out, ignore_errors=True)
    finally:
        undo()

    def best(continuity: bool, key: str) -> float:
        return min(r[key] for r in runs if r["continuity"] is continuity)

    def median(continuity: bool, key: str) -> float:
        values = sorted(r[key] for r in runs if r["continuity"] is continuity)
        middle = len(values) // 2
        return values[middle] if len(values) % 2 else round((values[middle - 1] + values[middle]) / 2, 1)

    plain = next(r for r in runs if not r["continuity"])
    views = next(r for r in runs if r["continuity"])
    # Per key, the extra CPU seconds of the views build (mean over rounds).
    keys = set().union(*(r["timers"] for r in runs))
    extra = {}
    for key in keys:
        with_ = [r["timers"].get(key, {}).get("cpu_s", 0.0) for r in runs if r["continuity"]]
        without = [r["timers"].get(key, {}).get("cpu_s", 0.0) for r in runs if not r["continuity"]]
        delta = sum(with_) / len(with_) - sum(without) / len(without)
        if abs(delta) >= 0.05:
            extra[key] = round(delta, 2)
    folders = {}
    for key in sorted(set(layout[False]) | set(layout[True])):
        a, b = layout[False].get(key, [0, 0]), layout[True].get(key, [0, 0])
        if a != b:
            folders[key] = {"files": [a[0], b[0]], "mb": [round(a[1] / 1e6, 2), round(b[1] / 1e6, 2)]}
    return {
        "views_present": views_present(),
        "plain": {"wall_s_min": best(False, "wall_s"), "wall_s_median": median(False, "wall_s"),
                  "cpu_s_min": best(False, "cpu_s"), "cpu_s_median": median(False, "cpu_s"),
                  "pages": plain["pages"], "files": plain["files"], "output_mb": plain["output_mb"]},
        "views": {"wall_s_min": best(True, "wall_s"), "wall_s_median": median(True, "wall_s"),
                  "cpu_s_min": best(True, "cpu_s"), "cpu_s_median": median(True, "cpu_s"),
                  "pages": views["pages"], "files": views["files"], "output_mb": views["output_mb"]},
        "ratio_wall_min": round(best(True, "wall_s") / best(False, "wall_s"), 3),
        "ratio_cpu_min": round(best(True, "cpu_s") / best(False, "cpu_s"), 3),
        "ratio_cpu_median": round(median(True, "cpu_s") / median(False, "cpu_s"), 3),
        "extra_cpu_s_by_key": dict(sorted(extra.items(), key=lambda kv: -kv[1])),
        "output_changes": folders,
        "runs": runs,
    }


def profile_plan(archive: Any, engine: Any, top: int = 40) -> str:
    """cProfile of ``plan(continuity=True)`` (the views' indexes and every page's context, not the rendering),
    the functions with the most cumulative time first."""
    import cProfile
    import datetime as dt
    import io
    import pstats

    from archive.ingest.redaction import load_redactions
    from archive.publish.build import plan
    from archive.publish.model import gather

    data = gather(engine, dt.date(2026, 11, 27), load_redactions(archive.root))
    profiler = cProfile.Profile()
    profiler.enable()
    pages, planner = plan(archive, data, True)
    for wave in planner.wave_maps.values():  # drawn lazily by the wave pages' template
        wave.svg("../")
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
    return f"{len(pages)} pages\n" + text.getvalue()


def time_continuity_cli(archive: Any, engine: Any, slugs: list[str]) -> dict[str, Any]:
    """``archive continuity SLUG`` (through the search index) and ``--public`` (the site's list), per slug."""
    from archive.search.index import rebuild_index

    result: dict[str, Any] = {}
    started = time.perf_counter()
    result["index_records"] = rebuild_index(archive.index_dir, engine)
    result["index_rebuild_s"] = round(time.perf_counter() - started, 1)
    command = Path(sys.executable).with_name("archive")
    for slug in slugs:
        for extra in ([], ["--public"]):
            started = time.perf_counter()
            done = subprocess.run([str(command), "--archive", str(archive.root), "continuity", slug, "--json", *extra],
                                  capture_output=True, text=True)
            key = f"continuity {slug}{' --public' if extra else ''}"
            result[key] = {"s": round(time.perf_counter() - started, 2), "rc": done.returncode,
                           "found": len(json.loads(done.stdout).get("earlier", [])) if done.returncode == 0 else
                           done.stderr.strip()[-300:]}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000, help="accounts (default 10,000)")
    parser.add_argument("--large", action="store_true", help="100,000 accounts")
    parser.add_argument("--no-pagefind", action="store_true", help="skip the Pagefind comparison")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    parser.add_argument("--queries-only", type=Path, metavar="SITE",
                        help="only measure search transfer on an already built (and Pagefind-indexed) site")
    parser.add_argument("--struggles", type=int, help="struggles (default N/50, at least 20)")
    parser.add_argument("--views", action="store_true",
                        help="generate the records the views across waves use, then time cold full builds without "
                             "and with those views (continuity=False/True) instead of the other measurements")
    parser.add_argument("--repeat", type=int, default=1,
                        help="with --views: pairs of builds, alternating the order (0: none, e.g. to time only "
                             "--continuity-cli on a --reuse archive)")
    parser.add_argument("--continuity-cli", type=int, default=0, metavar="K",
                        help="with --views: also rebuild the search index and time `archive continuity` on K "
                             "struggles of the last wave")
    parser.add_argument("--profile", action="store_true",
                        help="with --views: print a cProfile of plan(continuity=True) to stderr after the builds")
    parser.add_argument("--reuse", type=Path, metavar="WORKDIR",
                        help="with --views: reuse the archive a --keep run left in WORKDIR (no generation, no ingest)")
    parser.add_argument("--sizes", help="comma-separated account counts: one archive each, then growth exponents")
    parser.add_argument("--adds", type=int, default=2, choices=(0, 1, 2),
                        help="accounts added one at a time after the full build, each followed by a rebuild")
    parser.add_argument("--no-browser", action="store_true", help="skip the search transfer measurement")
    args = parser.parse_args()
    n = 100_000 if args.large else args.n
    if args.sizes:
        series([int(x.replace(",", "").replace("_", "")) for x in args.sizes.split(",")], args)
        return
    if args.queries_only:
        print(json.dumps(measure_site(args.queries_only, not args.no_pagefind), indent=2))
        return

    from archive.store.config import load_archive
    from archive.store.db import make_engine
    from archive.store.ingest import ingest
    from archive.trust.create import init_archive

    result: dict[str, Any]
    workdir = args.reuse or args.keep or Path(tempfile.mkdtemp(prefix="site-bench-"))
    if args.reuse:
        archive = load_archive(workdir / "archive")
        engine = make_engine(archive.db_url(), writer=True)
        result = {"reused": str(workdir)}
    else:
        archive = init_archive(workdir / "archive", title="Benchmark")
        engine = make_engine(archive.db_url(), writer=True)
        data = workdir / "records.jsonl"
        rows = records(n, args.struggles, views=args.views)
        write(data, rows)
        started = time.perf_counter()
        ingest(engine, [data], default_language="en", defaults={"visibility": "public"})
        result = {"accounts": n, "ingest_s": round(time.perf_counter() - started, 1),
                  "records": dict(Counter(row["type"] for row in rows))}
        del rows
        print(json.dumps(result), file=sys.stderr, flush=True)
    if args.views:
        result["load_average_start"] = [round(x, 2) for x in os.getloadavg()]
        if args.repeat > 0:
            result.update(measure_views(archive, engine, workdir, args.repeat))
        if args.profile:
            print(profile_plan(archive, engine), file=sys.stderr, flush=True)
        if args.continuity_cli:
            from archive.publish.model import gather, time_key

            wave = max(gather(engine).of_type("wave"), key=time_key)
            slugs = sorted(s.slug for s in wave.linking("waves", "struggle"))[:args.continuity_cli]
            result["continuity_cli"] = time_continuity_cli(archive, engine, slugs)
        engine.dispose()
        print(json.dumps(result, indent=2))
        if not (args.keep or args.reuse):
            shutil.rmtree(workdir, ignore_errors=True)
        return

    result.update(measure_rebuilds(archive, engine, workdir, args))
    print(json.dumps(result, indent=2))
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


ADDED = [{"type": "account", "slug": "one-more", "title": "One more account of the general strike",
          "body": "We walked out together, and the picket held through the winter.", "date": "2021-05",
          "struggles": ["s-1"]},
         {"type": "account", "slug": "two-more", "title": "Minutes of the tenants' assembly",
          "body": "The assembly voted to withhold the rent until the landlord repaired the boilers.",
          "date": "1968-03", "struggles": ["s-2"]}]


def measure_rebuilds(archive: Any, engine: Any, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """A cold full build (the baseline), a no-op rebuild, then one rebuild after each added account; the
    files each rewrote (bytes changed), the output's size on disk; Pagefind's indexing of the same pages."""
    from archive.store.ingest import ingest

    result: dict[str, Any] = {"load_average_start": [round(x, 2) for x in os.getloadavg()]}
    seconds, cpu, report = build_once(archive, engine)
    result.update(full_build_s=round(seconds, 1), full_build_cpu_s=round(cpu, 1), pages=report.pages,
                  files=report.write.files, pages_per_s=round(report.pages / seconds),
                  pages_per_cpu_s=round(report.pages / cpu))
    print(json.dumps(result), file=sys.stderr, flush=True)
    seconds, cpu, report = build_once(archive, engine)
    result.update(noop_rebuild_s=round(seconds, 1), noop_rebuild_cpu_s=round(cpu, 1),
                  noop_written=len(report.write.written))
    added = []
    for number, record in enumerate(ADDED[:args.adds]):
        extra = workdir / f"added-{number}.jsonl"
        write(extra, [record])
        ingest(engine, [extra], default_language="en", defaults={"visibility": "public"})
        seconds, cpu, report = build_once(archive, engine)
        added.append({"slug": record["slug"], "s": round(seconds, 2), "cpu_s": round(cpu, 2),
                      "written": len(report.write.written), "deleted": len(report.write.deleted),
                      "written_by_folder": by_folder(report.write.written)})
        print(json.dumps(added[-1]), file=sys.stderr, flush=True)
    result["added"] = added
    if added:
        result.update(incremental_rebuild_s=min(a["s"] for a in added),
                      incremental_rebuild_cpu_s=min(a["cpu_s"] for a in added),
                      incremental_written=max(a["written"] for a in added))
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    files, size = folder_size(report.out)
    search_files, search_size = folder_size(report.out, "search")
    result.update(output_files=files, output_mb=round(size / 1e6, 1), search_files=search_files,
                  search_mb=round(search_size / 1e6, 1), **disk_usage(report.out))
    engine.dispose()
    if not args.no_pagefind:
        pagefind_dir = report.out / "pagefind"
        started, cpu = time.perf_counter(), time.process_time()
        done = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(report.out), "--output-path",
                               str(pagefind_dir)], capture_output=True)
        if done.returncode == 0:
            result["pagefind_index_s"] = round(time.perf_counter() - started, 1)
            result["pagefind_mb"] = round(folder_size(pagefind_dir)[1] / 1e6, 1)
            result["pagefind_files"] = folder_size(pagefind_dir)[0]
            (report.out / "pagefind-bench.html").write_text(PAGEFIND_PAGE, encoding="utf-8")
        else:
            result["pagefind_error"] = done.stderr.decode(errors="replace")[-300:]
    if Path(CHROMIUM).is_file() and not args.no_browser:
        result.update(measure_site(report.out, "pagefind_index_s" in result))
    return result


def series(sizes: list[int], args: argparse.Namespace) -> None:
    """One archive per size, each measured as ``measure_rebuilds`` does, then the growth exponents."""
    from archive.store.db import make_engine
    from archive.store.ingest import ingest
    from archive.trust.create import init_archive

    runs = []
    for n in sizes:
        workdir = Path(tempfile.mkdtemp(prefix=f"site-bench-{n}-"))
        try:
            archive = init_archive(workdir / "archive", title="Benchmark")
            engine = make_engine(archive.db_url(), writer=True)
            data = workdir / "records.jsonl"
            write(data, records(n, args.struggles))
            started = time.perf_counter()
            ingest(engine, [data], default_language="en", defaults={"visibility": "public"})
            run = {"accounts": n, "ingest_s": round(time.perf_counter() - started, 1)}
            run.update(measure_rebuilds(archive, engine, workdir, args))
            runs.append(run)
            print(json.dumps(run), file=sys.stderr, flush=True)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    keys = ("full_build_cpu_s", "noop_rebuild_cpu_s", "incremental_rebuild_cpu_s", "incremental_written",
            "pagefind_index_s", "output_files", "on_disk_mb")
    print(json.dumps({"runs": runs, "growth": {k: growth(runs, k) for k in keys}}, indent=2))


if __name__ == "__main__":
    main()
