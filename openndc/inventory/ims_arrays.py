"""Element naming of every IMS array, from the IMS CSS3.0 site table (facts, not the file).

Source: the IMS station site table of the IDC as distributed with Sandia's open GMS
(GitHub SNL-GMS/GMS-PI7-OPEN @ 4c5f2a33a45566b12897bcdc129609c9e6b95442, css30-loader test
resources ``ueb_test.site``; in ``../shared/data/ims_site_tables/ims.site``). For each array
reference row (``statype`` ``ar``), the ``ss`` rows whose ``refsta`` names it are its
elements, current and closed. Each entry gives: the array code, a regular expression that
fully matches every element code in the table (the naming, with the digit counts seen
there), the reference element (the element at zero ``dnorth``/``deast``; where two sit
there, the ``*31`` broadband element, else the shorter code) and the kind. Left out:
KSAR (the former code of KSRS, same elements), KURK (no element rows; see
:mod:`openndc.inventory.kazakh`) and single-element hydrophone stations.

Arrays whose elements use two or more name prefixes (cross arrays such as Yellowknife YKA:
a north-south line YKB* and an east-west line YKR*; EKA; WRA; NOA) are exactly the ones the
generic prefix rule would split: this table keeps them whole.
"""

from __future__ import annotations

from openndc.model.inventory import ArrayKind

__all__ = ["IMS_ARRAYS", "IMS_SOURCE"]

IMS_SOURCE = "IMS CSS3.0 site table (SNL-GMS/GMS-PI7-OPEN @ 4c5f2a33)"

#: (array code, element-code regular expression, reference element, kind) of each IMS array.
IMS_ARRAYS: tuple[tuple[str, str, str, ArrayKind], ...] = (
    ("AKASG", r"AK\d{2}|AKBB", "AKBB", "seismic"),
    ("ARCES", r"ARA\d|ARB\d|ARC\d|ARD\d|ARE\d", "ARA0", "seismic"),
    ("ASAR", r"AS\d{2}", "AS31", "seismic"),
    ("BRMAR", r"BR2\d\d", "BR231", "seismic"),
    ("BRTR", r"BR1\d\d", "BR131", "seismic"),
    ("BVAR", r"BVA\d|BVB\d", "BVA0", "seismic"),
    ("CMAR", r"CM\d{2}", "CM31", "seismic"),
    ("EKA", r"EKB|EKB\d|EKB\d{2}|EKR\d|EKR\d{2}", "EKR4", "seismic"),
    ("ESDC", r"ES\d{2}|ESBB", "ESBB", "seismic"),
    ("FINES", r"FIA\d|FIB\d|FIC\d", "FIA0", "seismic"),
    ("GERES", r"GEA\d|GEB\d|GEC\d|GEC\dA|GED\d", "GEC2A", "seismic"),
    ("GEYT", r"GYA\d|GYA\dB|GYB\d", "GYA0", "seismic"),
    ("H01W", r"H01C\d|H01W\d", "H01C1", "hydroacoustic"),
    ("H08N", r"H08C1|H08N\d", "H08C1", "hydroacoustic"),
    ("H08S", r"H08C2|H08S\d", "H08C2", "hydroacoustic"),
    ("H10N", r"H10C1|H10N\d", "H10C1", "hydroacoustic"),
    ("H10S", r"H10C2|H10S\d", "H10C2", "hydroacoustic"),
    ("H11N", r"H11C1|H11N\d", "H11C1", "hydroacoustic"),
    ("H11S", r"H11C2|H11S\d", "H11C2", "hydroacoustic"),
    ("HFS", r"HFA\d|HFB\d|HFC\d", "HFC2", "seismic"),
    ("I02AR", r"I02H\d", "I02H1", "infrasound"),
    ("I04AU", r"I04H\d", "I04H1", "infrasound"),
    ("I05AU", r"I05H\d", "I05H1", "infrasound"),
    ("I07AU", r"I07H\d|I07L\d", "I07H1", "infrasound"),
    ("I08BO", r"I08H\d", "I08H1", "infrasound"),
    ("I09BR", r"I09H\d", "I09H1", "infrasound"),
    ("I10CA", r"I10H\d", "I10H1", "infrasound"),
    ("I11CV", r"I11L\d", "I11L1", "infrasound"),
    ("I13CL", r"I13H\d", "I13H1", "infrasound"),
    ("I17CI", r"I17H\d", "I17H1", "infrasound"),
    ("I18DK", r"I18H\d|I18L\d", "I18L1", "infrasound"),
    ("I21FR", r"I21H\d", "I21H1", "infrasound"),
    ("I22FR", r"I22H\d", "I22H1", "infrasound"),
    ("I23FR", r"I23\d\d", "I2301", "infrasound"),
    ("I24FR", r"I24H\d", "I24H1", "infrasound"),
    ("I26DE", r"I26H\d", "I26H2", "infrasound"),
    ("I30JP", r"I30H\d", "I30H1", "infrasound"),
    ("I31KZ", r"I31H\d|I31L\d", "I31L1", "infrasound"),
    ("I32KE", r"I32H\d", "I32H1", "infrasound"),
    ("I33MG", r"I33H\d", "I33H1", "infrasound"),
    ("I34MN", r"I34H\d", "I34H1", "infrasound"),
    ("I35NA", r"I35H\d", "I35H1", "infrasound"),
    ("I36NZ", r"I36H\d|I36L\d", "I36H1", "infrasound"),
    ("I39PW", r"I39H\d", "I39H1", "infrasound"),
    ("I41PY", r"I41H\d", "I41H1", "infrasound"),
    ("I43RU", r"I43H\d", "I43H1", "infrasound"),
    ("I45RU", r"I45H\d", "I45H1", "infrasound"),
    ("I46RU", r"I46H\d", "I46H1", "infrasound"),
    ("I47ZA", r"I47L\d", "I47L1", "infrasound"),
    ("I48TN", r"I48L\d", "I48L1", "infrasound"),
    ("I49GB", r"I49H\d", "I49H1", "infrasound"),
    ("I50GB", r"I50H\d|I50L\d", "I50L1", "infrasound"),
    ("I51GB", r"I51H\d", "I51H1", "infrasound"),
    ("I52GB", r"I52H\d", "I52H1", "infrasound"),
    ("I53US", r"I53H\d", "I53H1", "infrasound"),
    ("I55US", r"I55H\d", "I55H1", "infrasound"),
    ("I56US", r"I56H\d", "I56H1", "infrasound"),
    ("ILAR", r"IL\d{2}", "IL31", "seismic"),
    ("KSRS", r"KS\d{2}", "KS31", "seismic"),
    ("MJAR", r"MJA\d|MJB\d|MJB\dB", "MJA0", "seismic"),
    ("MKAR", r"MK\d{2}", "MK31", "seismic"),
    ("MMAI", r"MMA\d|MMA\dB|MMB\d|MMC\d", "MMA0", "seismic"),
    ("NOA", r"NAO\d{2}|NB\d{3}|NBO\d{2}|NC\d{3}", "NB200", "seismic"),
    ("NVAR", r"NV\d{2}", "NV01", "seismic"),
    ("PDAR", r"PD\d{2}", "PD31", "seismic"),
    ("PETK", r"PEA\d|PEA\dB|PEB\d|PES\d", "PEA0", "seismic"),
    ("SONM", r"SONA\d|SONB\d", "SONA0", "seismic"),
    ("SPITS", r"SPA\d|SPB\d", "SPA0", "seismic"),
    ("TORD", r"TOA\d|TOB\d|TOC\d", "TOA0", "seismic"),
    ("TXAR", r"TX\d{2}", "TX31", "seismic"),
    ("USRK", r"USA\d|USA\dB|USB\d", "USA0", "seismic"),
    ("WRA", r"WB\d|WC\d|WR\d", "WR1", "seismic"),
    ("YKA", r"YKB\d|YKR\d|YKW\d", "YKR8", "seismic"),
    ("ZALV", r"ZAA\d|ZAA\dB|ZAB\d", "ZAA0B", "seismic"),
)
