"""The built-in Kazakh monitoring network (``openndc ... --inventory kz``).

Facts (coordinates [deg], elevations [m], channels, sample rates [Hz], array offsets [km])
are written here as data, each block with its source:

* IMS stations PS23 Makanchi (MKAR), AS057 Borovoye (BVAR), AS058 Kurchatov (KURK),
  AS059 Aktyubinsk (AKTO) and IS31 Aktyubinsk infrasound (I31KZ): the IMS CSS3.0 tables
  ``site``/``sitechan``/``sensor``/``instrument`` in SNL-GMS/GMS-PI7-OPEN @
  4c5f2a33a45566b12897bcdc129609c9e6b95442 (gms-common/config/station-reference/data/
  ueb_test.*; the same tables as ``shared/data/ims_site_tables``). High confidence.
  Elevations there are in km, here in m; dnorth/deast are the tables' offsets from the
  array reference (``ar``) row.
* II.KURK, II.BRVK, IU.MAKZ: USGS station pages (usgs/earthquake-website,
  src/htdocs/monitoring/operations/stations/{II/KURK,II/BRVK,IU/MAKZ}/index.json).
  II.KURK and the IMS KURK array are different sites ~12 km apart. Their channel sets are
  not in that source: the standard GSN set (BHZ/BH1/BH2 at 40 Hz, LHZ/LH1/LH2 at 1 Hz) is
  assumed.
* Karatau (KKAR) and Akbulak (ABKAR) arrays: the Kazakh NDC's web pages (kndc.kz,
  "Karatau KKAR seismic array", "ABKAR"), only partly readable: medium/low confidence.
  KK06 (longitude missing), KK07-KK09 and AB06-AB09 are unknown and left out; KK02 and
  KK31 (and AB01 and AB31) share coordinates on those pages (copy error or co-located).
  Channel codes are inferred from the MKAR design (SHZ on the vertical elements, BHZ/BHN/BHE
  on the 3-C site), 40 Hz (AIM24S digitizers, 40 sps per channel).

Network codes: ``KZ`` for the national and IMS arrays and stations is **not confirmed**
(the IMS data are also distributed as ``IM``); ``II``/``IU`` for the global stations.

Not included for lack of coordinates: the KURIS (Kurchatov) and Makanchi infrasound arrays,
the Borovoye large-aperture array sites (VOS, CHK, ZRN, BRV) and the other national
stations. The built-in network has 96 channels (the NDC processes about 132).
"""

from __future__ import annotations

from functools import cache

from openndc.inventory.arrays import build_array
from openndc.model.inventory import Array, ChannelInfo, MonitoringNetwork, Station

__all__ = ["KZ_NETWORK_CODE", "kazakh_network"]

KZ_NETWORK_CODE = "KZ"
"""Network code used for the Kazakh national and IMS stations (not confirmed, see above)."""

# Channel sets: (code, sample rate [Hz], azimuth [deg] or None, dip [deg] or None).
# CSS3.0 hang/vang converted: dip = vang - 90 (vertical: vang 0 -> dip -90).
_SHZ = (("SHZ", 40.0, 0.0, -90.0),)
_BHZ = (("BHZ", 40.0, 0.0, -90.0),)
_BH_ZNE = (("BHZ", 40.0, 0.0, -90.0), ("BHN", 40.0, 0.0, 0.0), ("BHE", 40.0, 90.0, 0.0))
_BDF = (("BDF", 20.0, None, None),)
_GSN = (
    ("BHZ", 40.0, 0.0, -90.0), ("BH1", 40.0, None, 0.0), ("BH2", 40.0, None, 0.0),
    ("LHZ", 1.0, 0.0, -90.0), ("LH1", 1.0, None, 0.0), ("LH2", 1.0, None, 0.0),
)  # fmt: skip

_Chan = tuple[str, float, float | None, float | None]
# (station, lat [deg], lon [deg], elevation [m], dnorth [km], deast [km], channels)
_Site = tuple[str, float, float, float, float | None, float | None, tuple[_Chan, ...]]

# --- IMS PS23 Makanchi array MKAR (IMS CSS3.0 site/sitechan, SNL-GMS @ 4c5f2a33) ---------
# Reference point ('ar' row MKAR) = MK31. MK32 (3-C, closed 2011-08-08, offdate 2011220)
# is left out. MK31 BHN/BHE: hang 0/90, vang 90 (sitechan chanid 2555/2556).
_MKAR_REF = (46.79368, 82.29057, 618.0)
_MKAR: tuple[_Site, ...] = (
    ("MK01", 46.76897, 82.30066, 608.0, -2.749, 0.771, _SHZ),
    ("MK02", 46.77007, 82.30857, 636.0, -2.626, 1.376, _SHZ),
    ("MK03", 46.76580, 82.30127, 629.0, -3.101, 0.818, _SHZ),
    ("MK04", 46.77136, 82.29518, 598.0, -2.484, 0.353, _SHZ),
    ("MK05", 46.79395, 82.29110, 605.0, 0.030, 0.041, _SHZ),
    ("MK06", 46.77497, 82.31317, 643.0, -2.081, 1.727, _SHZ),
    ("MK07", 46.75343, 82.31566, 640.0, -4.477, 1.919, _SHZ),
    ("MK08", 46.75531, 82.28285, 621.0, -4.268, -0.590, _SHZ),
    ("MK09", 46.77453, 82.27650, 577.0, -2.131, -1.075, _SHZ),
    ("MK31", 46.79368, 82.29057, 618.0, 0.000, 0.000, _BH_ZNE),
)

# --- IMS AS057 Borovoye array BVAR (IMS CSS3.0 site/sitechan, SNL-GMS @ 4c5f2a33) -------
# Reference ('ar' row BVAR) = BVA0. BVA0 BH1/BH2 hang 309/39 (sitechan, since 2014175).
_BVAR_REF = (53.02492, 70.38853, 420.0)
_BVA0_CH: tuple[_Chan, ...] = (
    ("BHZ", 40.0, 0.0, -90.0), ("BH1", 40.0, 309.0, 0.0), ("BH2", 40.0, 39.0, 0.0),
)  # fmt: skip
_BVAR: tuple[_Site, ...] = (
    ("BVA0", 53.02492, 70.38853, 420.0, 0.000, 0.000, _BVA0_CH),
    ("BVA1", 53.02495, 70.38858, 420.0, 0.003, 0.003, _SHZ),
    ("BVA2", 53.02061, 70.39036, 434.0, -0.480, 0.123, _SHZ),
    ("BVA3", 53.02603, 70.38156, 437.0, 0.124, -0.468, _SHZ),
    ("BVA4", 53.02806, 70.39433, 405.0, 0.350, 0.390, _SHZ),
    ("BVB5", 53.02561, 70.35858, 387.0, 0.077, -2.012, _SHZ),
    ("BVB6", 53.04167, 70.37300, 401.0, 1.866, -1.043, _SHZ),
    ("BVB7", 53.04056, 70.40144, 435.0, 1.742, 0.867, _SHZ),
    ("BVB8", 53.02031, 70.41678, 419.0, -0.513, 1.898, _SHZ),
    ("BVB9", 53.00719, 70.38547, 512.0, -1.975, -0.206, _SHZ),
)

# --- IMS AS058 Kurchatov cross array KURK (IMS CSS3.0 tables, SNL-GMS @ 4c5f2a33) --------
# (as gathered in shared/data/kazakh_network_facts, which cites these tables; the copy in
# shared/data/ims_site_tables holds only the KURK 'ar' row, not the elements.)
# Two 22-km lines (KUR01-10 N-S, KUR11-20 E-W) of vertical broadband sensors (Guralp
# CMG-3V) and the 3-C KURBB (CMG-3TB) at the reference point (since 2009288). The KURBB
# horizontal orientations are not in the tables: azimuth left unknown.
_KURK_REF = (50.62264, 78.53039, 200.0)
_KURBB_CH: tuple[_Chan, ...] = (
    ("BHZ", 40.0, 0.0, -90.0), ("BH1", 40.0, None, 0.0), ("BH2", 40.0, None, 0.0),
)  # fmt: skip
_KURK: tuple[_Site, ...] = (
    ("KUR01", 50.72161, 78.56336, 163.0, 11.020, 2.330, _BHZ),
    ("KUR02", 50.70172, 78.55661, 167.0, 8.805, 1.854, _BHZ),
    ("KUR03", 50.68197, 78.55000, 173.0, 6.606, 1.387, _BHZ),
    ("KUR04", 50.66219, 78.54339, 176.0, 4.404, 0.920, _BHZ),
    ("KUR05", 50.64236, 78.53664, 181.0, 2.196, 0.443, _BHZ),
    ("KUR06", 50.60283, 78.52394, 194.0, -2.206, -0.457, _BHZ),
    ("KUR07", 50.58306, 78.51722, 200.0, -4.407, -0.934, _BHZ),
    ("KUR08", 50.56317, 78.51080, 199.0, -6.621, -1.389, _BHZ),
    ("KUR09", 50.54333, 78.50433, 199.0, -8.830, -1.849, _BHZ),
    ("KUR10", 50.52362, 78.49773, 203.0, -11.024, -2.318, _BHZ),
    ("KUR11", 50.60189, 78.68625, 200.0, -2.299, 11.044, _BHZ),
    ("KUR12", 50.60611, 78.65514, 202.0, -1.833, 8.839, _BHZ),
    ("KUR13", 50.61022, 78.62417, 224.0, -1.379, 6.644, _BHZ),
    ("KUR14", 50.61436, 78.59272, 217.0, -0.920, 4.416, _BHZ),
    ("KUR15", 50.61850, 78.56147, 198.0, -0.461, 2.202, _BHZ),
    ("KUR16", 50.62686, 78.49933, 193.0, 0.470, -2.200, _BHZ),
    ("KUR17", 50.63175, 78.46900, 184.0, 1.016, -4.347, _BHZ),
    ("KUR18", 50.63531, 78.43683, 191.0, 1.415, -6.625, _BHZ),
    ("KUR19", 50.63944, 78.40569, 180.0, 1.878, -8.829, _BHZ),
    ("KUR20", 50.64364, 78.37456, 182.0, 2.350, -11.032, _BHZ),
    ("KURBB", 50.62264, 78.53039, 200.0, 0.000, 0.000, _KURBB_CH),
)

# --- IMS IS31 Aktyubinsk infrasound array I31KZ (IMS CSS3.0 tables, SNL-GMS @ 4c5f2a33) --
# DASE microbarometers, BDF at 20 Hz; I31L1 (the reference point) also carries the
# meteorological channels LDA (absolute pressure), LKO (temperature), LWD/LWS (wind
# direction/speed) at 1 Hz.
_I31KZ_REF = (50.40697, 58.03478, 391.0)
_I31L1_CH: tuple[_Chan, ...] = (
    ("BDF", 20.0, None, None), ("LDA", 1.0, None, None), ("LKO", 1.0, None, None),
    ("LWD", 1.0, None, None), ("LWS", 1.0, None, None),
)  # fmt: skip
_I31KZ: tuple[_Site, ...] = (
    ("I31H1", 50.40864, 58.03428, 391.0, 0.186, -0.036, _BDF),
    ("I31H2", 50.40761, 58.03861, 392.0, 0.071, 0.273, _BDF),
    ("I31H3", 50.40500, 58.03678, 392.0, -0.219, 0.142, _BDF),
    ("I31H4", 50.40603, 58.03339, 390.0, -0.105, -0.099, _BDF),
    ("I31L1", 50.40697, 58.03478, 391.0, 0.000, 0.000, _I31L1_CH),
    ("I31L2", 50.41328, 58.04817, 392.0, 0.703, 0.953, _BDF),
    ("I31L3", 50.39689, 58.03778, 383.0, -1.122, 0.214, _BDF),
    ("I31L4", 50.41025, 58.01761, 398.0, 0.365, -1.222, _BDF),
)

# --- Karatau array KKAR (kndc.kz Karatau array page; medium confidence) ----------------
# 10 sites in two rings (r ~ 0.5 and ~2 km) around a centre; KK31 3-C (KS54000 borehole),
# KK01-09 GS-21 verticals; only KK01-KK05 and KK31 are placed here (see module doc).
_KKAR: tuple[_Site, ...] = (
    ("KK01", 43.1054, 70.5061, 525.0, None, None, _SHZ),
    ("KK02", 43.1034, 70.5115, 521.0, None, None, _SHZ),  # same coordinates as KK31
    ("KK03", 43.1028, 70.5012, 529.0, None, None, _SHZ),
    ("KK04", 43.1098, 70.5060, 523.0, None, None, _SHZ),
    ("KK05", 43.1170, 70.5235, 510.0, None, None, _SHZ),
    ("KK31", 43.1034, 70.5115, 521.0, None, None, _BH_ZNE),
)

# --- Akbulak array ABKAR (kndc.kz ABKAR page; medium confidence) ------------------------
# Near Taldykorgan village, Aiteke bi district, Aktobe oblast; running since 2003.
_ABKAR: tuple[_Site, ...] = (
    ("AB01", 49.2556, 59.9431, 233.0, None, None, _SHZ),  # same coordinates as AB31
    ("AB02", 49.2591, 59.9466, 230.0, None, None, _SHZ),
    ("AB03", 49.2511, 59.9431, 234.0, None, None, _SHZ),
    ("AB04", 49.2578, 59.9371, 236.0, None, None, _SHZ),
    ("AB05", 49.2736, 59.9431, 239.0, None, None, _SHZ),
    ("AB31", 49.2556, 59.9431, 233.0, None, None, _BH_ZNE),
)

# --- Single stations ---------------------------------------------------------------------
# (network, station, lat, lon, elevation [m], channels, description)
_SINGLE: tuple[tuple[str, str, float, float, float, tuple[_Chan, ...], str], ...] = (
    # IMS AS059 Aktyubinsk (IMS CSS3.0 site/sitechan): BH1/BH2 hang 295.2/25.2.
    (
        KZ_NETWORK_CODE, "AKTO", 50.4348, 58.0164, 379.0,
        (("BHZ", 40.0, 0.0, -90.0), ("BH1", 40.0, 295.2, 0.0), ("BH2", 40.0, 25.2, 0.0)),
        "Aktyubinsk, IMS AS059",
    ),
    # USGS station pages (usgs/earthquake-website), channels assumed (GSN standard).
    ("II", "KURK", 50.715, 78.620, 184.0, _GSN, "Kurchatov, GSN (IDA)"),
    ("II", "BRVK", 53.058, 70.283, 330.0, _GSN, "Borovoye, GSN (IDA)"),
    ("IU", "MAKZ", 46.808, 81.977, 600.0, _GSN, "Makanchi, GSN"),
)  # fmt: skip

# (array code, sites, reference point or None = element nearest the centroid, kind,
#  reference element when no point is given, description)
_ARRAYS: tuple[
    tuple[str, tuple[_Site, ...], tuple[float, float, float] | None, str, str | None, str],
    ...,
] = (
    ("MKAR", _MKAR, _MKAR_REF, "seismic", None, "Makanchi array, IMS PS23"),
    ("BVAR", _BVAR, _BVAR_REF, "seismic", None, "Borovoye array, IMS AS057"),
    ("KURK", _KURK, _KURK_REF, "seismic", None, "Kurchatov cross array, IMS AS058"),
    ("I31KZ", _I31KZ, _I31KZ_REF, "infrasound", None, "Aktyubinsk infrasound array, IMS IS31"),
    ("KKAR", _KKAR, None, "seismic", "KK31", "Karatau array (national; partial)"),
    ("ABKAR", _ABKAR, None, "seismic", "AB31", "Akbulak array (national; partial)"),
)


def _channels(chans: tuple[_Chan, ...]) -> tuple[ChannelInfo, ...]:
    return tuple(
        ChannelInfo(code=c, sample_rate_hz=rate, azimuth_deg=az, dip_deg=dip)
        for c, rate, az, dip in chans
    )


@cache
def kazakh_network() -> MonitoringNetwork:
    """The built-in Kazakh monitoring network: 6 arrays, 4 single stations, 96 channels.

    Arrays MKAR, BVAR, KURK, I31KZ (IMS), KKAR and ABKAR (national, partial), with beam
    groups ``sp`` (short-period verticals), ``bb``, ``z`` and ``3c``; single stations
    KZ.AKTO, II.KURK, II.BRVK, IU.MAKZ. Sources: module docstring.
    """
    stations: list[Station] = []
    arrays: list[Array] = []
    for code, sites, ref_point, kind, ref_el, desc in _ARRAYS:
        members = [
            Station(
                network=KZ_NETWORK_CODE,
                code=sta,
                latitude=lat,
                longitude=lon,
                elevation_m=elev,
                channels=_channels(chans),
                array=code,
                description=desc,
                source="openndc.inventory.kazakh",
            )
            for sta, lat, lon, elev, _, _, chans in sites
        ]
        offsets: dict[str, tuple[float, float]] = {}
        for sta, _, _, _, dnorth, deast, _ in sites:
            if dnorth is not None and deast is not None:
                offsets[sta] = (deast, dnorth)
        arrays.append(
            build_array(
                code,
                members,
                reference=ref_el,
                reference_point=ref_point,
                kind="infrasound" if kind == "infrasound" else "seismic",
                offsets_km=offsets or None,
                description=desc,
            )
        )
        stations.extend(members)
    for net, sta, lat, lon, elev, chans, desc in _SINGLE:
        stations.append(
            Station(
                net, sta, lat, lon, elev, _channels(chans), None, desc, "openndc.inventory.kazakh"
            )
        )
    return MonitoringNetwork(
        name="kz",
        stations=tuple(stations),
        arrays=tuple(arrays),
        source="openndc.inventory.kazakh (built-in facts, sources in the module)",
    )
