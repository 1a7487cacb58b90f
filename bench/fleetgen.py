"""Generated fleets for the scale benchmark: `people` employees with rooms, devices, sites and contacts in
the proportions of the target fleet (8 sites, 600 rooms, 1,200 devices, 8,000 people).

Per 1,000 people: one site (at least one), 75 rooms (one a lobby per site), a shared device per room and as
many personal devices, 50 contacts. Names come from lists of common given and family names, so many people
share a first or last name as in a real company; one in ten is Japanese, written in kanji with a kana
reading. Everything is deterministic: the same size gives the same file.
"""

from __future__ import annotations

from typing import Any

# fmt: off
GIVEN = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Margaret",
    "Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily", "Paul", "Donna", "Joshua", "Michelle",
    "Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie",
    "Ronald", "Rebecca", "Jason", "Sharon", "Edward", "Laura", "Jeffrey", "Cynthia", "Ryan", "Amy", "Jacob",
    "Kathleen",
)
FAMILY = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
    "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez",
    "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart",
    "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson",
    "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks",
    "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez", "Castillo",
    "Sanders", "Patel",
)
# (kanji, kana) family and given names.
JA_FAMILY = (
    ("佐藤", "さとう"), ("鈴木", "すずき"), ("高橋", "たかはし"), ("田中", "たなか"), ("伊藤", "いとう"),
    ("渡辺", "わたなべ"), ("山本", "やまもと"), ("中村", "なかむら"), ("小林", "こばやし"), ("加藤", "かとう"),
    ("吉田", "よしだ"), ("山田", "やまだ"), ("佐々木", "ささき"), ("山口", "やまぐち"), ("松本", "まつもと"),
)
JA_GIVEN = (
    ("健", "けん"), ("翔", "しょう"), ("大輔", "だいすけ"), ("直人", "なおと"), ("陽子", "ようこ"),
    ("美咲", "みさき"), ("花子", "はなこ"), ("太郎", "たろう"), ("結衣", "ゆい"), ("蓮", "れん"),
)
# fmt: on
ZONES = (
    ("Asia/Tokyo", "JP", "+81 3-5555-{:04d}"),
    ("America/New_York", "US", "+1 212-555-{:04d}"),
    ("Europe/London", "GB", "+44 20 7946 {:04d}"),
)


def sizes(people: int) -> dict[str, int]:
    """How many sites, rooms, devices and contacts go with `people` employees."""
    sites = max(1, round(people / 1000))
    rooms = max(sites * 2, round(people * 0.075))
    return {"sites": sites, "rooms": rooms, "devices": rooms * 2, "contacts": max(5, people // 20)}


def _name(n: int) -> tuple[str, str | None]:
    """The n-th person's name and, for a Japanese name, its reading."""
    if n % 10 == 7:
        family, given = JA_FAMILY[(n // 10) % len(JA_FAMILY)], JA_GIVEN[(n // 150) % len(JA_GIVEN)]
        return f"{family[0]} {given[0]}", f"{family[1]} {given[1]}"
    return f"{GIVEN[n % len(GIVEN)]} {FAMILY[(n // len(GIVEN)) % len(FAMILY)]}", None


def fleet_doc(people: int) -> dict[str, Any]:
    """A fleet file for `people` employees (see the module's docstring)."""
    count = sizes(people)
    sites = [
        {
            "id": f"site-{s}",
            "name": f"Office {s}",
            "timezone": ZONES[s % len(ZONES)][0],
            "country": ZONES[s % len(ZONES)][1],
            "reception": f"p{s:05d}",
        }
        for s in range(count["sites"])
    ]
    rooms: list[dict[str, Any]] = []
    for r in range(count["rooms"]):
        site = r % count["sites"]
        lobby = r < count["sites"]
        rooms.append(
            {
                "id": f"lobby-{site}" if lobby else f"room-{r:04d}",
                "site": f"site-{site}",
                "name": f"Lobby {site}" if lobby else f"Room {r}",
                "floor": r % 30,
                "capacity": 4 + r % 9,
                "bookable": not lobby,
                "phone": ZONES[site % len(ZONES)][2].format(r),
            }
        )
    users = []
    for n in range(people):
        name, reading = _name(n)
        user: dict[str, Any] = {
            "id": f"p{n:05d}",
            "site": f"site-{n % count['sites']}",
            "name": name,
            "email": f"p{n:05d}@example.com",
            "phones": {"mobile": f"+1 917-{n // 10000 + 200:03d}-{n % 10000:04d}"},
        }
        if reading:
            user["reading"] = reading
        if n < count["devices"] - count["rooms"]:
            user["alexa_user_ids"] = [f"amzn1.ask.account.P{n:05d}"]
        users.append(user)
    devices = [
        {"id": f"amzn1.ask.device.R{r:04d}", "kind": "shared", "room": room["id"], "skill_group": _group(room)}
        for r, room in enumerate(rooms)
    ]
    devices += [
        {"id": f"amzn1.ask.device.P{n:05d}", "kind": "personal", "user": f"p{n:05d}"}
        for n in range(count["devices"] - count["rooms"])
    ]
    contacts = [
        {
            "id": f"c{n:04d}",
            "name": f"{FAMILY[n % len(FAMILY)]} Supplies {n}",
            "phones": {"office": f"+1 206-555-{n:04d}"},
        }
        for n in range(count["contacts"])
    ]
    return {
        "sites": sites,
        "rooms": rooms,
        "skill_groups": [
            {"id": "meeting-rooms", "features": ["booking", "calling", "join-meeting"]},
            {"id": "lobby", "features": ["reception", "calling"]},
        ],
        "devices": devices,
        "users": users,
        "contacts": contacts,
        "calling": {"shared_may_call": ["employees", "contacts"], "allowed_countries": ["JP", "US", "GB"]},
    }


def _office(n: int) -> str:
    return f"+1 206-555-{n:04d}"


def _group(room: dict[str, Any]) -> str:
    return "meeting-rooms" if room["bookable"] else "lobby"


def room_device(doc: dict[str, Any], site: int = 0) -> tuple[str, str]:
    """A meeting room of `site` and its device's id."""
    for r, room in enumerate(doc["rooms"]):
        if room["bookable"] and room["site"] == f"site-{site}":
            return room["id"], f"amzn1.ask.device.R{r:04d}"
    raise ValueError(f"site-{site} has no meeting room")
