"""Write the demo records in archive/demo_data/ from the Collective Action in Tech data set.

The source is public domain (the Unlicense): JS Tan, Nataliya Nedzhvetskaya, "Collective Action in Tech",
github.com/collective-action/tech, commit b79996c. This script picks a curated subset of its actions
(``SELECTED``) and converts them into Living Archive records, in several file formats:

- ``1-places.csv``: places with their parents (city, region, country) and coordinates;
- ``2-forms-forces-organizations.jsonl``: organizational forms, social forces, organizations named in the data;
- ``3-waves.yaml``: waves, editorial groupings supported by the dates;
- ``4-struggles.yaml``: one struggle per action;
- ``5-accounts/*.md``: one account per action (Markdown with YAML front matter); the body is the data set's
  description, the source its cited URLs;
- ``6-articulations-and-balance-sheets.yaml``: clearly labelled as the demo editors' work.

The numbers order the files so that every record is ingested before the records that refer to it.

Run it from the repository root; it replaces what is in archive/demo_data/::

    python tools/make_demo_data.py [--source PATH/actions.json]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from archive.ingest.records import make_slug

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "archive" / "demo_data"
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "collective_action_in_tech" / "actions.json"

NARRATOR = "Collective Action in Tech contributors"
EDITORS = "Living Archive demo editors"
EDITED = "2026-11-27"
ATTRIBUTION = ('JS Tan, Nataliya Nedzhvetskaya, "Collective Action in Tech", github.com/collective-action/tech, '
               "commit b79996c (2023-11-30), The Unlicense (public domain)")

# The curated subset: about 60 actions from 1969 to 2022, of every kind (strikes, walkouts, union drives,
# union recognition, open letters, legal action, gig-worker strikes), in many countries.
SELECTED = [
    # 1969-2012: the first computer workers' organizing, dot-com union drives, factory strikes
    382, 314, 313, 322, 323, 1, 3, 386, 6, 7, 8, 10, 11, 12, 13, 17, 24,
    # 2013-2017: Amazon strikes in Germany, the first gig-worker protests
    26, 27, 29, 30, 32, 33, 35, 54, 58, 63,
    # 2018-2019: the tech worker revolt
    78, 85, 89, 93, 103, 105, 106, 116, 120, 121, 122, 125, 127, 135, 140, 154, 163, 191, 203,
    # 2020-2022: pandemic actions, gig-worker strikes, new unions
    237, 247, 249, 261, 265, 294, 306, 329, 364, 378, 410, 428, 453, 465, 475, 488, 489, 509, 514, 543, 552,
]

# Titles written by the editors for the best-known actions; the others are made by ``struggle_title``.
TITLES = {
    382: "Computer People for Peace against the Vietnam War",
    314: "National Black Workers Alliance of IBM",
    313: "Polaroid Revolutionary Workers Movement boycott",
    322: "Committee to Plan a Computer Union",
    1: "IBM: Speak Up! against apartheid South Africa",
    3: "Computer professionals' petition against Star Wars",
    7: "CWA's Alliance@IBM union drive",
    11: "IBM pension age discrimination class action",
    85: "Google workers against Project Maven",
    103: "Google Walkout for Real Change",
    135: "Google May Day sit-in against retaliation",
    364: "Make Amazon Pay Black Friday walkouts",
    378: "Alphabet Workers Union goes public",
    488: "Google Walkout for Real Change letter in solidarity with Netflix trans workers",
}

COMPANY_NAMES = {
    "ibm": "IBM", "at&t": "AT&T", "didi": "DiDi", "doordash": "DoorDash", "ele.me": "Ele.me",
    "lg": "LG", "hp": "HP", "ifood": "iFood", "npm": "npm", "smith-corona-marchant": "Smith-Corona-Marchant",
}

# Spelling corrections for place names in the source.
PLACE_FIXES = {"shenzen": "shenzhen", "rio de janiero": "rio de janeiro", "philadephia": "philadelphia",
               "englad": "england"}
PLACE_NAMES = {
    "usa": "United States", "uk": "United Kingdom", "washington_dc": "Washington, D.C.",
    "new york city": "New York City", "rio de janeiro": "Rio de Janeiro",
}
NOT_PLACES = {"worldwide", "online", "na"}

# Organizational forms: slug -> (title, description).
FORMS = {
    "union": ("Union", "A trade union: workers organized to bargain with an employer, and to strike."),
    "solidarity-union": ("Solidarity (minority) union",
                         "A union that organizes and acts before, or without, legal recognition as bargaining "
                         "agent, open to every worker at a company whatever their contract."),
    "rank-and-file-caucus": ("Rank-and-file caucus or committee",
                             "Workers organizing from the shop floor in a committee they run themselves, "
                             "independent of, or inside, an official union."),
    "worker-network": ("Worker network",
                       "A cross-company network of workers and allies that organizes actions, letters and "
                       "campaigns without being a bargaining union."),
    "employee-caucus": ("Identity caucus of employees",
                        "Employees of one company organized around a shared identity (race, gender, sexuality) "
                        "to fight discrimination inside the company and its dealings outside."),
    "professional-association": ("Association of professionals",
                                 "Computing professionals organized around the ethics and politics of their "
                                 "work."),
    "drivers-association": ("Drivers' and couriers' association",
                            "Platform drivers or couriers organized in an association or independent union of "
                            "their own."),
}

# Organizations named in the data: slug -> (name, form, pattern in description or tags, founded).
ORGANIZATIONS: dict[str, tuple[str, str, str, str | None]] = {
    "communications-workers-of-america": (
        "Communications Workers of America (CWA)", "union",
        r"\bCWA\b|Communications? Workers of America|tag:cwa", None),
    "code-cwa": ("CODE-CWA (Campaign to Organize Digital Employees)", "union", r"CODE-CWA", "2020-01"),
    "washtech": ("Washington Alliance of Technology Workers (WashTech)", "union",
                 r"WashTech|Washington Alliance of Technology Workers|tag:washtech", None),
    "alliance-at-ibm": ("Alliance@IBM", "union", r"Alliance ?@ ?IBM", "1999"),
    "alphabet-workers-union": ("Alphabet Workers Union (AWU)", "solidarity-union",
                               r"Alphabet Workers Union|\bAWU\b", "2021-01"),
    "verdi": ("ver.di (United Services Union, Germany)", "union", r"\bVerdi\b|ver\.di", "2001"),
    "iwgb": ("Independent Workers' Union of Great Britain (IWGB)", "union", r"\bIWGB\b", "2012"),
    "united-electrical-workers": ("United Electrical Workers (UE)", "union", r"United Electrical Workers", None),
    "kickstarter-united": ("Kickstarter United", "union", r"Kickstarter United", "2019"),
    "sira-apps": ("Sindicato Independiente de Repartidores en Aplicaciones (SIRA APPS)", "drivers-association",
                  r"SIRA APPS", "2019-03"),
    "digital-taxi-forum": ("Digital Taxi Forum", "drivers-association", r"Digital Taxi Forum", None),
    "amazonians-united": ("Amazonians United", "rank-and-file-caucus", r"Amazonians United|DCH1", None),
    "gorillas-workers-collective": ("Gorillas Workers Collective", "rank-and-file-caucus",
                                    r"Gorillas Workers Collective", "2021"),
    "tech-workers-coalition": ("Tech Workers Coalition", "worker-network",
                               r"Tech Workers Coalition|tag:twc", "2014"),
    "gig-workers-collective": ("Gig Workers Collective", "worker-network", r"Gig Workers Collective", None),
    "google-walkout-for-real-change": ("Google Walkout for Real Change", "worker-network",
                                       r"Google Walkout for Real Change|walked out of the companies's offices",
                                       "2018-11"),
    "computer-people-for-peace": ("Computer People for Peace", "worker-network", r"Computer People for Peace",
                                  "1968"),
    "computer-professionals-for-social-responsibility": (
        "Computer Professionals for Social Responsibility (CPSR)", "professional-association",
        r"Computer Professionals for Social Responsibility", "1981"),
    "national-black-workers-alliance-of-ibm": ("National Black Workers Alliance of IBM (BWA)", "employee-caucus",
                                               r"National Black Workers Alliance", "1970"),
    "polaroid-revolutionary-workers-movement": ("Polaroid Revolutionary Workers Movement (PRWM)",
                                                "employee-caucus", r"Polaroid Revolutionary Workers Movement",
                                                "1970"),
    "ibm-speak-up": ("IBM: Speak Up!", "employee-caucus", r"IBM: Speak Up!", "1979"),
    "committee-to-plan-a-computer-union": ("Committee to Plan a Computer Union", "rank-and-file-caucus",
                                           r"Committee to Plan a Computer Union", "1970"),
    "trans-netflix-employee-resource-group": ("Trans Netflix employee resource group", "employee-caucus",
                                              r"trans employee resource group|Trans Netflix employee", None),
}

# Social forces: slug -> (title, determinants, description).
FORCES = {
    "white-collar-tech-workers": (
        "White-collar tech workers",
        ["occupation: software engineers, designers, researchers and other office staff",
         "employment: in-house, salaried", "sector: information technology"],
        "Salaried office workers of tech companies, who from 2018 turned against their employers' contracts, "
        "their treatment of colleagues and their politics."),
    "tech-contract-workers": (
        "Tech contract and temporary workers",
        ["employment: contractors, temps and vendors (TVCs)", "sector: information technology"],
        "Workers hired through agencies and vendors who work beside a company's own staff for less pay and "
        "fewer benefits."),
    "warehouse-and-logistics-workers": (
        "Warehouse and logistics workers",
        ["occupation: warehouse pickers, packers, sorters and drivers", "employment: blue collar",
         "sector: online retail and logistics"],
        "The people who move the goods of online retail, above all in Amazon's fulfilment centres."),
    "electronics-factory-workers": (
        "Electronics factory workers",
        ["occupation: assembly and production workers", "employment: blue collar",
         "geography: China, Mexico, Silicon Valley"],
        "The workers who build the hardware, from Silicon Valley circuit-board shops to the Foxconn plants."),
    "gig-drivers": (
        "Ride-hail drivers",
        ["occupation: ride-hail and taxi-app drivers", "employment: gig work, classed as independent contractors"],
        "Drivers for Uber, Lyft, DiDi, Bolt and other apps, paid per trip by algorithm."),
    "gig-couriers": (
        "Delivery couriers and shoppers",
        ["occupation: food and grocery delivery riders, shoppers", "employment: gig work, often classed as "
         "self-employed", "age: mostly young", "geography: cities worldwide"],
        "Riders and shoppers for Deliveroo, Instacart, Meituan, Gorillas and other delivery platforms."),
    "black-tech-workers": (
        "Black tech workers",
        ["race: Black", "occupation: technical and office staff", "sector: information technology"],
        "Black workers who organized inside tech companies against discrimination at work and against their "
        "employers' business with apartheid South Africa."),
    "migrant-tech-workers": (
        "Migrant tech workers",
        ["migration: visa holders (H-1B)", "occupation: engineers and programmers"],
        "Foreign tech workers whose right to stay depends on their employer's visa."),
}

DRIVER_COMPANIES = {"uber", "lyft", "didi", "bolt", "little_cab"}

# Waves: editorial groupings by the demo editors, supported by the dates of the actions in the data set.
WAVES = [
    ("first-computer-workers-organizing-1969-1973", "The first computer workers' organizing, 1969-1973",
     "1969", "1973", ("1969", "1973")),
    ("tech-worker-revolt-2018-2019", "The tech worker revolt, 2018-2019", "2018", "2019", ("2018", "2019")),
    ("pandemic-actions-2020-2021", "Pandemic-era actions, 2020-2021", "2020-03", "2021-12", ("2020", "2021")),
]

# Articulations that the descriptions support: (id, id, kind, title).
ARTICULATIONS = [
    (27, 32, "common target", "Common target: Amazon, in the German warehouse strikes of 2013"),
    (103, 135, "common target", "Common target: Google, from the 2018 walkout to the 2019 sit-in"),
    (122, 163, "common target", "Common target: Uber and Lyft, drivers' actions in California in 2019"),
    (29, 30, "solidarity", "Students' Amazon Solidarity Alliance with the Leipzig strikers"),
    (488, 489, "solidarity", "Google Walkout for Real Change in solidarity with the Netflix walkout"),
]

# Balance sheets, only where the description itself states the outcome; every quote is checked.
BALANCE_SHEETS: dict[int, dict[str, Any]] = {
    322: {"lost": "While the plans were not realized, it is one of the first known attempts at unionizing in "
                  "the computer technology industry."},
    323: {"lost": "The ultimately gained enough votes to continue forward with an NLRB election before losing "
                  "momentum due to anti-unionizing efforts from company management.",
          "limits": ["lost momentum", "repression: anti-union efforts by management"]},
    11: {"won": "The company paid $320 million to settle with 15,000 employees.",
         "lost": "A federal judge ruled in favor of employees but the company launched an appeals process that "
                 "dragged on until 2006 when they officially froze pension plans."},
    10: {"lost": "The company ultimately did shut down in mid-February 2001, due to  failure to secure "
                 "additional venture capital funding.",
         "limits": ["repression: organizers fired, threats to close the company"]},
    33: {"lost": "ultimately voted against it, 21-6, after pressure from management and anti-union consultants.",
         "limits": ["repression: pressure from management and anti-union consultants"]},
    93: {"won": "The strike lasted 9 days, ending after Uber signed an agreement to ensure better pricing for "
                "drivers and improve welfare on the job."},
    247: {"won": "Amazonians United, a group of Amazon employee advocates around the US, won paid time off for "
                 "part-time logistics workers in the midst the coronavirus pandemic."},
    543: {"won": "10 Google Fiber workers who are contractors for BDS Connected Solutions have unionized with "
                 "the AWU through a majority vote."},
}

# Two records that show privacy: one private, one embargoed (the source itself is public).
PRIVATE = {125: "Marked private by the demo editors to show that private records never reach the published "
                "site; the source is public."}
EMBARGOED = {475: ("2030-01-01", "Embargoed by the demo editors until 2030 to show how an embargo works; the "
                                 "source is public.")}


# The files, named so that ingest (which goes in name order) meets every record before a reference to it.
FILES = {
    "places": "1-places.csv",
    "organizations": "2-forms-forces-organizations.jsonl",
    "waves": "3-waves.yaml",
    "struggles": "4-struggles.yaml",
    "accounts": "5-accounts",
    "editorial": "6-articulations-and-balance-sheets.yaml",
}


def slugify(text: str) -> str:
    """The archive's own slugs, so that references written here resolve exactly."""
    return make_slug(text.replace("&", " and ").replace("'", ""))


def pretty_company(name: str) -> str:
    return COMPANY_NAMES.get(name.lower(), name.replace("_", " ").title() if name.islower() else name)


def pretty_place(part: str) -> str:
    return PLACE_NAMES.get(part, part.replace("_", " ").title())


def place_parts(location: str) -> list[str] | None:
    """'leipzig-germany' -> ['leipzig', 'germany'], corrected; None for 'worldwide' and 'online'."""
    parts = [p.strip() for p in location.split("-") if p.strip()]
    parts = [PLACE_FIXES.get(p, p) for p in parts]
    if not parts or parts[-1] in NOT_PLACES:
        return None
    return parts


def place_slug(parts: list[str]) -> str:
    return slugify("-".join(parts))


def kind_of_action(action: dict) -> str:
    kinds = action["actions"] or []
    text = action["description"].lower()
    if "strike" in kinds:
        return "Walkout" if "walk" in text else "Strike"
    if "union representation" in kinds:
        return "Union recognition"
    if "union drive" in kinds:
        return "Union drive"
    if "open letter" in kinds:
        return "Open letter"
    if "legal action" in kinds:
        return "Legal action"
    if "protest" in kinds:
        return "Protest"
    return "Organizing"


# Lineage between the organizations above, as public record has it: CWA launched its Campaign to Organize
# Digital Employees in January 2020, and the Alphabet Workers Union was founded with it in January 2021.
LINEAGE: dict[str, dict[str, list[str]]] = {
    "code-cwa": {"grew_out_of": ["communications-workers-of-america (2020-01)"]},
    "alphabet-workers-union": {"grew_out_of": ["code-cwa (2021-01)"]},
}

# Demands as each action's description states them, worded alike where two struggles asked the same
# thing, so that the demands page can show them recurring. An outcome is given only where the description
# states it; otherwise none is recorded.
DEMANDS: dict[int, list[str]] = {
    314: ["Equal pay for Black employees", "Better opportunities for promotion for Black employees"],
    30: ["Wages set by the industry's collective agreement"],
    85: ["Cancel the Project Maven contract with the Pentagon"],
    89: ["End contracts with Immigration and Customs Enforcement"],
    106: ["Better pay"],
    120: ["Legal recognition of the union", "Accident insurance for delivery workers"],
    121: ["Recognition of the union"],
    154: ["End contracts with Immigration and Customs Enforcement"],
    163: ["Negotiations over working conditions"],
    237: ["Recognition of the union (won)"],
    247: ["Paid time off for part-time workers (won)", "Better pay (partly won)"],
    294: ["Safe working conditions in the pandemic", "Better pay"],
    410: ["Recognition of the union (won)"],
    509: ["Recognition of the union", "Better pay", "Safe working conditions in the pandemic"],
    514: ["Better pay", "Safe working conditions in the pandemic"],
    552: ["Better pay", "Time off for religious holidays"],
}


def struggle_title(action: dict) -> str:
    if action["id"] in TITLES:
        return TITLES[action["id"]]
    title = kind_of_action(action)
    companies = [pretty_company(c) for c in action["companies"] or []]
    if companies:
        title += " at " + (" and ".join(companies[:2]) + (" and others" if len(companies) > 2 else ""))
    places = [p for p in (place_parts(loc) for loc in action["locations"] or []) if p]
    if len(places) == 1:
        title += ", " + pretty_place(places[0][0])
    elif len(places) > 1:
        title += f", {pretty_place(places[0][0])} and elsewhere"
    year, month = action["date"][:4], int(action["date"][5:7])
    months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December"]
    return f"{title}, {months[month - 1]} {year}"


def account_title(description: str) -> str:
    first = re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", description.strip(), maxsplit=1)[0].strip()
    if len(first) <= 110:
        return first.rstrip(".")
    cut = first[:110].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def date_of(action: dict) -> str:
    return action["date"].replace("/", "-")


def tag_list(action: dict) -> list[str]:
    tags = [g for g in action["struggles"] or []]
    tags += [t.replace("_", " ") for t in action["tags"] or [] if t not in ("na", "None")]
    return list(dict.fromkeys(t.strip().lower() for t in tags if t.strip()))


def organizations_in(action: dict) -> list[str]:
    text = action["description"]
    tags = {t.replace(" ", "_") for t in action["tags"] or []}
    found = []
    for slug, (_, _, pattern, _) in ORGANIZATIONS.items():
        for alternative in pattern.split("|"):
            if alternative.startswith("tag:"):
                hit = alternative[4:] in tags
            else:
                hit = re.search(alternative, text) is not None
            if hit:
                found.append(slug)
                break
    if "code-cwa" in found or "washtech" in found or "alliance-at-ibm" in found:
        found = [s for s in found if s != "communications-workers-of-america"] + ["communications-workers-of-america"]
    return found


def forces_of(action: dict) -> list[str]:
    types = set(action["employment_types"] or [])
    companies = {c.lower() for c in action["companies"] or []}
    tags = {t.replace(" ", "_") for t in action["tags"] or []}
    text = action["description"].lower()
    forces = []
    if "gig workers" in types:
        if companies & DRIVER_COMPANIES and "deliver" not in text:
            forces.append("gig-drivers")
        else:
            forces.append("gig-couriers")
    if "white collar workers" in types:
        forces.append("white-collar-tech-workers")
    if "contract workers" in types or "contractor" in text:
        forces.append("tech-contract-workers")
    if "blue collar workers" in types:
        if "amazon" in companies and ("warehouse" in text or "facilit" in text):
            forces.append("warehouse-and-logistics-workers")
        elif companies & {"foxconn", "lg", "lexmark", "versatronex", "smith-corona-marchant", "nokia"}:
            forces.append("electronics-factory-workers")
        elif "amazon" in companies:
            forces.append("warehouse-and-logistics-workers")
    if "antiracism" in tags and action["date"] < "1980":
        forces.append("black-tech-workers")
    if "immigration" in tags and "h1b" in text.replace("-", ""):
        forces.append("migrant-tech-workers")
    return list(dict.fromkeys(forces))


def waves_of(action: dict) -> list[str]:
    date = date_of(action)
    return [slug for slug, _, start, end, _ in WAVES if date[: len(start)] >= start and date[: len(end)] <= end]


def dump_yaml(records: list[dict], header: str) -> str:
    return header + yaml.safe_dump(records, sort_keys=False, allow_unicode=True, width=110)


# Records say their visibility: an archive's default is restricted (privacy by default).
PUBLIC = "public"


def build(actions_by_id: dict[int, dict], out: Path) -> dict[str, int]:
    selected = [actions_by_id[i] for i in SELECTED]
    selected.sort(key=lambda a: (a["date"], a["id"]))
    extra_ids = {b for _, b, _, _ in ARTICULATIONS if b not in SELECTED} | {
        a for a, _, _, _ in ARTICULATIONS if a not in SELECTED}
    if extra_ids:
        raise SystemExit(f"articulations name actions that are not selected: {sorted(extra_ids)}")

    if out.exists():
        shutil.rmtree(out)
    (out / FILES["accounts"]).mkdir(parents=True)

    places: dict[str, dict[str, Any]] = {}
    struggles: list[dict[str, Any]] = []
    slugs: dict[int, str] = {}
    used_forms: set[str] = set()
    used_orgs: dict[str, list[str]] = {}
    used_forces: set[str] = set()

    for action in selected:
        title = struggle_title(action)
        slug = slugify(title)
        if slug in slugs.values():
            slug = f"{slug}-{action['id']}"
        slugs[action["id"]] = slug

        place_slugs = []
        locations = action["locations"] or []
        latlngs = action["latlngs"] or []
        addresses = action["addresses"] or []
        for index, location in enumerate(locations):
            parts = place_parts(location)
            if not parts:
                continue
            for depth in range(len(parts) - 1, -1, -1):
                node = parts[depth:]
                key = place_slug(node)
                if key not in places:
                    places[key] = {"type": "place", "slug": key, "title": pretty_place(node[0]), "visibility": PUBLIC,
                                   "parent": place_slug(node[1:]) if len(node) > 1 else "", "lat": "", "lon": ""}
            key = place_slug(parts)
            place_slugs.append(key)
            # Coordinates only for a city whose geocoded address names it (the data set geocodes companies).
            aligned = len(latlngs) == len(locations) == len(addresses)
            named = aligned and parts[0].lower() in addresses[index].lower()
            if named and len(parts) > 1 and not places[key]["lat"]:
                lat, lon = latlngs[index]
                places[key]["lat"], places[key]["lon"] = f"{lat:.5f}", f"{lon:.5f}"

        organizations = organizations_in(action)
        for org in organizations:
            used_orgs.setdefault(org, []).append(slug)
            used_forms.add(ORGANIZATIONS[org][1])
        forces = forces_of(action)
        used_forces.update(forces)
        struggle: dict[str, Any] = {
            "type": "struggle",
            "slug": slug,
            "title": title,
            "visibility": PUBLIC,
            "start": date_of(action),
            "places": place_slugs,
            "tags": tag_list(action),
            "waves": waves_of(action),
            "forces": forces,
            "organizations": organizations,
            "forms": list(dict.fromkeys(ORGANIZATIONS[o][1] for o in organizations)),
            "actions": action["actions"] or [],
            "companies": [pretty_company(c) for c in action["companies"] or []],
            "workers": action["workers"],
            "cait_id": action["id"],
        }
        struggle["demands"] = DEMANDS.get(action["id"], [])
        sheet = BALANCE_SHEETS.get(action["id"])
        if sheet:
            struggle["outcome"] = sheet.get("won") or sheet.get("lost")
        struggles.append({k: v for k, v in struggle.items() if v not in (None, [], "")})

        account: dict[str, Any] = {
            "type": "account",
            "slug": f"{slug}-report",
            "title": account_title(action["description"]),
            "visibility": PUBLIC,
            "kind": "report",
            "date": date_of(action),
            "narrator": NARRATOR,
            "source": " ; ".join(action["sources"] or []),
            "language": "en",
            "struggles": [slug],
            "places": place_slugs,
            "contributors": action["author"] or [],
            "cait_id": action["id"],
        }
        if action["id"] in PRIVATE:
            account["visibility"] = "private"
            account["editor_note"] = PRIVATE[action["id"]]
        if action["id"] in EMBARGOED:
            account["embargo_until"], account["editor_note"] = EMBARGOED[action["id"]]
        account = {k: v for k, v in account.items() if v not in (None, [], "")}
        front = yaml.safe_dump(account, sort_keys=False, allow_unicode=True, width=110)
        body = action["description"].strip() + "\n"
        (out / FILES["accounts"] / f"{slug}.md").write_text(f"---\n{front}---\n{body}", encoding="utf-8")

    # Places (CSV).
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["type", "slug", "title", "visibility", "parent", "lat", "lon"],
                            lineterminator="\n")
    writer.writeheader()
    for key in sorted(places, key=lambda k: (k.count("-"), k)):
        writer.writerow(places[key])
    (out / FILES["places"]).write_text(buffer.getvalue(), encoding="utf-8")

    # Struggles (YAML).
    (out / FILES["struggles"]).write_text(dump_yaml(
        struggles, f"# One struggle per action of Collective Action in Tech (public domain).\n"
                   f"# Source: {ATTRIBUTION}.\n# Made by tools/make_demo_data.py; titles are the demo editors'.\n"
                   "# The source records start dates only, so no struggle has an end date.\n"),
        encoding="utf-8")

    # Forms, organizations and forces (JSON Lines).
    lines = []
    for slug in sorted(used_forms):
        title, body = FORMS[slug]
        lines.append({"type": "form", "slug": slug, "title": title, "visibility": PUBLIC, "body": body})
    for slug in sorted(used_forces):
        title, determinants, body = FORCES[slug]
        lines.append({"type": "force", "slug": slug, "title": title, "visibility": PUBLIC,
                      "determinants": determinants, "body": body})
    for slug in sorted(used_orgs):
        name, form, _, founded = ORGANIZATIONS[slug]
        lines.append({k: v for k, v in {
            "type": "organization", "slug": slug, "title": name, "visibility": PUBLIC, "form": form,
            "founded": founded,
            **LINEAGE.get(slug, {})}.items() if v})
    (out / FILES["organizations"]).write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")

    # Waves, articulations and balance sheets (YAML): the editors' work.
    all_years = Counter(a["date"][:4] for a in actions_by_id.values())
    waves: list[dict[str, Any]] = []
    for slug, title, start, end, (first, last) in WAVES:
        inside = sum(1 for a in actions_by_id.values() if start <= date_of(a)[: len(start)]
                     and date_of(a)[: len(end)] <= end)
        span = int(last) - int(first) + 1
        before = sum(n for y, n in all_years.items() if int(first) - span <= int(y) < int(first))
        members = sum(1 for s in struggles if slug in s.get("waves", []))
        waves.append({
            "type": "wave", "slug": slug, "title": title, "visibility": PUBLIC, "start": start, "end": end,
            "body": (f"An editorial grouping by the {EDITORS}, not part of the source data set. Collective "
                     f"Action in Tech records {inside} actions from {start} to {end} (of "
                     f"{len(actions_by_id)} in all), against {before} in the {span} years before; "
                     f"{members} of them are in this demo."),
            "author": EDITORS,
        })
    (out / FILES["waves"]).write_text(dump_yaml(
        waves, f"# Waves: editorial groupings by the {EDITORS}, supported by the dates of the actions.\n"
               f"# Source of the dates: {ATTRIBUTION}.\n"), encoding="utf-8")
    editorial: list[dict[str, Any]] = []
    by_id = {a["id"]: a for a in selected}
    for first, second, kind, title in ARTICULATIONS:
        dates = sorted([date_of(by_id[first]), date_of(by_id[second])])
        editorial.append({
            "type": "articulation", "slug": slugify(title), "title": title, "visibility": PUBLIC, "kind": kind,
            "between": [f"struggle/{slugs[first]}", f"struggle/{slugs[second]}"],
            "start": dates[0], "end": dates[1],
            "body": f"Drawn by the {EDITORS} from the two descriptions in Collective Action in Tech.",
        })
    for action_id, findings in BALANCE_SHEETS.items():
        description = actions_by_id[action_id]["description"]
        for key in ("won", "lost"):
            if key in findings and findings[key] not in description:
                raise SystemExit(f"balance sheet for action {action_id}: {key!r} is not a quote of the description")
        quotes = "\n".join(f"> {findings[k]}" for k in ("won", "lost") if k in findings)
        sheet = {
            "type": "balance_sheet", "slug": f"{slugs[action_id]}-balance-sheet",
            "title": f"Outcome of: {struggle_title(actions_by_id[action_id])}", "visibility": PUBLIC,
            "struggle": slugs[action_id], "author": EDITORS, "date": EDITED,
            **{k: findings[k] for k in ("won", "lost", "limits") if k in findings},
            "body": f"What the Collective Action in Tech description states about the outcome:\n\n{quotes}\n",
        }
        editorial.append(sheet)
    (out / FILES["editorial"]).write_text(dump_yaml(
        editorial, f"# Articulations and balance sheets written by the {EDITORS}.\n"
                   "# They are editorial groupings and readings, not part of the source data set; balance sheets\n"
                   "# only quote outcomes that the source's own description states.\n"
                   f"# Source: {ATTRIBUTION}.\n"), encoding="utf-8")

    (out / "README").write_text(README.format(attribution=ATTRIBUTION, count=len(selected)), encoding="utf-8")
    return {"actions": len(selected), "places": len(places), "organizations": len(used_orgs),
            "forms": len(used_forms), "forces": len(used_forces), "waves": len(WAVES),
            "articulations": len(ARTICULATIONS), "balance_sheets": len(BALANCE_SHEETS)}


README = """Living Archive demo records
===========================

These records are a curated subset ({count} actions, 1969-2022) of:

  {attribution}

  "Collective Action in Tech" by JS Tan and Nataliya Nedzhvetskaya, with descriptions written by the
  project's contributors citing news sources. Released under The Unlicense (public-domain dedication):
  https://github.com/collective-action/tech

They were converted by tools/make_demo_data.py. Each account's body is the data set's description of one
action, its `source` the URLs the data set cites, its narrator "Collective Action in Tech contributors".
Struggle titles, waves, articulations and balance sheets are the work of the Living Archive demo editors,
labelled as such; the balance sheets only quote outcomes that the descriptions state. Two accounts are
marked private or embargoed by the editors only to show how privacy works; their sources are public.

This file has no suffix, so `archive ingest` and `archive demo` skip it.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the data set's actions.json")
    parser.add_argument("--out", type=Path, default=OUT, help="the folder to write (it is replaced)")
    args = parser.parse_args()
    actions = {a["id"]: a for a in json.loads(args.source.read_text(encoding="utf-8"))}
    counts = build(actions, args.out)
    print(", ".join(f"{n} {what}" for what, n in counts.items()), f"written to {args.out}")


if __name__ == "__main__":
    main()
