"""Database tables of the radionuclide part, on the bulletin schema's ``Base``.

===============  ===================================================================
table            content
===============  ===================================================================
``rn_sample``    one analysed sample or portal occupancy: kind (``particulate``,
                 ``xenon``, ``portal``), station, times [ns], live/real time [s], air
                 volume [m3], IDC level, xenon screening domain, portal alarm, provenance
``rn_nuclide``   a nuclide of a sample: key energy [keV], activity [Bq],
                 concentration [mBq/m3] and their 1-sigma uncertainties, MDC [mBq/m3]
``rn_peak``      a fitted peak of a particulate sample: energy, FWHM [keV], net area
                 [counts], the nuclide it was assigned to (empty: unidentified)
===============  ===================================================================

Missing values (NaN in the model) are NULL. :func:`store_radionuclide` writes results.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from obspy import UTCDateTime
from sqlalchemy import BigInteger, Boolean, Double, ForeignKey, Integer, String, Text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from openndc.bulletin.schema import Base, ProvenanceRow
from openndc.model.errors import BulletinError
from openndc.model.provenance import Provenance
from openndc.model.radionuclide import ParticulateResult, PortalResult, SampleTimes, XenonResult

__all__ = ["RnNuclideRow", "RnPeakRow", "RnSampleRow", "store_radionuclide"]


class RnSampleRow(Base):
    """One analysed radionuclide sample (particulate, noble gas) or portal occupancy."""

    __tablename__ = "rn_sample"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    station: Mapped[str] = mapped_column(String(20), index=True)
    acquisition_start_ns: Mapped[int | None] = mapped_column(BigInteger, index=True)
    collection_start_ns: Mapped[int | None] = mapped_column(BigInteger)
    collection_stop_ns: Mapped[int | None] = mapped_column(BigInteger)
    real_time: Mapped[float | None] = mapped_column(Double)
    live_time: Mapped[float | None] = mapped_column(Double)
    air_volume: Mapped[float | None] = mapped_column(Double)
    level: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(String(16))
    alarm: Mapped[bool | None] = mapped_column(Boolean)
    provenance_id: Mapped[int | None] = mapped_column(ForeignKey("provenance.id"))
    stored_ns: Mapped[int] = mapped_column(BigInteger)

    provenance: Mapped[ProvenanceRow | None] = relationship()
    nuclides: Mapped[list[RnNuclideRow]] = relationship(back_populates="sample")
    peaks: Mapped[list[RnPeakRow]] = relationship(back_populates="sample")


class RnNuclideRow(Base):
    """A nuclide identified (or quantified) in a sample."""

    __tablename__ = "rn_nuclide"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("rn_sample.id"), index=True)
    nuclide: Mapped[str] = mapped_column(String(16), index=True)
    energy_kev: Mapped[float | None] = mapped_column(Double)
    activity_bq: Mapped[float | None] = mapped_column(Double)
    activity_unc_bq: Mapped[float | None] = mapped_column(Double)
    concentration_mbq_m3: Mapped[float | None] = mapped_column(Double)
    concentration_unc_mbq_m3: Mapped[float | None] = mapped_column(Double)
    mdc_mbq_m3: Mapped[float | None] = mapped_column(Double)
    confidence: Mapped[float | None] = mapped_column(Double)
    detected: Mapped[bool] = mapped_column(Boolean)
    ctbt_relevant: Mapped[bool] = mapped_column(Boolean)
    category: Mapped[str] = mapped_column(String(16))

    sample: Mapped[RnSampleRow] = relationship(back_populates="nuclides")


class RnPeakRow(Base):
    """A fitted photopeak of a particulate spectrum."""

    __tablename__ = "rn_peak"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("rn_sample.id"), index=True)
    energy_kev: Mapped[float] = mapped_column(Double)
    energy_unc_kev: Mapped[float | None] = mapped_column(Double)
    fwhm_kev: Mapped[float | None] = mapped_column(Double)
    area: Mapped[float] = mapped_column(Double)
    area_unc: Mapped[float | None] = mapped_column(Double)
    nuclide: Mapped[str] = mapped_column(String(16))

    sample: Mapped[RnSampleRow] = relationship(back_populates="peaks")


def _f(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _ns(t: UTCDateTime | None) -> int | None:
    return int(t.ns) if t is not None else None


def _prov(p: Provenance | None) -> ProvenanceRow | None:
    if p is None:
        return None
    return ProvenanceRow(
        method=p.method,
        software_version=p.software_version,
        parameters={k: v for k, v in p.parameters.items()},
        author=p.author,
        created_ns=int(p.created.ns),
    )


def _sample(kind: str, name: str, station: str, t: SampleTimes | None) -> RnSampleRow:
    return RnSampleRow(
        kind=kind,
        name=name,
        station=station,
        acquisition_start_ns=_ns(t.acquisition_start) if t else None,
        collection_start_ns=_ns(t.collection_start) if t else None,
        collection_stop_ns=_ns(t.collection_stop) if t else None,
        real_time=_f(t.real_time) if t else None,
        live_time=_f(t.live_time) if t else None,
        air_volume=_f(t.air_volume) if t else None,
        reason="",
        stored_ns=int(UTCDateTime().ns),
    )


def _row(result: ParticulateResult | XenonResult | PortalResult) -> RnSampleRow:
    if isinstance(result, ParticulateResult):
        row = _sample("particulate", result.spectrum_name, result.station, result.times)
        row.level, row.reason = result.level, result.level_reason
        assigned: dict[int, str] = {}
        for n in result.nuclides:
            row.nuclides.append(
                RnNuclideRow(
                    nuclide=n.nuclide,
                    energy_kev=_f(n.key_energy),
                    activity_bq=_f(n.activity),
                    activity_unc_bq=_f(n.activity_uncertainty),
                    concentration_mbq_m3=_f(n.concentration),
                    concentration_unc_mbq_m3=_f(n.concentration_uncertainty),
                    mdc_mbq_m3=_f(n.mdc),
                    confidence=_f(n.confidence),
                    detected=True,
                    ctbt_relevant=n.ctbt_relevant,
                    category=n.category,
                )
            )
            for _, p in n.lines:
                assigned.setdefault(id(p), n.nuclide)
        for p in result.peaks:
            row.peaks.append(
                RnPeakRow(
                    energy_kev=p.energy,
                    energy_unc_kev=_f(p.energy_uncertainty),
                    fwhm_kev=_f(p.fwhm),
                    area=p.area,
                    area_unc=_f(p.area_uncertainty),
                    nuclide=assigned.get(id(p), ""),
                )
            )
    elif isinstance(result, XenonResult):
        row = _sample("xenon", result.sample_name, result.station, result.times)
        row.domain, row.reason = result.domain, result.screening_reason
        for c in result.concentrations:
            row.nuclides.append(
                RnNuclideRow(
                    nuclide=c.nuclide,
                    concentration_mbq_m3=_f(c.concentration),
                    concentration_unc_mbq_m3=_f(c.uncertainty),
                    mdc_mbq_m3=_f(c.mdc),
                    detected=c.detected,
                    ctbt_relevant=True,
                    category="xenon",
                )
            )
    else:
        row = _sample("portal", result.name, "", None)
        row.alarm, row.reason = result.alarm, "; ".join(result.reasons) or "no alarm"
        for nuc in result.nuclides:
            row.nuclides.append(
                RnNuclideRow(nuclide=nuc, detected=True, ctbt_relevant=False, category="portal")
            )
    row.provenance = _prov(result.provenance)
    return row


def store_radionuclide(
    url: str, results: Sequence[ParticulateResult | XenonResult | PortalResult]
) -> tuple[int, ...]:
    """Store results in one transaction (schema migrated first); their ``rn_sample`` ids."""
    from openndc.bulletin.store import BulletinStore

    with BulletinStore(url) as store:
        try:
            with Session(store.engine) as session, session.begin():
                rows = [_row(r) for r in results]
                session.add_all(rows)
                session.flush()
                return tuple(r.id for r in rows)
        except SQLAlchemyError as exc:
            raise BulletinError(
                f"{url}: cannot store {len(results)} radionuclide results: {exc}"
            ) from exc
