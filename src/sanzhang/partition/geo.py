"""Great-circle distances on the WGS84 mean sphere.

Households of one group are at most a few kilometres apart, so the spherical
model (error < 0.5 % against the ellipsoid) is far below the noise of the
coordinates themselves, and haversine stays accurate at short range where the
spherical law of cosines loses digits.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance in metres between two WGS84 points."""
    return float(
        pairwise_m(
            np.array([lon1]), np.array([lat1]), np.array([lon2]), np.array([lat2])
        )[0, 0]
    )


def pairwise_m(
    lon_a: np.ndarray, lat_a: np.ndarray, lon_b: np.ndarray, lat_b: np.ndarray
) -> np.ndarray:
    """Matrix of distances in metres, rows for points a, columns for points b."""
    phi_a = np.radians(lat_a)[:, None]
    phi_b = np.radians(lat_b)[None, :]
    dphi = phi_b - phi_a
    dlam = np.radians(lon_b)[None, :] - np.radians(lon_a)[:, None]
    h = (
        np.sin(dphi / 2.0) ** 2
        + np.cos(phi_a) * np.cos(phi_b) * np.sin(dlam / 2.0) ** 2
    )
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def distance_matrix(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Symmetric distance matrix with an exact zero diagonal."""
    dist = pairwise_m(lon, lat, lon, lat)
    dist = (dist + dist.T) / 2.0  # rounding can make it very slightly asymmetric
    np.fill_diagonal(dist, 0.0)
    return dist


def local_xy_m(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Equirectangular projection around the points' mean, in metres.

    Only used where a planar approximation is enough (spatial indexes,
    drawing, seeding); all reported distances use ``pairwise_m``.
    """
    lat0 = np.radians(float(np.mean(lat))) if len(lat) else 0.0
    x = np.radians(lon - (float(np.mean(lon)) if len(lon) else 0.0)) * np.cos(lat0)
    y = np.radians(lat - (float(np.mean(lat)) if len(lat) else 0.0))
    return np.column_stack([x, y]) * EARTH_RADIUS_M
