"""A small real archive for the site tests: a subset of "Collective Action in Tech" (Unlicense).

Struggles and accounts come from the data set's actions; waves, forms, forces, balance sheets and
articulations are written here around them. Restricted, private and embargoed records carry marker
words (``SECRETMARKER...``) so that a test can grep the whole output for any trace of them.

This module holds no tests; the site tests and the browser tests import it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from slugify import slugify

SOURCE = "collective_action_in_tech/actions.json"
ATTRIBUTION = "Collective Action in Tech (github.com/collective-action/tech), The Unlicense"
SECRET_WORDS = ("SECRETMARKERRESTRICTED", "SECRETMARKERPRIVATE", "SECRETMARKEREMBARGO")
XSS_SLUG = "xss-attempt"

WAVES = [
    {"type": "wave", "slug": "early-tech-organizing", "title": "Early tech organizing", "start": "1969",
     "end": "1999", "body": "Computer professionals against war and for *fair* pay."},
    {"type": "wave", "slug": "techlash", "title": "The techlash wave", "start": "2018", "end": "2019-12",
     "body": "Walkouts, open letters and **union drives** across the industry."},
    {"type": "wave", "slug": "pandemic-strikes", "title": "Pandemic gig strikes", "start": "2020",
     "body": "Gig and warehouse workers strike for safety during the pandemic."},
]


def _wave_for(date: str) -> str:
    year = int(date[:4])
    if year < 2000:
        return "early-tech-organizing"
    if year < 2018:
        return ""
    return "techlash" if year < 2020 else "pandemic-strikes"


def sample_records(shared_data: Path, limit: int = 120) -> list[dict[str, Any]]:
    """Records as dicts in the archive's record format."""
    actions = json.loads((shared_data / SOURCE).read_text(encoding="utf-8"))
    actions = sorted(actions, key=lambda a: (a["date"], a["id"]))
    step = max(1, len(actions) // limit)
    chosen = actions[::step][:limit]
    records: list[dict[str, Any]] = [*WAVES]
    records += [
        {"type": "form", "slug": "union", "title": "Union", "body": "A trade union of workers."},
        {"type": "form", "slug": "workers-council", "title": "Workers' council"},
        {"type": "force", "slug": "tech-workers", "title": "Tech workers",
         "determinants": ["occupation: software and hardware workers"]},
        {"type": "force", "slug": "gig-workers", "title": "Gig workers",
         "determinants": ["occupation: drivers and couriers", "employment: gig"]},
        {"type": "place", "slug": "usa", "title": "United States"},
    ]
    seen_places: set[str] = set()
    for action in chosen:
        date = action["date"].replace("/", "-")
        number = action["id"]
        slug = f"cat-{number}"
        places = []
        for location in action.get("locations") or []:
            place = slugify(location)
            places.append(place)
            if place not in seen_places and place:
                seen_places.add(place)
                if place == "usa":
                    continue
                parts = location.split("-")
                records.append({"type": "place", "slug": place, "title": ", ".join(p.title() for p in parts),
                                **({"parent": "usa"} if parts[-1] == "usa" and len(parts) > 1 else {})})
        kinds = ", ".join(action.get("actions") or ["action"])
        companies = action.get("companies") or []
        wave = _wave_for(date)
        struggle = {
            "type": "struggle", "slug": slug,
            "title": f"{kinds.capitalize()} at {companies[0] if companies else 'tech workplaces'} ({date[:4]})",
            "start": date, "body": action["description"][:300], "places": places,
            "tags": action.get("struggles") or [],
            "forces": ["gig-workers" if "gig" in " ".join(action.get("employment_types") or []) else "tech-workers"],
            "organizations": [slugify(c) for c in companies[:2]],
            "outcome": "unknown",
        }
        if wave:
            struggle["waves"] = [wave]
        records.append(struggle)
        for company in companies[:2]:
            records.append({"type": "organization", "slug": slugify(company), "title": company,
                            "form": "union" if "union" in kinds else "workers-council", "founded": date[:4]})
        records.append({
            "type": "account", "slug": f"{slug}-account", "title": f"Account: {struggle['title']}",
            "kind": "report", "date": date, "recorded": "2022", "narrator": "Collective Action in Tech",
            "source": (action.get("sources") or [ATTRIBUTION])[0], "language": "en", "struggles": [slug],
            "places": places, "tags": action.get("tags") or [],
            "body": f"{action['description']}\n\nSource: {ATTRIBUTION}.",
        })
    first, second = _two(records)
    records += [
        {"type": "balance_sheet", "slug": "techlash-balance", "title": "What the techlash won",
         "wave": "techlash", "author": "A rank-and-file organizer", "date": "2020-06",
         "won": "Forced arbitration ended at several firms.", "lost": "Organizers were fired.",
         "limits": ["lost momentum", "repression"], "lessons": ["build committees before walking out"]},
        {"type": "articulation", "slug": "solidarity-one", "title": "Solidarity between two actions",
         "kind": "solidarity", "between": [f"struggle/{first}", f"struggle/{second}"], "start": "1970"},
        {"type": "account", "slug": "dutch-account", "title": "Een staking bij de fabriek", "language": "nl",
         "date": "2019-05", "kind": "testimony", "narrator": "Anoniem", "struggles": [second],
         "body": "De arbeiders legden het werk neer voor betere lonen en veiliger werk."},
        {"type": "account", "slug": XSS_SLUG, "title": "<script>alert('title')</script> XSS attempt",
         "date": "2021-01-01", "struggles": [first], "language": "en",
         "body": ("Hello <script>alert(1)</script> world <img src=x onerror=alert(2)>\n\n"
                  "[click](javascript:alert(3)) <iframe src='https://evil.example'></iframe>\n\n"
                  "![pixel](https://evil.example/p.png)")},
        # Non-public records: none of them may leave a trace, not even through the public ones naming them.
        {"type": "account", "slug": "restricted-account", "title": f"{SECRET_WORDS[0]} account",
         "visibility": "restricted", "date": "2019-02", "struggles": [first, "secret-struggle-private"],
         "body": f"{SECRET_WORDS[0]} body"},
        {"type": "struggle", "slug": "secret-struggle-private", "title": f"{SECRET_WORDS[1]} struggle",
         "visibility": "private", "waves": ["techlash"], "tags": ["secrettagprivate"],
         "body": f"{SECRET_WORDS[1]} body"},
        {"type": "account", "slug": "embargoed-account", "title": f"{SECRET_WORDS[2]} account",
         "embargo_until": "2999-01-01", "struggles": [second], "body": f"{SECRET_WORDS[2]} body"},
        {"type": "account", "slug": "names-unknown-struggle", "title": "An account naming an undescribed struggle",
         "date": "2020-04", "struggles": ["undescribed-struggle"], "body": "It is still to be described."},
    ]
    unique: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:
        unique.setdefault((record["type"], record["slug"]), record)
    return list(unique.values())


def _two(records: list[dict[str, Any]]) -> tuple[str, str]:
    slugs = [r["slug"] for r in records if r["type"] == "struggle"]
    return slugs[0], slugs[-1]


def write_sample(folder: Path, shared_data: Path, limit: int = 120) -> Path:
    """Write the sample as one JSON Lines file in ``folder`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sample.jsonl"
    lines = [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in sample_records(shared_data, limit)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
