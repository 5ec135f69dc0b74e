#!/usr/bin/env python3
"""corpus7: a seventh blind, labelled ICU vital-sign corpus generator (issue 14).

Writes the files `hl7load corpus score` reads (mon-NNNN.hl7, labels.jsonl, monitors.jsonl) from a model of
adult, paediatric and neonatal ICU patients, nine vendor layouts, genuine clinical events, artefacts and
device/network behaviour, and the 15 manipulation kinds forged by a compromised monitor rewriting its own
output. Python 3 standard library only. The bytes depend only on --seed, --monitors and --hours
(and --no-forge, which writes the unforged twin). See README.md.

    python3 gen.py --seed 1 --out /tmp/c7 [--monitors 150] [--hours 4] [--workers 2] [--no-forge]
"""
import argparse
import json
import math
import os
import random
import sys
from datetime import datetime, timedelta, timezone
from multiprocessing import Pool

START = datetime(2026, 2, 16, 7, 0, 0, tzinfo=timezone.utc)

KINDS = ["spike", "frozen", "replay", "drift", "too_smooth", "duplicate_control_id", "step", "unit_mislabel",
         "out_of_range", "hr_pr_mismatch", "bp_inconsistent", "time_backwards", "time_future", "identity_switch",
         "nibp_cadence"]

PARAMS = ["HR", "PR", "SPO2", "RR", "ABPS", "ABPD", "ABPM", "TEMP", "ETCO2", "PRA", "PVC"]


def R(*parts):
    """A seeded random stream named by its parts (string seeding is deterministic across runs and hosts)."""
    return random.Random(":".join(str(p) for p in parts))


# ----------------------------------------------------------------------------------------------------------------
# Codes, units and vendor layouts.

MDC = {  # param -> (numeric code, reference id)
    "HR": (147842, "MDC_ECG_HEART_RATE"), "PR": (149530, "MDC_PULS_OXIM_PULS_RATE"),
    "SPO2": (150456, "MDC_PULS_OXIM_SAT_O2"), "RR": (151562, "MDC_RESP_RATE"),
    "ABPS": (150033, "MDC_PRESS_BLD_ART_SYS"), "ABPD": (150034, "MDC_PRESS_BLD_ART_DIA"),
    "ABPM": (150035, "MDC_PRESS_BLD_ART_MEAN"), "TEMP": (150344, "MDC_TEMP"),
    "ETCO2": (151708, "MDC_AWAY_CO2_ET"), "PRA": (149522, "MDC_BLD_PULS_RATE_INV"), "PVC": (148066, "MDC_ECG_V_P_C_RATE"),
    "NIBPS": (150021, "MDC_PRESS_BLD_NONINV_SYS"), "NIBPD": (150022, "MDC_PRESS_BLD_NONINV_DIA"),
    "NIBPM": (150023, "MDC_PRESS_BLD_NONINV_MEAN"),
}
MDC_CUFF = {"NIBPS": (150301, "MDC_PRESS_CUFF_SYS"), "NIBPD": (150302, "MDC_PRESS_CUFF_DIA"),
            "NIBPM": (150303, "MDC_PRESS_CUFF_MEAN")}
# LOINC from memory (HR, RR, SpO2, NIBP and temperature are the FHIR vital-signs codes; the invasive arterial
# and etCO2 codes are less certain).
LOINC = {"HR": ("8867-4", "Heart rate"), "PR": ("8889-8", "Heart rate by Pulse oximetry"),
         "SPO2": ("59408-5", "Oxygen saturation by Pulse oximetry"), "RR": ("9279-1", "Respiratory rate"),
         "ABPS": ("76215-3", "Invasive Systolic blood pressure"), "ABPD": ("76213-8", "Invasive Diastolic blood pressure"),
         "ABPM": ("76214-6", "Invasive Mean blood pressure"), "TEMP": ("8310-5", "Body temperature"),
         "ETCO2": ("19889-5", "Carbon dioxide end tidal"),
         "NIBPS": ("8480-6", "Systolic blood pressure"), "NIBPD": ("8462-4", "Diastolic blood pressure"),
         "NIBPM": ("8478-0", "Mean blood pressure")}
LABEL = {"HR": "HR", "PR": "PR", "SPO2": "SpO2", "RR": "RR", "ABPS": "ABPs", "ABPD": "ABPd", "ABPM": "ABPm",
         "TEMP": "T1", "ETCO2": "etCO2", "PRA": "PR(ABP)", "PVC": "PVC", "NIBPS": "NBPs", "NIBPD": "NBPd", "NIBPM": "NBPm"}
# Invented vendor-local codes (no public source found for these vendors' local tables).
NK_CODE = {"HR": "0002", "PR": "0260", "SPO2": "0250", "RR": "0300", "ABPS": "0101", "ABPD": "0102", "ABPM": "0103",
           "TEMP": "0401", "ETCO2": "0350", "NIBPS": "0201", "NIBPD": "0202", "NIBPM": "0203"}
EDAN_CODE = {"HR": "101", "PR": "151", "SPO2": "150", "RR": "201", "ABPS": "301", "ABPD": "302", "ABPM": "303",
             "TEMP": "401", "ETCO2": "501", "NIBPS": "601", "NIBPD": "602", "NIBPM": "603"}
CONTEC_CODE = {"HR": "1", "PR": "6", "SPO2": "5", "RR": "2", "ABPS": "20", "ABPD": "21", "ABPM": "22",
               "TEMP": "8", "ETCO2": "30", "NIBPS": "10", "NIBPD": "11", "NIBPM": "12"}

UNIT_KIND = {"PRA": "bpm", "PVC": "bpm", "HR": "bpm", "PR": "bpm", "SPO2": "pct", "RR": "rpm", "ABPS": "mmhg", "ABPD": "mmhg", "ABPM": "mmhg",
             "NIBPS": "mmhg", "NIBPD": "mmhg", "NIBPM": "mmhg", "TEMP": "cel", "ETCO2": "mmhg"}
UNITS = {
    "mdc": {"bpm": "264864^MDC_DIM_BEAT_PER_MIN^MDC", "pct": "262688^MDC_DIM_PERCENT^MDC",
            "rpm": "264928^MDC_DIM_RESP_PER_MIN^MDC", "mmhg": "266016^MDC_DIM_MMHG^MDC",
            "cel": "268192^MDC_DIM_DEGC^MDC", "degf": "268160^MDC_DIM_FAHR^MDC", "kpa": "265987^MDC_DIM_KILO_PASCAL^MDC"},
    "ucum": {"bpm": "/min^/min^UCUM", "pct": "%^%^UCUM", "rpm": "/min^/min^UCUM", "mmhg": "mm[Hg]^mm[Hg]^UCUM",
             "cel": "Cel^Cel^UCUM", "degf": "[degF]^[degF]^UCUM", "kpa": "kPa^kPa^UCUM"},
    "text": {"bpm": "bpm", "pct": "%", "rpm": "rpm", "mmhg": "mmHg", "cel": "cel", "degf": "degF", "kpa": "kPa"},
    "text2": {"bpm": "/min", "pct": "%", "rpm": "/min", "mmhg": "mmHg", "cel": "Cel", "degf": "F", "kpa": "kPa"},
}


def mdil(code):
    """Philips MDIL codes are the MDC partition and term code in hex (0002-4182 = 147842, HR)."""
    return "%04x-%04x" % (code >> 16, code & 0xFFFF)


MDIL_UNIT = {"bpm": 264864, "pct": 262688, "rpm": 264928, "mmhg": 266016, "cel": 268192, "degf": 268160, "kpa": 265987}
MDIL_UNIT_TXT = {"bpm": "bpm", "pct": "%", "rpm": "rpm", "mmhg": "mmHg", "cel": "°C", "degf": "°F", "kpa": "kPa"}

# Layouts. code: how OBX-3 is written; unit: OBX-6 table; obx11: status of a valid value; nm: "not measured"
# convention (a placeholder value, "empty" = empty OBX-5 with OBX-11 X, "omit" = no row); nibp: presentation;
# tz: MSH-7 offset or None (local time, no offset); ctrl: MSH-10 scheme.
LAYOUTS = {
    "ge-pcd01": dict(vendor="GE CARESCAPE B-series style", ver="2.6", code="mdc", unit="mdc", obx11="R", nm="omit",
                     nibp="repeat14", tz=True, ctrl="int", hier=True, ack=("NE", "AL"), ms=False, pv1=True),
    "mindray": dict(vendor="Mindray BeneVision/eGateway style", ver="2.6", code="mdc-sub", unit="mdc", obx11="",
                    nm="-100", nibp="cuff14", tz=False, ctrl="int", hier=False, ack=("AL", "NE"), ms=False, pv1=True),
    "philips-mdil": dict(vendor="Philips IntelliVue/Efficia data export style", ver="2.4", code="mdil", unit="mdil",
                         obx11="F", nm="empty", nibp="fresh", tz=True, ctrl="int", hier=False, ack=("", ""), ms=False,
                         pv1=True),
    "nihon-kohden": dict(vendor="Nihon Kohden CNS-6201 HL7 output style", ver="2.5", code="nk", unit="text2",
                         obx11="F", nm="omit", nibp="fresh14", tz=True, ctrl="nk", hier=False, ack=("AL", "NE"),
                         ms=False, pv1=True),
    "draeger": dict(vendor="Draeger Infinity Gateway style", ver="2.3", code="mdc-text", unit="ucum", obx11="F",
                    nm="empty", nibp="repeat14all", tz=True, ctrl="uuidish", hier=False, ack=("AL", "AL"), ms=False,
                    pv1=True),
    "spacelabs": dict(vendor="Spacelabs XprezzNet style", ver="2.3.1", code="loinc", unit="ucum", obx11="F",
                      nm="-1", nibp="restamp", tz=True, ctrl="alnum", hier=False, ack=("AL", "NE"), ms=False,
                      pv1=True),
    "edan": dict(vendor="Edan iM/Elite-series style", ver="2.4", code="edan", unit="text", obx11="F", nm="-999",
                 nibp="repeat14", tz=False, ctrl="int", hier=False, ack=("", ""), ms=False, pv1=True),
    "contec": dict(vendor="Contec CMS8000 style", ver="2.3.1", code="contec", unit="text", obx11="F", nm="-100",
                   nibp="repeat", tz=False, ctrl="int", hier=False, ack=("", ""), ms=False, pv1=False),
    "dig-gateway": dict(vendor="device-integration gateway (several beds, one connection)", ver="2.6",
                        code="loinc-mdc", unit="ucum", obx11="R", nm="8388607", nibp="repeat14", tz=True,
                        ctrl="int", hier=False, ack=("AL", "NE"), ms=True, pv1=True),
}
SINGLE_LAYOUTS = ["ge-pcd01", "mindray", "philips-mdil", "nihon-kohden", "draeger", "spacelabs", "edan", "contec"]
LAYOUT_W = [16, 18, 16, 12, 12, 10, 8, 8]
TZ_BY_LAYOUT = {"ge-pcd01": [-5, -6, 0], "philips-mdil": [1, 0, -5], "nihon-kohden": [9, 0], "draeger": [1, 2],
                "spacelabs": [-5, -8, -6], "dig-gateway": [-5, 1], "mindray": [0], "edan": [0], "contec": [0]}

UNITS_BY_CLASS = {"adult-medical": ["MICU", "ICU-MED", "ITU"], "adult-cardiac": ["CTICU", "CSICU", "CCU-S"],
                  "adult-neuro": ["NSICU", "NEURO-ICU", "NICU-N"], "paediatric": ["PICU", "PIC"],
                  "neonatal-preterm": ["NICU", "NNU", "SCBU"], "neonatal-term": ["NICU", "SCBU", "NNU"]}


# ----------------------------------------------------------------------------------------------------------------
# Population and physiology.

POPS = ["adult-medical", "adult-cardiac", "adult-neuro", "paediatric", "neonatal-preterm", "neonatal-term"]
POP_W = [28, 16, 12, 14, 18, 12]
CLASS = {"adult-medical": "adult", "adult-cardiac": "adult", "adult-neuro": "adult", "paediatric": "paediatric",
         "neonatal-preterm": "neonatal", "neonatal-term": "neonatal"}

# baseline mean, between-patient sd, slow wander sd, fast wander sd, measurement noise sd, averaging tau (s)
BASE = {
    "adult": {"HR": (84, 14, 5, 2.5, 1.2, 8), "SPO2": (96, 1.6, 1.0, 0.6, 0.5, 8), "RR": (18, 4, 2.5, 1.8, 1.2, 30),
              "ABPS": (122, 16, 8, 3.5, 1.5, 6), "ABPD": (64, 9, 4, 2, 1, 6), "TEMP": (37.1, 0.5, 0.15, 0.03, 0.02, 60),
              "ETCO2": (37, 4, 2, 1, 0.7, 20)},
    "paediatric": {"HR": (112, 15, 6, 3, 1.5, 8), "SPO2": (97, 1.5, 0.9, 0.6, 0.5, 8), "RR": (26, 5, 3, 2, 1.5, 30),
                   "ABPS": (102, 10, 6, 3, 1.5, 6), "ABPD": (58, 7, 4, 2, 1, 6), "TEMP": (37.2, 0.5, 0.15, 0.03, 0.02, 60),
                   "ETCO2": (38, 4, 2, 1, 0.7, 20)},
    "neonatal-preterm": {"HR": (156, 10, 6, 4, 2, 6), "SPO2": (93, 2, 1.6, 1.1, 0.7, 8), "RR": (52, 8, 5, 4, 2.5, 20),
                         "ABPS": (48, 6, 3, 1.5, 1, 6), "ABPD": (28, 4, 2, 1, 0.8, 6), "TEMP": (36.8, 0.3, 0.12, 0.03, 0.02, 60),
                         "ETCO2": (45, 5, 2, 1, 0.8, 20)},
    "neonatal-term": {"HR": (140, 10, 6, 4, 2, 6), "SPO2": (96, 1.6, 1.2, 0.8, 0.6, 8), "RR": (46, 7, 4, 3, 2, 20),
                      "ABPS": (66, 7, 4, 2, 1, 6), "ABPD": (40, 5, 3, 1.5, 1, 6), "TEMP": (36.9, 0.3, 0.12, 0.03, 0.02, 60),
                      "ETCO2": (42, 4, 2, 1, 0.8, 20)},
}


def base_key(pop):
    return "adult" if pop.startswith("adult") else pop if pop.startswith("neonatal") else "paediatric"


def clamp(x, lo, hi):
    return lo if x < lo else hi if x > hi else x


class OU:
    """Ornstein-Uhlenbeck process sampled exactly at arbitrary times."""
    __slots__ = ("tau", "sd", "x", "t", "rng")

    def __init__(self, rng, tau, sd):
        self.rng, self.tau, self.sd, self.t = rng, tau, sd, 0.0
        self.x = rng.gauss(0, sd)

    def at(self, t):
        dt = t - self.t
        if dt > 0:
            a = math.exp(-dt / self.tau)
            self.x = self.x * a + self.sd * math.sqrt(1 - a * a) * self.rng.gauss(0, 1)
            self.t = t
        return self.x


def ramp(t, t0, t1, rise, fall, lag=0.0):
    """0 before t0+lag, rising (smoothly) over `rise` s, 1 until t1+lag, falling over `fall` s."""
    t = t - lag
    if t < t0 or t > t1 + fall:
        return 0.0
    if t < t0 + rise:
        u = (t - t0) / rise if rise > 0 else 1.0
        v = 0.5 - 0.5 * math.cos(math.pi * u)
    else:
        v = 1.0
    if t > t1:
        u = (t - t1) / fall if fall > 0 else 1.0
        v *= 0.5 + 0.5 * math.cos(math.pi * min(1.0, u))
    return v


class Ev:
    """A genuine condition active on [t0, t1] (seconds from the start): additive effects per parameter
    (delta, lag, rise, fall), variability multipliers, and a special mechanism named by `mech`."""
    __slots__ = ("name", "t0", "t1", "fx", "var", "mech", "p")

    def __init__(self, name, t0, t1, fx=None, var=None, mech=None, **p):
        self.name, self.t0, self.t1 = NAME_MAP.get(name, name), t0, t1
        self.fx, self.var, self.mech, self.p = fx or {}, var or {}, mech, p

    def active(self, t, margin=0.0):
        return self.t0 - margin <= t <= self.t1 + margin


NAME_MAP = {"lead_off": "ecg_lead_off", "sampling": "blood_sampling", "flush": "line_flush",
            "capno_disconnect": "capnography_disconnect"}


def u(rng, a, b):
    return rng.uniform(a, b)


def plan_events(rng, pop, prof, T):
    """The genuine clinical, rhythm, breathing and artefact events of one patient stay [0, T)."""
    ev = []
    adult = pop.startswith("adult")
    neo = pop.startswith("neonatal")

    def at(d_min=60, d_max=600):
        d = u(rng, d_min, d_max)
        t0 = u(rng, 0, max(1.0, T - d * 0.5))
        return t0, t0 + d

    def add(name, t0, t1, fx=None, var=None, mech=None, **p):
        ev.append(Ev(name, t0, t1, fx, var, mech, **p))

    # Sleep periods (everyone): lower, quieter.
    for _ in range(rng.randint(0, 2)):
        t0, t1 = at(1800, 5400)
        add("sleep", t0, t1, {"HR": (-u(rng, 5, 12), 0, 600, 300), "RR": (-u(rng, 1, 3), 0, 600, 300),
                              "ABPS": (-u(rng, 5, 12), 0, 600, 300), "ABPD": (-u(rng, 3, 7), 0, 600, 300),
                              "SPO2": (-u(rng, 0, 1.2), 0, 600, 300)}, var={"HR": 0.6, "RR": 0.7, "ABPS": 0.7})
    nclin = rng.choice([1, 2, 2, 3, 3, 4])
    if adult or pop == "paediatric":
        menu = ["sepsis", "haemorrhage", "fluid_bolus", "vasopressor", "sedation_bolus", "sedation_hold", "pain",
                "delirium", "seizure", "rigors", "proning", "mobilisation", "physio", "crrt_hypotension",
                "hypoglycaemia", "suctioning", "desaturation", "fever", "osa", "cheyne_stokes", "svt", "vt_runs",
                "af_paroxysm", "bigeminy", "trigeminy", "extubation", "sbt", "weaning", "cardioversion",
                "impedance_cardiac"]
        if pop == "paediatric":
            menu = [m for m in menu if m not in ("crrt_hypotension", "cheyne_stokes", "osa", "cardioversion",
                                                 "af_paroxysm", "delirium")] + ["crying"]
    else:
        menu = ["brady_desat", "brady_desat", "apnoea", "feeding", "crying", "kangaroo", "phototherapy", "caffeine",
                "suctioning", "fever", "desaturation", "sedation_bolus", "fluid_bolus", "impedance_cardiac"]
    chosen = [rng.choice(menu) for _ in range(nclin)]
    # Ventilation state of the bed.
    vent = prof["ventilated"]
    # What a unit sees most: bradycardia-desaturation in nearly every preterm infant, often in term ones;
    # ventilated patients being weaned, trialled and extubated.
    if pop == "neonatal-preterm":
        chosen += ["brady_desat"] + (["brady_desat"] if rng.random() < 0.5 else []) + \
            (["apnoea"] if rng.random() < 0.5 else [])
    elif pop == "neonatal-term" and rng.random() < 0.4:
        chosen.append("brady_desat")
    if vent and not neo and rng.random() < 0.35:
        chosen.append(rng.choice(["weaning", "sbt", "extubation"]))
    for name in chosen:
        if name == "sepsis":
            t0, t1 = at(3600, 10800)
            add("sepsis", t0, t1, {"HR": (u(rng, 15, 35), 0, 2400, 1800), "ABPS": (-u(rng, 12, 28), 600, 2400, 1800),
                                   "ABPD": (-u(rng, 8, 16), 600, 2400, 1800), "RR": (u(rng, 4, 9), 300, 1800, 1800),
                                   "TEMP": (u(rng, 0.8, 2.0), 300, 3600, 3600), "ETCO2": (-u(rng, 2, 6), 600, 2400, 1800),
                                   "SPO2": (-u(rng, 1, 3), 900, 2400, 1800)})
        elif name == "haemorrhage":
            t0, t1 = at(1200, 3600)
            add("haemorrhage", t0, t1, {"HR": (u(rng, 20, 40), 0, 600, 1200), "ABPS": (-u(rng, 20, 35), 120, 900, 1200),
                                        "ABPD": (-u(rng, 10, 18), 120, 900, 1200), "RR": (u(rng, 3, 8), 60, 900, 900),
                                        "ETCO2": (-u(rng, 3, 7), 120, 900, 900)})
        elif name == "fluid_bolus":
            t0, t1 = at(900, 1800)
            k = 0.5 if neo else 1.0
            add("fluid_bolus", t0, t1, {"ABPS": (k * u(rng, 6, 15), 60, 600, 900), "ABPD": (k * u(rng, 3, 7), 60, 600, 900),
                                        "HR": (-k * u(rng, 4, 10), 120, 600, 900)})
        elif name == "vasopressor":
            t = u(rng, 0, T * 0.8)
            for _ in range(rng.randint(2, 5)):
                d = u(rng, 600, 1500)
                sgn = rng.choice([1, 1, -1])
                add("vasopressor", t, T, {"ABPS": (sgn * u(rng, 5, 10), 0, 240, 240), "ABPD": (sgn * u(rng, 3, 6), 0, 240, 240),
                                          "HR": (-sgn * u(rng, 0, 4), 60, 300, 300)})
                t += d
        elif name == "sedation_bolus":
            t0, t1 = at(600, 2400)
            add("sedation_bolus", t0, t1, {"HR": (-u(rng, 6, 15), 30, 180, 900), "ABPS": (-u(rng, 10, 22), 30, 240, 900),
                                           "ABPD": (-u(rng, 5, 12), 30, 240, 900), "RR": (-u(rng, 2, 6), 30, 180, 900),
                                           "ETCO2": (u(rng, 2, 6), 90, 300, 900), "SPO2": (-u(rng, 0, 2), 90, 300, 900)},
                var={"HR": 0.7})
        elif name == "sedation_hold":
            t0, t1 = at(1800, 5400)
            add("sedation_hold", t0, t1, {"HR": (u(rng, 8, 20), 300, 1200, 600), "ABPS": (u(rng, 8, 20), 300, 1200, 600),
                                          "ABPD": (u(rng, 4, 10), 300, 1200, 600), "RR": (u(rng, 4, 10), 300, 1200, 600)},
                var={"HR": 1.8, "RR": 1.8, "ABPS": 1.5}, mech="motion", rate=0.15)
        elif name == "pain":
            t0, t1 = at(300, 1200)
            add("pain_agitation", t0, t1, {"HR": (u(rng, 12, 25), 0, 90, 300), "ABPS": (u(rng, 12, 25), 0, 90, 300),
                                           "ABPD": (u(rng, 6, 12), 0, 90, 300), "RR": (u(rng, 5, 10), 0, 60, 300)},
                var={"HR": 1.6, "RR": 2.0}, mech="motion", rate=0.3)
        elif name == "delirium":
            t0, t1 = at(1800, 7200)
            add("delirium", t0, t1, {"HR": (u(rng, 6, 14), 0, 600, 600), "RR": (u(rng, 2, 6), 0, 600, 600)},
                var={"HR": 2.0, "RR": 2.0, "SPO2": 1.5}, mech="motion", rate=0.25)
        elif name == "seizure":
            t0, t1 = at(60, 300)
            add("seizure", t0, t1, {"HR": (u(rng, 30, 50), 0, 20, 300), "ABPS": (u(rng, 20, 35), 0, 30, 300),
                                    "ABPD": (u(rng, 10, 18), 0, 30, 300), "SPO2": (-u(rng, 5, 15), 30, 60, 240),
                                    "RR": (u(rng, 5, 15), 0, 20, 200)}, var={"RR": 3.0}, mech="ecg_noise_motion", rate=0.3)
        elif name == "rigors":
            t0, t1 = at(600, 1800)
            add("rigors", t0, t1, {"HR": (u(rng, 18, 30), 0, 180, 600), "RR": (u(rng, 5, 10), 0, 120, 600),
                                   "ABPS": (u(rng, 8, 18), 0, 180, 600), "TEMP": (u(rng, 0.8, 1.4), 600, 2400, 3600)},
                mech="ecg_noise_motion", rate=0.08)
        elif name == "proning":
            t0 = u(rng, 0, T * 0.9)
            add("proning", t0, t0 + u(rng, 300, 720), {"HR": (u(rng, 8, 18), 0, 60, 300), "SPO2": (-u(rng, 3, 8), 30, 90, 600),
                                                       "ABPS": (u(rng, 10, 20), 0, 60, 300)}, mech="disconnect", rate=0.5)
            add("prone", t0 + 600, min(T, t0 + u(rng, 7200, 16 * 3600)), {"SPO2": (u(rng, 2, 4), 0, 3600, 600)})
            add("transducer_shift", t0 + 500, min(T, t0 + u(rng, 900, 5400)),
                {p: (d, 0, 5, 5) for p, d in zip(("ABPS", "ABPD"), [rng.choice([-1, 1]) * u(rng, 8, 16)] * 2)})
        elif name == "mobilisation":
            t0, t1 = at(600, 1800)
            sg = rng.choice([1, 1, -1])
            add("mobilisation", t0, t1, {"HR": (u(rng, 15, 30), 0, 120, 300), "ABPS": (sg * u(rng, 10, 20), 0, 60, 300),
                                         "ABPD": (sg * u(rng, 5, 10), 0, 60, 300), "RR": (u(rng, 6, 12), 0, 90, 300),
                                         "SPO2": (-u(rng, 1, 4), 60, 120, 300)}, mech="motion", rate=0.35)
            add("transducer_shift", t0 + 30, t1 - 30, {"ABPS": (-u(rng, 10, 20), 0, 3, 3), "ABPD": (-u(rng, 10, 20), 0, 3, 3)})
        elif name == "physio":
            t0, t1 = at(900, 1800)
            add("physiotherapy", t0, t1, {"HR": (u(rng, 8, 15), 0, 120, 300), "RR": (u(rng, 4, 8), 0, 90, 300),
                                          "SPO2": (-u(rng, 1, 4), 60, 120, 600)}, mech="motion", rate=0.3)
        elif name == "crrt_hypotension":
            t0, t1 = at(600, 1800)
            add("crrt_hypotension", t0, t1, {"ABPS": (-u(rng, 20, 35), 0, 300, 600), "ABPD": (-u(rng, 10, 16), 0, 300, 600),
                                             "HR": (u(rng, 8, 16), 60, 300, 600)})
        elif name == "hypoglycaemia":
            t0, t1 = at(900, 2400)
            add("hypoglycaemia", t0, t1, {"HR": (u(rng, 15, 25), 0, 600, 600), "ABPS": (u(rng, 6, 14), 0, 600, 600),
                                          "RR": (u(rng, 2, 5), 0, 600, 600)}, var={"HR": 1.4}, mech="motion", rate=0.15)
        elif name == "suctioning":
            for _ in range(rng.randint(1, 4)):
                t0 = u(rng, 0, T - 300)
                d = u(rng, 40, 150)
                hr = -u(rng, 40, 80) if neo and rng.random() < 0.5 else u(rng, 10, 25)
                add("suctioning", t0, t0 + d, {"HR": (hr, 10, 20, 60), "SPO2": (-u(rng, 4, 12), 20, 40, 180),
                                               "ABPS": (u(rng, 8, 20), 0, 15, 60), "RR": (u(rng, 4, 12), 0, 10, 60)},
                    var={"RR": 2.5}, mech="capno_open" if vent else None, rate=0.7)
        elif name == "desaturation":
            t0, t1 = at(180, 900)
            if neo:
                add("desaturation", t0, t1, {"SPO2": (-u(rng, 8, 15), 0, 120, 300), "HR": (-u(rng, 5, 15), 20, 60, 300)})
            else:
                add("desaturation", t0, t1, {"SPO2": (-u(rng, 6, 12), 0, 180, 300), "HR": (u(rng, 8, 16), 30, 120, 300),
                                             "RR": (u(rng, 5, 10), 10, 90, 300)})
        elif name == "fever":
            t0, t1 = at(3600, 10800)
            dT = u(rng, 0.8, 2.0)
            add("fever", t0, t1, {"TEMP": (dT, 0, 3600, 3600), "HR": (10 * dT, 300, 3600, 3600),
                                  "RR": (2 * dT, 300, 3600, 3600)})
        elif name == "osa":
            t0, t1 = at(1800, 5400)
            add("obstructive_apnoea", t0, t1, mech="osa", period=u(rng, 70, 160), depth=u(rng, 5, 12))
            add("sleep", t0 - 300, t1 + 300, {"HR": (-u(rng, 4, 8), 0, 300, 300)}, var={"HR": 0.7})
        elif name == "cheyne_stokes":
            t0, t1 = at(1800, 7200)
            add("cheyne_stokes", t0, t1, mech="cheyne_stokes", period=u(rng, 45, 90), depth=u(rng, 2, 5))
        elif name == "svt":
            for _ in range(rng.randint(1, 3)):
                t0 = u(rng, 0, T - 600)
                t1 = t0 + u(rng, 60, 900)
                add("svt", t0, t1, mech="rate", rate=u(rng, 165, 210) if not neo else u(rng, 240, 280), pr_ratio=0.95)
        elif name == "vt_runs":
            for _ in range(rng.randint(1, 4)):
                t0 = u(rng, 0, T - 60)
                add("vt_run", t0, t0 + u(rng, 4, 25), mech="rate", rate=u(rng, 150, 220), pr_ratio=u(rng, 0.3, 0.7))
        elif name == "af_paroxysm":
            t0, t1 = at(1200, 5400)
            add("af", t0, t1, mech="af", rate=u(rng, 110, 150))
        elif name == "bigeminy":
            t0, t1 = at(600, 3600)
            add("bigeminy", t0, t1, mech="deficit", ratio=u(rng, 0.5, 0.6))
        elif name == "trigeminy":
            t0, t1 = at(600, 3600)
            add("trigeminy", t0, t1, mech="deficit", ratio=u(rng, 0.65, 0.75))
        elif name == "extubation" and vent:
            t0 = u(rng, T * 0.2, T * 0.8)
            add("extubation", t0, T, {"HR": (u(rng, 6, 14), 0, 120, 600), "SPO2": (-u(rng, 1, 3), 60, 300, 600),
                                      "ABPS": (u(rng, 6, 14), 0, 120, 600)}, mech="extubated", rr=u(rng, 18, 28))
        elif name == "sbt" and vent:
            t0, t1 = at(1800, 7200)
            add("spontaneous_breathing_trial", t0, t1, {"HR": (u(rng, 5, 12), 60, 600, 300),
                                                        "ABPS": (u(rng, 5, 12), 60, 600, 300)},
                var={"RR": 2.0}, mech="sbt", rr=u(rng, 20, 30))
        elif name == "weaning" and vent:
            t0 = u(rng, 0, T * 0.5)
            add("weaning", t0, T, mech="weaning", step_min=u(rng, 30, 60), step=2)
        elif name == "cardioversion" and adult:
            t0 = u(rng, 900, max(1000, T - 900))
            add("af", 0, t0, mech="af", rate=u(rng, 120, 150))
            add("cardioversion", t0, t0 + 20, mech="ecg_noise", rate=1.0)
        elif name == "impedance_cardiac":
            t0, t1 = at(120, 900)
            add("impedance_cardiac_artefact", t0, t1, mech="rr_cardiac")
        elif name == "brady_desat":
            for _ in range(rng.randint(2, 10)):
                t0 = u(rng, 0, T - 120)
                d = u(rng, 15, 80)
                add("brady_desat", t0, t0 + d, mech="brady", hr=u(rng, 55, 95), spo2=u(rng, 62, 84), rr=u(rng, 0, 12))
        elif name == "apnoea":
            for _ in range(rng.randint(2, 8)):
                t0 = u(rng, 0, T - 120)
                d = u(rng, 15, 30)
                add("apnoea", t0, t0 + d, mech="brady", hr=None, spo2=None, rr=u(rng, 0, 6),
                    dspo2=u(rng, 3, 10), dhr=u(rng, 10, 30))
        elif name == "feeding":
            t0, t1 = at(900, 1800)
            add("feeding", t0, t1, {"HR": (u(rng, 5, 12), 0, 120, 300), "SPO2": (-u(rng, 1, 4), 0, 120, 300)},
                var={"SPO2": 1.8}, mech="motion", rate=0.2)
        elif name == "crying":
            for _ in range(rng.randint(1, 4)):
                t0 = u(rng, 0, T - 400)
                add("crying", t0, t0 + u(rng, 60, 300), {"HR": (u(rng, 25, 40), 0, 20, 90), "RR": (u(rng, 10, 20), 0, 10, 60),
                                                         "SPO2": (-u(rng, 1, 4), 10, 30, 90), "ABPS": (u(rng, 6, 12), 0, 20, 60)},
                    var={"RR": 2.5, "HR": 1.5}, mech="motion", rate=0.5)
        elif name == "kangaroo":
            t0, t1 = at(3600, 7200)
            add("kangaroo_care", t0, t1, {"HR": (-u(rng, 3, 8), 0, 600, 300), "RR": (-u(rng, 2, 6), 0, 600, 300),
                                          "SPO2": (u(rng, 0, 1.5), 0, 600, 300), "TEMP": (u(rng, 0.1, 0.4), 300, 1800, 900)},
                var={"HR": 0.7})
            add("handling", t0 - 120, t0 + 60, mech="disconnect", rate=0.6)
            add("handling", t1 - 60, t1 + 120, mech="disconnect", rate=0.6)
        elif name == "phototherapy":
            t0, t1 = at(7200, 14400)
            add("phototherapy", t0, t1, {"TEMP": (u(rng, 0.2, 0.6), 0, 2400, 1800), "HR": (u(rng, 3, 8), 0, 2400, 1800)})
        elif name == "caffeine":
            t0 = u(rng, 0, T * 0.7)
            add("caffeine", t0, T, {"HR": (u(rng, 8, 20), 600, 2400, 0)})
    # Post-operative rewarming on cardiac-surgical beds.
    if pop == "adult-cardiac" and rng.random() < 0.6:
        t1 = u(rng, 3600, 3 * 3600)
        add("rewarming", 0, t1, {"TEMP": (-u(rng, 1.2, 2.2), -3600, 0, t1 + 1800), "HR": (-u(rng, 4, 10), -3600, 0, t1 + 1800)})
        add("shivering", t1 * 0.6, t1 * 0.6 + u(rng, 300, 1200), {"HR": (u(rng, 8, 15), 0, 60, 300)},
            mech="ecg_noise_motion", rate=0.08)
    # Short artefacts, by bed rate.
    nart = rng.randint(1, 8)
    for _ in range(nart):
        kind = rng.choices(["probe_off", "lead_off", "ecg_noise", "low_perfusion", "motion", "nibp_arm",
                            "capno_disconnect", "temp_displaced", "flush", "sampling", "zeroing", "damping"],
                           [14, 10, 10, 8, 16, 4, 5, 5, 6, 8, 4, 4])[0]
        if kind in ("flush", "sampling", "zeroing", "damping") and not prof["abp"]:
            continue
        if kind == "capno_disconnect" and not prof["etco2"]:
            continue
        t0 = u(rng, 0, T - 60)
        d = {"probe_off": (20, 600), "lead_off": (10, 300), "ecg_noise": (3, 30), "low_perfusion": (600, 3600),
             "motion": (30, 300), "nibp_arm": (0, 0), "capno_disconnect": (30, 300), "temp_displaced": (600, 2400),
             "flush": (2, 8), "sampling": (20, 60), "zeroing": (10, 40), "damping": (600, 2400)}[kind]
        t1 = t0 + u(rng, *d)
        if kind == "low_perfusion":
            add("low_perfusion", t0, t1, {"SPO2": (-u(rng, 2, 6), 0, 120, 120)}, mech="low_perfusion", rate=0.4)
        elif kind == "motion":
            add("motion", t0, t1, mech="motion", rate=0.6)
        elif kind == "temp_displaced":
            add("temp_probe_displaced", t0, t1, {"TEMP": (-u(rng, 2.5, 6), 0, 900, 120)})
        elif kind == "damping":
            add("damped_line", t0, t1, mech="damping", k=u(rng, 0.3, 0.6))
        elif kind == "nibp_arm":
            prof["nibp_arm"] = True
        else:
            add(kind, t0, t1, mech=kind)
    if prof["abp"] and rng.random() < 0.7:  # line flushes and samples recur in every arterial-lined patient
        for _ in range(rng.randint(1, 5)):
            t0 = u(rng, 0, T - 30)
            k = rng.choice(["flush", "sampling", "sampling"])
            add(k, t0, t0 + u(rng, 3, 40), mech=k)
    return ev


def rhythm_of(rng, pop):
    if pop.startswith("neonatal") or pop == "paediatric":
        return rng.choices(["sinus", "sinus", "junctional"], [90, 8, 2])[0]
    r = rng.choices(["sinus", "af", "flutter", "paced", "heart_block", "junctional"], [62, 16, 5, 9, 4, 4])[0]
    if pop == "adult-cardiac" and r == "sinus" and rng.random() < 0.3:
        r = "paced"
    return r


# ----------------------------------------------------------------------------------------------------------------
# Planning the population.

def plan_population(seed, monitors, hours):
    rng = R(seed, "plan")
    idx = list(range(monitors))
    rng.shuffle(idx)
    n_clean = monitors // 3
    clean = set(idx[:n_clean])
    manip = sorted(idx[n_clean:], key=lambda i: (R(seed, "deal", i).random(), i))
    kind_of, strength_of = {}, {}
    seen = {}
    for j, i in enumerate(manip):
        k = KINDS[j % len(KINDS)]
        n = seen.get(k, 0)
        seen[k] = n + 1
        kind_of[i] = k
        strength_of[i] = "subtle" if n % 5 in (1, 3) else "blatant"
    # Gateway groups: runs of consecutive beds on one connection.
    groups = []
    ngw = 2 if monitors >= 100 else 1 if monitors >= 20 else 0
    taken = set()
    for g in range(ngw):
        size = rng.randint(3, 4)
        for _ in range(50):
            s = rng.randrange(0, monitors - size)
            if not any(b in taken for b in range(s - 1, s + size + 1)):
                break
        groups.append(list(range(s, s + size)))
        taken.update(range(s, s + size))
    units = []
    gw_of = {b: gi for gi, g in enumerate(groups) for b in g}
    i = 0
    while i < monitors:
        if i in gw_of:
            g = groups[gw_of[i]]
            units.append(g)
            i = g[-1] + 1
        else:
            units.append([i])
            i += 1
    return units, clean, kind_of, strength_of, gw_of


def bed_profile(seed, b, kind, gateway, hours):
    rng = R(seed, b, "profile")
    pop = rng.choices(POPS, POP_W)[0]
    if kind in ("unit_mislabel",) and pop.startswith("neonatal") and rng.random() < 0.5:
        pop = "adult-medical"
    cls = CLASS[pop]
    layout = "dig-gateway" if gateway else rng.choices(SINGLE_LAYOUTS, LAYOUT_W)[0]
    L = LAYOUTS[layout]
    adult = cls == "adult"
    abp = rng.random() < (0.7 if adult else 0.45 if cls == "paediatric" else 0.3)
    ventilated = rng.random() < (0.55 if adult else 0.45 if cls == "paediatric" else 0.35)
    etco2 = ventilated and rng.random() < 0.85 or (not ventilated and rng.random() < 0.1)
    temp = rng.random() < 0.85
    nibp = (not abp and rng.random() < 0.95) or (abp and rng.random() < 0.35)
    if kind in ("unit_mislabel",):
        etco2 = True
    if kind in ("bp_inconsistent",) and not abp and not nibp:
        nibp = True
    if kind == "nibp_cadence":
        nibp = True
    cad = rng.choices([1, 2, 5, 10, 15, 30, 60], [2, 3, 10, 22, 10, 25, 28])[0]
    if layout == "dig-gateway":
        cad = rng.choice([5, 10, 15, 30, 60])
    if kind == "nibp_cadence":
        cad = rng.choice([2, 5, 5, 10])
    if kind == "replay" and cad == 1:
        cad = 5
    send = "periodic"
    if kind not in ("nibp_cadence", "frozen", "too_smooth") and layout not in ("dig-gateway",):
        r = rng.random()
        if r < 0.06:
            send = "on_change"
            cad = rng.choice([2, 5])
        elif r < 0.12 and layout in ("ge-pcd01", "nihon-kohden", "spacelabs"):
            send = "trend_batch"
            cad = 60
    etco2_unit = "mmhg"
    if etco2 and layout in ("draeger", "dig-gateway", "philips-mdil") and rng.random() < 0.5:
        etco2_unit = "kpa"
    if kind == "unit_mislabel":
        etco2_unit = "mmhg"
    temp_unit = "degf" if layout == "spacelabs" and rng.random() < 0.7 else "cel"
    tz = rng.choice(TZ_BY_LAYOUT[layout]) if L["tz"] else 0
    rl = R(seed, b, "limits")
    if layout == "ge-pcd01" and tz < 0 and rl.random() < 0.4:
        temp_unit = "degf"  # a US site displaying Fahrenheit: unit 268160 (MDC_DIM_FAHR)
    # Alarm limits as set at the bedside (GE rows carry them in OBX-7, with H/L in OBX-8).
    lim = {"adult": {"HR": (50, 120), "PR": (50, 120), "SPO2": (90, 100), "RR": (8, 30), "ABPS": (90, 160),
                     "ABPD": (40, 90), "ABPM": (65, 110), "TEMP": (35.0, 38.5), "ETCO2": (25, 50)},
           "paediatric": {"HR": (70, 160), "PR": (70, 160), "SPO2": (92, 100), "RR": (15, 40), "ABPS": (75, 130),
                          "ABPD": (35, 80), "ABPM": (50, 95), "TEMP": (35.5, 38.5), "ETCO2": (30, 50)},
           "neonatal": {"HR": (100, 200), "PR": (100, 200), "SPO2": (85, 95), "RR": (20, 80), "ABPS": (40, 80),
                        "ABPD": (20, 55), "ABPM": (28, 60), "TEMP": (36.0, 37.8), "ETCO2": (30, 60)}}[cls]
    limits = {}
    for p, (lo, hi) in lim.items():
        if p == "TEMP":
            limits[p] = (lo, hi)
        else:
            limits[p] = (int(lo + rl.choice([-10, -5, 0, 0, 0, 5]) * (lo > 20)), int(hi + rl.choice([0, 0, 0, 10, 20]) * (hi > 20)))
    limits["SPO2"] = (limits["SPO2"][0], min(100, limits["SPO2"][1]))
    nibp_every = rng.choice([5, 15, 15, 30, 30, 60]) if cls != "neonatal" else rng.choice([60, 120, 180])
    rr_code = rng.choice([151562, 151562, 151578]) if L["code"].startswith("mdc") else 151562
    rv = R(seed, b, "variants")
    if layout == "mindray" and rv.random() < 0.3:
        rr_code = 151658  # RR derived from the pleth (Mindray), issue 14
    temp_code = 150344
    if L["code"].startswith("mdc"):
        temp_code = rv.choice([150344, 150364] + ([188496, 188496] if cls == "neonatal" else []))
    ctrl_const = L["ctrl"] == "int" and layout == "mindray" and kind not in ("duplicate_control_id",) and rng.random() < 0.15
    return dict(pop=pop, cls=cls, layout=layout, abp=abp, ventilated=ventilated, etco2=etco2, temp=temp, nibp=nibp,
                cadence=cad, send=send, etco2_unit=etco2_unit, temp_unit=temp_unit, tz=tz, nibp_every=nibp_every,
                rr_code=rr_code, ctrl_const=ctrl_const, limits=limits, nibp_arm=False, pv1=L["pv1"] and rng.random() < 0.9,
                placeholder=rv.choice(PLACEHOLDERS.get(layout, [L["nm"]])), temp_code=temp_code)


# ----------------------------------------------------------------------------------------------------------------
# Identity.

FAMILY = ["Smith", "Jones", "Garcia", "Nguyen", "Okafor", "Schmidt", "Rossi", "Kowalski", "Tanaka", "Haddad", "Murphy",
          "Silva", "Ivanova", "Johansson", "Dubois", "Novak", "Kim", "Patel", "Moreau", "Fischer", "Larsen", "Costa",
          "Walker", "Ahmed", "Yamamoto", "Oliveira", "Brennan", "Lindqvist", "Mensah", "Horvath"]
GIVEN = ["Anna", "James", "Maria", "Wei", "Chidi", "Lena", "Marco", "Ewa", "Hiro", "Omar", "Siobhan", "Rui", "Olga",
         "Erik", "Claire", "Petr", "Min", "Ravi", "Luc", "Jonas", "Freya", "Ines", "Tom", "Aisha", "Yuki", "Bruno",
         "Niamh", "Sven", "Kofi", "Zsofia"]


def new_patient(rng, cls, start):
    fam, giv = rng.choice(FAMILY), rng.choice(GIVEN)
    if cls == "neonatal":
        giv = rng.choice(["Baby", "BabyBoy", "BabyGirl", "Twin1", "Twin2"])
        dob = start - timedelta(days=rng.randint(0, 60))
    elif cls == "paediatric":
        dob = start - timedelta(days=rng.randint(200, 5000))
    else:
        dob = start - timedelta(days=rng.randint(18 * 365, 92 * 365))
    return {"mrn": "%08d" % rng.randint(10 ** 6, 10 ** 8 - 1), "fam": fam, "giv": giv,
            "dob": dob.strftime("%Y%m%d"), "sex": rng.choice("MF"), "visit": "V%09d" % rng.randint(10 ** 7, 10 ** 9 - 1),
            "unident": False}


# ----------------------------------------------------------------------------------------------------------------
# Simulating one bed: message times, values, device behaviour.

class Msg:
    __slots__ = ("t", "arr", "dev", "vals", "nibp", "nibp_fresh", "pat", "ctrl", "ev", "typ", "src", "bytes",
                 "forged", "epi", "boot", "ident_note", "etu")

    def __init__(self, t):
        self.t, self.arr, self.dev = t, t, t
        self.vals, self.nibp, self.nibp_fresh, self.pat = {}, None, False, None
        self.ctrl, self.ev, self.typ, self.src, self.bytes = "", set(), "oru", None, None
        self.forged, self.epi, self.boot, self.ident_note, self.etu = False, 0, 0, None, None


def message_times(rng, prof, T, quiet):
    """True (device-independent) times of the periodic reports, before network effects; excludes `quiet` spans."""
    cad = prof["cadence"]
    ts = []
    t = rng.uniform(0, cad)
    jit = 0.02 * cad
    while t < T:
        if not any(a <= t < b for a, b in quiet):
            ts.append(t)
        t += cad + rng.gauss(0, jit) if cad > 1 else 1.0
    return ts


def simulate_bed(seed, b, prof, kind, strength, T, gw_eui=None):
    rng_e = R(seed, b, "events")
    rng_p = R(seed, b, "phys")
    rng_d = R(seed, b, "device")
    rng_m = R(seed, b, "measure")
    pop, cls = prof["pop"], prof["cls"]
    evs = plan_events(rng_e, pop, prof, T)
    rhythm = rhythm_of(rng_e, pop)
    if kind == "hr_pr_mismatch":  # the forgery goes on a bed without AF, flutter, pacing or ectopy
        rhythm = "sinus"
        evs = [e for e in evs if e.mech not in ("af", "deficit", "rate", "low_perfusion", "ecg_noise",
                                                "ecg_noise_motion")]
    if kind == "unit_mislabel":  # the bed keeps its capnograph (no extubation) so there is an etCO2 to mislabel
        evs = [e for e in evs if e.mech != "extubated"]
    bk = base_key(pop)
    B = BASE[bk]
    # Forgery window planned before device events so that resends/backlogs/turnovers keep clear of it.
    fplan = plan_forgery(seed, b, prof, kind, strength, T, rhythm) if kind else None
    fw = (fplan["t0"] - 240, fplan["t1"] + 240) if fplan else None

    def clear(t0, t1):
        return not fw or t1 < fw[0] or t0 > fw[1]

    # Device / network events.
    quiet = []
    turnovers, reboots, stalls = [], [], []
    if rng_d.random() < 0.25 and T > 3600:
        for _ in range(10):
            td = rng_d.uniform(0.2 * T, 0.8 * T)
            gap = rng_d.uniform(600, 2400)
            if clear(td - 300, td + gap + 600) and (kind != "identity_switch"):
                turnovers.append((td, td + gap))
                quiet.append((td, td + gap))
                break
    if rng_d.random() < 0.15:
        for _ in range(10):
            tr = rng_d.uniform(0.1 * T, 0.9 * T)
            gap = rng_d.uniform(60, 200)
            if clear(tr - 300, tr + gap + 300) and not any(a - 300 < tr < b2 + 300 for a, b2 in quiet):
                reboots.append((tr, tr + gap))
                quiet.append((tr, tr + gap))
                break
    if rng_d.random() < 0.2:
        for _ in range(10):
            ts = rng_d.uniform(0.05 * T, 0.9 * T)
            d = rng_d.uniform(60, 600)
            if clear(ts - 120, ts + d + 120):
                stalls.append((ts, ts + d))
                break
    unident_until = None
    if rng_d.random() < 0.12:
        unident_until = rng_d.uniform(600, min(T * 0.7, 5400))
    # Clock: offset, drift, NTP steps; time zone.
    off = rng_d.gauss(0, 2.0) if rng_d.random() < 0.8 else rng_d.uniform(-40, 40)
    drift = rng_d.gauss(0, 1.0) / 3600.0  # s per s (a few s per hour)
    ntp = []
    if rng_d.random() < 0.3:
        tn = rng_d.uniform(0.1 * T, 0.9 * T)
        if clear(tn - 120, tn + 120):
            ntp.append(tn)
    send = prof["send"]
    times = message_times(rng_d, prof, T, quiet)
    # Physiology state.
    base = {p: rng_p.gauss(v[0], v[1]) for p, v in B.items()}
    if cls == "neonatal":
        base["SPO2"] = clamp(base["SPO2"], 86, 99)
    else:
        base["SPO2"] = clamp(base["SPO2"], 88, 100)
    base["RR"] = max(base["RR"], 8)
    base["ABPD"] = min(base["ABPD"], base["ABPS"] - 15)
    vent_rate = None
    if prof["ventilated"]:
        vent_rate = rng_p.choice([12, 14, 16, 18, 20]) if cls == "adult" else rng_p.choice([20, 25, 30, 40, 50])
    paced_rate = rng_p.choice([60, 70, 80, 90]) if rhythm == "paced" else None
    if rhythm == "heart_block":
        base["HR"] = rng_p.uniform(34, 46)
    elif rhythm == "junctional":
        base["HR"] = rng_p.uniform(42, 60)
    elif rhythm == "af":
        base["HR"] = rng_p.uniform(90, 140)
    elif rhythm == "flutter":
        base["HR"] = rng_p.uniform(143, 154)
    if bk == "adult" and rng_p.random() < 0.25:  # hypertensive, or hypotensive on pressors
        base["ABPS"] += rng_p.choice([-1, 1]) * rng_p.uniform(10, 25)
    # After a bed turnover the next patient has baselines of their own.
    rng_p2 = R(seed, b, "phys-next")
    base2 = {p: rng_p2.gauss(v[0], v[1]) for p, v in B.items()}
    base2["SPO2"] = clamp(base2["SPO2"], 88, 99)
    base2["RR"] = max(base2["RR"], 8)
    base2["ABPD"] = min(base2["ABPD"], base2["ABPS"] - 15)
    turn_at = turnovers[0][1] if turnovers else None
    tone = OU(rng_p, 1800, 1.0)
    slow = {p: OU(rng_p, rng_p.uniform(1200, 3600), B[p][2]) for p in B}
    fast = {p: OU(rng_p, rng_p.uniform(90, 300), B[p][3]) for p in B}
    meas = {p: OU(rng_m, B[p][5], B[p][4]) for p in B}
    af_noise = OU(rng_m, 4, 1.0)
    deficit_ou = OU(rng_m, 6, 1.0)
    nibp_times = []
    if prof["nibp"]:
        t = rng_d.uniform(0, prof["nibp_every"] * 60)
        while t < T:
            nibp_times.append(t)
            t += prof["nibp_every"] * 60
        # STAT series (cycles every 35-60 s for 5 min) and failed readings retried.
        if rng_d.random() < 0.3:
            ts0 = rng_d.uniform(0, T - 400)
            if clear(ts0 - 60, ts0 + 360) or kind != "nibp_cadence":
                k = ts0
                while k < ts0 + 300:
                    nibp_times.append(k)
                    k += rng_d.uniform(35, 60)
                evs.append(Ev("nibp_stat", ts0, ts0 + 330))
        nibp_times.sort()
    fails = set()
    for i in range(len(nibp_times)):
        if rng_d.random() < 0.07:
            fails.add(i)
            nibp_times.append(nibp_times[i] + rng_d.uniform(60, 150))
            evs.append(Ev("nibp_retry", nibp_times[i], nibp_times[i] + 200))
    nibp_times = sorted(set(nibp_times))
    evs.sort(key=lambda e: e.t0)

    def physio(t, mrng):
        """True displayed values at time t, and the active condition names."""
        names = set()
        bs = base2 if turn_at is not None and t >= turn_at else base
        d = dict.fromkeys(PARAMS, 0.0)
        var = {}
        mechs = []
        for e in evs:
            if e.t0 - 3600 > t:
                break
            if e.fx:
                for p, (dl, lag, rise, fall) in e.fx.items():
                    v = ramp(t, e.t0, e.t1, rise, fall, lag)
                    if v:
                        d[p] += dl * v
            if e.active(t):
                names.add(e.name)
                for p, m in e.var.items():
                    var[p] = var.get(p, 1.0) * m
                if e.mech:
                    mechs.append(e)
            elif e.mech == "brady" and e.active(t, 120):
                names.add(e.name)
                mechs.append(e)
        tn = tone.at(t)
        v = {}
        for p in ("HR", "SPO2", "RR", "ABPS", "ABPD", "TEMP", "ETCO2"):
            k = var.get(p, 1.0)
            w = slow[p].at(t) + fast[p].at(t) * k + meas[p].at(t) * k
            v[p] = base[p] + w + d[p]
        v["HR"] += 3 * tn
        v["ABPS"] += 4 * tn
        v["ABPD"] += 2 * tn
        v["RR"] += 0.8 * tn
        # Rhythm.
        rh = rhythm
        pr_ratio = 1.0
        for e in mechs:
            if e.mech == "af":
                rh = "af"
        if rh == "af":
            names.add("af")
            afr = next((e.p["rate"] for e in mechs if e.mech == "af"), None)
            if afr and rhythm != "af":  # paroxysm: the ventricular rate of AF replaces the base rhythm's
                v["HR"] += afr - bs["HR"]
            v["HR"] += 10 * af_noise.at(t)
            pr_ratio = clamp(1 - 0.06 - 0.05 * abs(deficit_ou.at(t)) - max(0, v["HR"] - 110) / 400, 0.6, 1.0)
        elif rh == "flutter":
            names.add("atrial_flutter")
            v["HR"] = bs["HR"] + 0.8 * meas["HR"].at(t)
        elif rh == "paced":
            names.add("paced")
            v["HR"] = max(paced_rate + mrng.choice([0, 0, 0, 0, 1, -1]), v["HR"] - 15)
            if v["HR"] < paced_rate + 2:
                v["HR"] = paced_rate + (mrng.random() < 0.1)
        elif rh == "heart_block":
            names.add("heart_block")
            v["HR"] = bs["HR"] + 0.3 * meas["HR"].at(t) + 0.3 * d["HR"]
        elif rh == "junctional":
            names.add("junctional")
        for e in mechs:
            m = e.mech
            if m == "rate":
                v["HR"] = e.p["rate"] + mrng.gauss(0, 2)
                pr_ratio = e.p["pr_ratio"]
            elif m == "deficit" and rh not in ("af", "heart_block", "paced"):
                pr_ratio = e.p["ratio"] + mrng.gauss(0, 0.03)
                v["HR"] = max(v["HR"] + 5, 68 if cls == "adult" else 100 + mrng.gauss(0, 2))
            elif m == "osa":
                ph = ((t - e.t0) % e.p["period"]) / e.p["period"]
                if ph < 0.3:
                    v["RR"] = mrng.uniform(0, 4)
                    names.add("apnoea")
                elif ph < 0.45:
                    v["RR"] += 6
                    v["HR"] += 10 * (ph - 0.3) / 0.15
                ph2 = ((t - e.t0 - 25) % e.p["period"]) / e.p["period"]
                v["SPO2"] -= e.p["depth"] * math.sin(math.pi * min(1, ph2 / 0.5)) if ph2 < 0.5 else 0
            elif m == "brady":
                if e.p["hr"] is not None:
                    sh = ramp(t, e.t0, e.t1, 10, 40)
                    v["HR"] += (e.p["hr"] - v["HR"]) * sh
                    s2 = ramp(t, e.t0, e.t1, 20, 90, 10)
                    v["SPO2"] += (e.p["spo2"] - v["SPO2"]) * s2
                else:
                    v["HR"] -= e.p["dhr"] * ramp(t, e.t0, e.t1, 10, 30, 12)
                    v["SPO2"] -= e.p["dspo2"] * ramp(t, e.t0, e.t1, 15, 60, 15)
                sr = ramp(t, e.t0 - 10, e.t1 - 10, 5, 15)
                v["RR"] += (e.p["rr"] - v["RR"]) * sr
            elif m == "cheyne_stokes":
                ph = ((t - e.t0) % e.p["period"]) / e.p["period"]
                if ph < 0.35:
                    v["RR"] = mrng.uniform(0, 4)
                else:
                    v["RR"] = bs["RR"] * (0.8 + 0.9 * math.sin(math.pi * (ph - 0.35) / 0.65))
                ph2 = ((t - e.t0 - 20) % e.p["period"]) / e.p["period"]
                v["SPO2"] -= e.p["depth"] * (0.5 - 0.5 * math.cos(2 * math.pi * ph2))
                v["HR"] += 4 * math.sin(2 * math.pi * ph)
        # Ventilation.
        vr = vent_rate
        spont = None
        extubated = False
        for e in mechs:
            if e.mech == "weaning" and vr:
                vr = max(vr - e.p["step"] * int((t - e.t0) / (e.p["step_min"] * 60)), 6 if cls == "adult" else 15)
            elif e.mech in ("extubated", "sbt"):
                spont = e.p["rr"]
        if vr and spont is None:
            trig = max(0, mrng.gauss(0, 1.5)) if mrng.random() < 0.3 else 0
            v["RR"] = vr + round(trig) + 0.0
            names.add("ventilated")
            v["ETCO2"] = bs["ETCO2"] + slow["ETCO2"].at(t) + 0.4 * meas["ETCO2"].at(t) + d["ETCO2"]
        elif spont is not None:
            v["RR"] = spont + slow["RR"].at(t) + 2 * meas["RR"].at(t) * var.get("RR", 1) + d["RR"]
            if any(e.mech == "extubated" and t > e.t0 + 60 for e in mechs):
                extubated = True
        # Physiological floors (a displayed rate never creeps to zero in a perfused patient).
        floor = {"adult": 38, "paediatric": 55}.get(cls, 50)
        if rh == "heart_block":
            floor = 28
        if v["HR"] < floor:
            v["HR"] = floor + abs(mrng.gauss(0, 1.5))
        v["RR"] = max(0.0, v["RR"])
        lo_s, lo_d = {"adult": (62, 30), "paediatric": (55, 25)}.get(cls, (28, 14))
        if v["ABPS"] < lo_s:
            v["ABPS"] = lo_s + abs(mrng.gauss(0, 2))
        if v["ABPD"] < lo_d:
            v["ABPD"] = lo_d + abs(mrng.gauss(0, 1.5))
        v["TEMP"] = max(v["TEMP"], 29.0 + mrng.uniform(0, 0.3))
        # Pulse rate from the oximeter follows the ECG rate with its own averaging.
        v["PR"] = v["HR"] * pr_ratio + 0.8 * mrng.gauss(0, 1)
        v["PRA"] = v["HR"] * pr_ratio + 0.6 * mrng.gauss(0, 1)  # pulse rate from the arterial waveform
        if "bigeminy" in names:
            v["PVC"] = v["HR"] / 2 + mrng.gauss(0, 2)
        elif "trigeminy" in names:
            v["PVC"] = v["HR"] / 3 + mrng.gauss(0, 2)
        elif "vt_run" in names:
            v["PVC"] = v["HR"] * 0.8
        else:
            v["PVC"] = max(0.0, mrng.gauss(0.3, 1.2)) if mrng.random() < 0.5 else 0.0
        # Arterial mean from the waveform.
        v["ABPD"] = min(v["ABPD"], v["ABPS"] - 8)
        v["ABPM"] = v["ABPD"] + (v["ABPS"] - v["ABPD"]) * mrng.uniform(0.36, 0.42)
        # Artefacts.
        gone = set()
        for e in mechs:
            m = e.mech
            r = e.p.get("rate", 1.0)
            if m == "probe_off":
                gone |= {"SPO2", "PR"}
                names.add("probe_off")
            elif m == "lead_off":
                gone |= {"HR", "PVC"}
                names.add("ecg_lead_off")
            elif m in ("ecg_noise", "ecg_noise_motion"):
                names.add("ecg_noise")
                if mrng.random() < r:
                    v["HR"] = mrng.choice([v["HR"] * 2, mrng.uniform(160, 260), v["HR"] * 1.5])
                if m == "ecg_noise_motion" and mrng.random() < r:
                    v["SPO2"] -= mrng.uniform(2, 12)
                    v["PR"] += mrng.gauss(0, 20)
            elif m == "motion":
                names.add("motion")
                if mrng.random() < r:
                    v["SPO2"] -= mrng.uniform(1, 14)
                    v["PR"] += mrng.gauss(0, 18)
                    v["RR"] += mrng.gauss(0, 6)
                    if mrng.random() < 0.3:
                        v["HR"] = max(25.0, v["HR"] + mrng.gauss(0, 20))
            elif m == "low_perfusion":
                names.add("low_perfusion")
                if mrng.random() < r:
                    v["PR"] = v["HR"] * mrng.choice([0.5, 0.5, mrng.uniform(0.4, 0.9)])
                if mrng.random() < 0.15:
                    gone |= {"SPO2", "PR"}
            elif m == "disconnect":
                names.add("handling")
                if mrng.random() < r:
                    gone |= set(mrng.sample(["SPO2", "PR", "HR", "RR"], mrng.randint(1, 3)))
            elif m == "flush":
                gone.add("PRA")
                names.add("line_flush")
                p0 = mrng.uniform(280, 310) if cls == "adult" else mrng.uniform(150, 260)
                v["ABPS"], v["ABPD"], v["ABPM"] = p0 + mrng.uniform(0, 4), p0 - mrng.uniform(0, 5), p0 - mrng.uniform(0, 2)
            elif m == "sampling":
                names.add("blood_sampling")
                p0 = mrng.uniform(4, 25) if mrng.random() < 0.6 else v["ABPM"]
                v["ABPS"], v["ABPD"], v["ABPM"] = p0 + mrng.uniform(0, 3), p0 - mrng.uniform(0, 3), p0
            elif m == "zeroing":
                gone.add("PRA")
                names.add("zeroing")
                v["ABPS"], v["ABPD"], v["ABPM"] = mrng.uniform(-1, 2), mrng.uniform(-2, 1), mrng.uniform(-1, 1)
            elif m == "damping":
                names.add("damped_line")
                k = e.p["k"]
                mn = v["ABPM"]
                v["ABPS"] = mn + (v["ABPS"] - mn) * (1 - k)
                v["ABPD"] = mn - (mn - v["ABPD"]) * (1 - k)
            elif m == "capno_disconnect" or (m == "capno_open" and mrng.random() < r):
                names.add("capnography_disconnect")
                v["ETCO2"] = mrng.uniform(0, 3)
            elif m == "rr_cardiac":
                names.add("impedance_cardiac_artefact")
                v["RR"] = v["HR"] + mrng.gauss(0, 2)
        v["SPO2"] = clamp(v["SPO2"], 40.0, 100.0)
        v["PR"] = max(v["PR"], 25 + abs(mrng.gauss(0, 3)))
        if extubated:
            gone.add("ETCO2")  # capnography removed with the tube
        for p in gone:
            v[p] = None
        return v, names

    # Build messages.
    msgs = []
    nt_i = 0
    last_nibp = None
    all_nibp = []
    for i, nt in enumerate(nibp_times):
        all_nibp.append((nt, i in fails))
    for t in times:
        m = Msg(t)
        vals, names = physio(t, rng_m)
        m.vals = vals
        m.ev = names
        # NIBP: last completed measurement.
        fresh = False
        while nt_i < len(all_nibp) and all_nibp[nt_i][0] <= t:
            tm, failed = all_nibp[nt_i]
            nt_i += 1
            if failed:
                continue
            pv, _ = physio(tm, R(seed, b, "nibp", nt_i))
            s = pv["ABPS"] + rng_m.gauss(-3 if prof["abp"] else 0, 6)
            dd = pv["ABPD"] + rng_m.gauss(3, 5)
            lo_d, lo_s = {"adult": (30, 65), "paediatric": (25, 55)}.get(cls, (15, 30))
            s = max(s, lo_s + abs(rng_m.gauss(0, 3)))
            dd = clamp(dd, lo_d + abs(rng_m.gauss(0, 2)), s - 10)
            mn = dd + (s - dd) / 3 + rng_m.gauss(0, 2)
            last_nibp = (s, dd, mn, tm)
            fresh = True
            if prof["nibp_arm"] and rng_m.random() < 0.8:
                for mm in msgs[-3:]:
                    if tm - 45 <= mm.t <= tm:
                        mm.vals["SPO2"] = None if rng_m.random() < 0.5 else (mm.vals["SPO2"] or 90) - rng_m.uniform(5, 20)
                        mm.vals["PR"] = None
                        mm.ev.add("nibp_cuff_same_arm")
        if prof["nibp"]:
            m.nibp = last_nibp
            m.nibp_fresh = fresh
            if last_nibp and t - last_nibp[3] < 60:
                names.add("nibp_reading")
        msgs.append(m)
    # Send-on-change: drop messages whose displayed values did not change enough (heartbeat at 60 s).
    if send == "on_change":
        kept, last, lt = [], None, -1e9
        for m in msgs:
            key = tuple(None if m.vals.get(p) is None else round(m.vals[p] / (3 if p in ("HR", "PR", "ABPS") else 1))
                        for p in ("HR", "SPO2", "RR", "ABPS"))
            if key != last or m.t - lt >= 60 or m.nibp_fresh:
                kept.append(m)
                last, lt = key, m.t
        msgs = kept
    # Identity over time.
    rng_i = R(seed, b, "identity")
    pats = [new_patient(rng_i, cls, START)]
    temp_mrn = "T%06d" % rng_i.randint(0, 999999)
    for m in msgs:
        k = sum(1 for a, _ in turnovers if m.t >= a)
        while len(pats) <= k:
            pats.append(new_patient(rng_i, cls, START))
            temp_mrn = "T%06d" % rng_i.randint(0, 999999)
        p = pats[k]
        if k == 0 and unident_until and m.t < unident_until:
            p = dict(p, unident=True, tmp=temp_mrn)
            m.ev.add("unidentified")
        elif k == 0 and unident_until and m.t < unident_until + 900:
            m.ev.add("identified_after_admission")
        if k > 0 and m.t < turnovers[k - 1][1] + 900:
            m.ev.add("bed_turnover")
        m.pat = p
    # Device clock and network.
    backlog_k = 0
    for m in msgs:
        clock = off + drift * m.t
        for tn in ntp:
            if m.t >= tn:  # after an NTP sync the clock is near true, then drifts again
                clock = 0.3 + drift * (m.t - tn)
            if tn <= m.t < tn + 600:
                m.ev.add("ntp_step")
        bcount = sum(1 for a, bb in reboots if m.t >= bb)
        m.boot = bcount
        if bcount and m.t < reboots[bcount - 1][1] + 600:
            m.ev.add("reboot")
        m.dev = m.t + clock
        m.arr = m.t + 0.005 + rng_d.expovariate(1 / 0.04)
        for a, bb in stalls:
            if a <= m.t < bb:
                backlog_k += 1
                m.arr = bb + 0.3 + 0.04 * backlog_k  # queued messages flushed in order on reconnect
                m.ev.add("network_backlog")
    if send == "trend_batch":
        # Trend batch: the minute values are held by the device and sent five at a time.
        for i, m in enumerate(msgs):
            k = i // 5
            lastm = msgs[min(len(msgs) - 1, k * 5 + 4)]
            m.arr = lastm.t + 1 + 0.02 * (i % 5) + rng_d.uniform(0, 0.3)
            m.ev.add("trend_batch")
    # Control IDs.
    ctr = 0
    prev_boot = 0
    for m in msgs:
        if m.boot != prev_boot:
            ctr = 0
            prev_boot = m.boot
        ctr += 1
        m.ctrl = ctr
    # Retransmissions (lost ACK), byte-identical, and monitor's own queries.
    extra = []
    for i, m in enumerate(msgs):
        if rng_d.random() < 0.004 and clear(m.t - 60, m.t + 60):
            for r in range(rng_d.randint(1, 3)):
                c = Msg(m.t)
                c.typ, c.src = "resend", m
                c.arr = m.arr + (r + 1) * rng_d.uniform(5, 30)
                c.ev = set(m.ev) | {"resend"}
                extra.append(c)
    q_every = 1800 if prof["layout"] in ("mindray", "philips-mdil", "dig-gateway") and rng_d.random() < 0.6 else None
    qn = 0
    if q_every:
        qt = rng_d.uniform(0, q_every)
        while qt < T:
            j = min(range(len(msgs)), key=lambda k: abs(msgs[k].t - qt)) if msgs else None
            if j is not None and clear(qt - 60, qt + 60):
                qn += 1
                c = Msg(qt)
                c.typ = "query"
                c.arr = qt + rng_d.uniform(0.01, 0.2)
                c.dev = qt + msgs[j].dev - msgs[j].t
                c.pat = msgs[j].pat
                c.ctrl = qn
                c.ev = {"monitor_query"}
                extra.append(c)
            qt += q_every * rng_d.uniform(0.8, 1.2)
    msgs.extend(extra)
    msgs.sort(key=lambda m: (m.arr, m.t))
    # Turnover: the first messages after each new admission carry a query too.
    return msgs, fplan, dict(rhythm=rhythm, conditions=sorted({e.name for e in evs}), clock_skew_s=round(off, 3),
                             drift_s_per_h=round(drift * 3600, 3), reboots=len(reboots), turnovers=len(turnovers),
                             stalls=len(stalls), unidentified_admission=bool(unident_until),
                             vent_rate=vent_rate, paced_rate=paced_rate)


# ----------------------------------------------------------------------------------------------------------------
# Forgeries.

def plan_forgery(seed, b, prof, kind, strength, T, rhythm="sinus"):
    rng = R(seed, b, "forge-plan")
    sub = strength == "subtle"
    cad = prof["cadence"] if prof["send"] == "periodic" else 60 if prof["send"] == "trend_batch" else 10
    p = {"kind": kind, "strength": strength}
    if kind == "spike":
        n = rng.randint(1, 3)
        dur = n * cad
        p["param"] = rng.choice(["HR", "SPO2", "RR"] if not (prof["ventilated"]) else ["HR", "SPO2"])
        p["n"] = n
    elif kind == "frozen":
        dur = rng.uniform(300, 900) if sub else rng.uniform(1200, 3600)
        # A paced HR and a ventilated RR are constant anyway: freezing them would change almost nothing.
        opts = (["HR", "PR"] if rhythm != "paced" else []) + ["SPO2"] + (["RR"] if not prof["ventilated"] else []) + (["ABPS"] if prof["abp"] else []) + \
            (["ETCO2"] if prof["etco2"] else [])
        if sub:
            opts = [o for o in opts if o in ("SPO2", "RR", "ETCO2")] or opts
        p["param"] = rng.choice(opts)
    elif kind == "replay":
        dur = rng.uniform(600, 1800)
        p["param"] = "all"
        p["back"] = rng.uniform(2700, 4200) if sub else rng.uniform(5400, 10800)
    elif kind == "drift":
        dur = rng.uniform(600, 3600)
        opts = ["HR", "SPO2", "RR", "TEMP"] + (["ABPS"] if prof["abp"] else []) + (["ETCO2"] if prof["etco2"] else [])
        if not prof["temp"]:
            opts.remove("TEMP")
        p["param"] = rng.choice(opts)
        mag = {"HR": (12, 20, 25, 40), "SPO2": (3, 5, 6, 12), "RR": (4, 6, 8, 14), "TEMP": (0.6, 1.0, 1.5, 2.5),
               "ABPS": (12, 20, 25, 45), "ETCO2": (5, 8, 10, 18)}[p["param"]]
        p["mag"] = (rng.uniform(mag[0], mag[1]) if sub else rng.uniform(mag[2], mag[3])) * rng.choice([-1, 1])
        if p["param"] == "SPO2":
            p["mag"] = -abs(p["mag"])
    elif kind == "too_smooth":
        dur = rng.uniform(900, 3600)
        opts = ["HR", "SPO2"] + (["RR"] if not prof["ventilated"] else []) + (["ABPS"] if prof["abp"] else [])
        p["params"] = rng.sample(opts, rng.randint(1, min(3, len(opts))))
        p["param"] = p["params"][0]
        p["frac"] = 0.5 if sub else 0.15
    elif kind == "duplicate_control_id":
        n = rng.randint(1, 3)
        dur = n * cad
        p["param"] = "MSH-10"
        p["back"] = rng.uniform(120, 900) if sub else rng.uniform(3600, 10800)
        p["n"] = n
    elif kind == "step":
        dur = rng.uniform(600, 3600)
        opts = ["HR", "HR", "RR"] + (["ABPS", "ABPS"] if prof["abp"] else [])
        if prof["ventilated"]:
            opts = [o for o in opts if o != "RR"]
        p["param"] = rng.choice(opts)
        mag = {"HR": (15, 22, 35, 50), "RR": (4, 7, 10, 15), "ABPS": (12, 20, 25, 45)}[p["param"]]
        p["mag"] = (rng.uniform(mag[0], mag[1]) if sub else rng.uniform(mag[2], mag[3])) * rng.choice([-1, 1])
    elif kind == "unit_mislabel":
        dur = rng.uniform(600, 1200) if sub else rng.uniform(1200, 7200)
        p["param"] = "ETCO2"
    elif kind == "out_of_range":
        n = rng.randint(1, 10)
        dur = n * cad
        opts = ["HR", "RR", "SPO2"] + (["TEMP"] if prof["temp"] else []) + (["ABPS"] if prof["abp"] else []) + \
               (["ETCO2"] if prof["etco2"] else [])
        p["param"] = rng.choice(opts)
        p["n"] = n
    elif kind == "hr_pr_mismatch":
        dur = rng.uniform(300, 1800)
        p["param"] = "PR"
        p["mag"] = (rng.uniform(20, 30) if sub else rng.uniform(30, 50)) * rng.choice([-1, 1])
    elif kind == "bp_inconsistent":
        p["param"] = "ABP" if prof["abp"] and (not prof["nibp"] or rng.random() < 0.6) else "NIBP"
        n = rng.randint(3, 20) if p["param"] == "ABP" else 1
        dur = n * cad if p["param"] == "ABP" else prof["nibp_every"] * 60 * 0.9
        p["n"] = n
        p["how"] = rng.choice(["sys_lt_dia", "mean_out"])
    elif kind == "time_backwards":
        n = rng.randint(1, 20)
        dur = n * cad
        p["param"] = "MSH-7"
        p["shift"] = -(rng.uniform(5, 60) + 2 * cad) if sub else -rng.uniform(600, 6 * 3600)
        p["n"] = n
    elif kind == "time_future":
        n = rng.randint(1, 30)
        dur = n * cad
        p["param"] = "MSH-7"
        p["shift"] = rng.uniform(180, 600) if sub else rng.uniform(3600, 48 * 3600)
        p["n"] = n
    elif kind == "identity_switch":
        dur = rng.uniform(300, 3600)
        p["param"] = "PID"
    elif kind == "nibp_cadence":
        n = rng.randint(6, 40)
        dur = n * cad
        p["param"] = "NIBP"
        p["n"] = n
    else:
        raise ValueError(kind)
    dur = min(dur, T * 0.4)
    lo = T * 0.1
    if kind in ("replay",):
        lo = max(lo, min(p["back"], T * 0.5) + 60)
    if kind == "duplicate_control_id":
        lo = max(lo, min(p["back"], T * 0.5) + 60)
    hi = max(lo + 1, T * 0.92 - dur)
    t0 = rng.uniform(lo, hi)
    p["t0"], p["t1"] = t0, t0 + dur
    return p


# A forger who wants to pass keeps the forged value plausible: it moves a low value up and a high one down.
SIGN_BANDS = {"HR": (80, 130), "ABPS": (100, 150), "RR": (14, 30), "ETCO2": (30, 45), "TEMP": (36.5, 37.8)}


def plausible_sign(P, mag, win):
    xs = [m.vals.get(P) for m in win if m.vals.get(P) is not None]
    if P not in SIGN_BANDS or not xs:
        return mag
    mean = sum(xs) / len(xs)
    lo, hi = SIGN_BANDS[P]
    if mean < lo:
        return abs(mag)
    if mean > hi:
        return -abs(mag)
    return mag


def apply_forgery(seed, b, prof, fp, msgs, T):
    """Rewrite the bed's messages (values, header fields) as a compromised monitor would. Returns detail text."""
    rng = R(seed, b, "forge")
    kind, sub = fp["kind"], fp["strength"] == "subtle"
    own = [m for m in msgs if m.typ == "oru"]
    win = [m for m in own if fp["t0"] <= m.t <= fp["t1"]]
    if kind in ("spike", "duplicate_control_id", "out_of_range", "time_backwards", "time_future", "nibp_cadence"):
        win = win[:fp["n"]] if "n" in fp else win
    if not win:
        cand = [m for m in own if m.t >= fp["t0"]] or own[-1:]
        win = cand[:max(1, fp.get("n", 1))]
    P = fp.get("param")
    detail = ""
    if kind == "spike":
        for m in win:
            v = m.vals
            if P == "HR":
                x = (v["HR"] or 80) + rng.uniform(60, 90) if sub else rng.uniform(250, 300)
                v["HR"] = x
            elif P == "SPO2":
                v["SPO2"] = (v["SPO2"] or 96) - rng.uniform(15, 25) if sub else rng.uniform(15, 45)
            else:
                v["RR"] = (v["RR"] or 18) + rng.uniform(25, 40) if sub else rng.uniform(90, 150)
        detail = "%d message(s) of %s set to a %s excursion, then back" % (len(win), P, "moderate" if sub else "gross")
    elif kind == "frozen":
        x = next((m.vals.get(P) for m in win if m.vals.get(P) is not None), None)
        if x is None:
            x = {"HR": 80, "PR": 80, "RR": 16, "SPO2": 97, "ABPS": 118, "ETCO2": 36}[P]
        for m in win:
            m.vals[P] = x
            if P == "ABPS":
                pass
        detail = "%s held constant at %.0f for %.0f min" % (P, x, (win[-1].t - win[0].t) / 60)
    elif kind == "replay":
        back = min(fp["back"], win[0].t - 30)
        src = [m for m in own if m.t < win[0].t - 0.5 * back]
        j = 0
        for m in win:
            target = m.t - back
            while j + 1 < len(src) and src[j + 1].t <= target:
                j += 1
            s = src[j]
            for p in PARAMS:
                x = s.vals.get(p)
                m.vals[p] = None if x is None else x + (rng.choice([-1, 0, 0, 1]) if sub and p not in ("TEMP",) else 0)
            if m.nibp and s.nibp and not sub:
                m.nibp = (s.nibp[0], s.nibp[1], s.nibp[2], m.nibp[3])
        detail = "values of the segment %.0f min earlier replayed for %.0f min%s" % (
            back / 60, (win[-1].t - win[0].t) / 60, " with +/-1 jitter" if sub else "")
    elif kind == "drift":
        fp["mag"] = plausible_sign(P, fp["mag"], win)
        t0, t1 = win[0].t, win[-1].t
        for m in win:
            if m.vals.get(P) is not None:
                m.vals[P] += fp["mag"] * (m.t - t0) / max(1.0, t1 - t0)
        detail = "%s ramped by %+.1f over %.0f min, then snaps back" % (P, fp["mag"], (t1 - t0) / 60)
    elif kind == "too_smooth":
        k = max(5, int(300 / max(1, prof["cadence"])))
        for P2 in fp["params"]:
            xs = [m.vals.get(P2) for m in win]
            ok = [x for x in xs if x is not None]
            if not ok:
                continue
            mean = sum(ok) / len(ok)
            xs = [mean if x is None else x for x in xs]
            for i, m in enumerate(win):
                lo, hi = max(0, i - k + 1), i + 1  # trailing: a forger in real time cannot see ahead
                seg = sorted(xs[lo:hi])
                trend = 0.5 * (seg[(len(seg) - 1) // 2] + seg[len(seg) // 2])  # running median: artefacts do not drag it
                m.vals[P2] = trend + fp["frac"] * (xs[i] - trend)
        detail = "%s replaced by its trailing 5-min running median plus %d%% of the real deviation" % (
            "+".join(fp["params"]), int(100 * fp["frac"]))
    elif kind == "duplicate_control_id":
        tgt_t = win[0].t - min(fp["back"], win[0].t - 60)
        prev = [m for m in own if m.t < tgt_t and m.boot == win[0].boot] or [m for m in own if m.t < win[0].t - 60]
        if not prev:
            prev = own[:1]
        base_i = own.index(prev[-1])
        for k, m in enumerate(win):
            m.ctrl = own[max(0, base_i - len(win) + 1 + k)].ctrl
        detail = "%d message(s) reuse the MSH-10 of messages %.0f min earlier with new content" % (
            len(win), (win[0].t - prev[-1].t) / 60)
    elif kind == "step":
        fp["mag"] = plausible_sign(P, fp["mag"], win)
        for m in win:
            if m.vals.get(P) is not None:
                m.vals[P] += fp["mag"]
            if P == "HR":
                for q in ("PR", "PRA"):
                    if m.vals.get(q) is not None:
                        m.vals[q] += fp["mag"]
            if P == "ABPS":
                for q, k in (("ABPD", 0.6), ("ABPM", 0.73)):
                    if m.vals.get(q) is not None:
                        m.vals[q] += fp["mag"] * k
        detail = "%s stepped by %+.0f for %.0f min%s" % (P, fp["mag"], (win[-1].t - win[0].t) / 60,
                                                        " (PR moved with it)" if P == "HR" else "")
    elif kind == "unit_mislabel":
        for m in win:
            if m.vals.get("ETCO2") is not None:
                m.vals["ETCO2"] = m.vals["ETCO2"] * 0.13332
                m.etu = "kpa-as-mmhg"
        detail = "etCO2 sent in kPa (%.1f-%.1f) labelled mmHg for %.0f min" % (
            min(m.vals["ETCO2"] for m in win if m.vals.get("ETCO2") is not None) if any(m.vals.get("ETCO2") is not None for m in win) else 0,
            max((m.vals["ETCO2"] for m in win if m.vals.get("ETCO2") is not None), default=0), (win[-1].t - win[0].t) / 60)
    elif kind == "out_of_range":
        rngs = {"HR": ((305, 330), (330, 400)), "RR": ((150, 165), (160, 200)), "SPO2": ((101, 103), (104, 127)),
                "TEMP": ((43.5, 45), (44, 49)), "ABPS": ((320, 350), (350, 450)), "ETCO2": ((120, 150), (150, 250))}
        lo, hi = rngs[P][0 if sub else 1]
        if P == "TEMP" and not sub and rng.random() < 0.4:
            lo, hi = 15, 25
        for m in win:
            m.vals[P] = rng.uniform(lo, hi)
            if P == "ABPS":
                m.vals["ABPM"] = max(m.vals.get("ABPM") or 90, (m.vals["ABPS"] + 2 * (m.vals.get("ABPD") or 60)) / 3)
        detail = "%s set to %g-%g for %d message(s)" % (P, lo, hi, len(win))
    elif kind == "hr_pr_mismatch":
        fp["mag"] = plausible_sign("HR", fp["mag"], win)
        for m in win:
            if m.vals.get("HR") is not None:
                m.vals["PR"] = m.vals["HR"] + fp["mag"] + rng.gauss(0, 1.5)
        detail = "PR = HR %+.0f for %.0f min" % (fp["mag"], (win[-1].t - win[0].t) / 60)
    elif kind == "bp_inconsistent":
        d = rng.uniform(2, 5) if sub else rng.uniform(12, 30)
        if P == "ABP":
            win = win[:fp["n"]]
            for m in win:
                s, dd = m.vals.get("ABPS"), m.vals.get("ABPD")
                if s is None or dd is None:
                    continue
                if fp["how"] == "sys_lt_dia":
                    m.vals["ABPS"], m.vals["ABPD"] = dd - d + 8 if sub else dd - d, s if not sub else dd + 8
                    if sub:
                        m.vals["ABPS"], m.vals["ABPD"] = dd, dd + d
                    m.vals["ABPM"] = (m.vals["ABPS"] + m.vals["ABPD"]) / 2
                else:
                    m.vals["ABPM"] = s + d if rng.random() < 0.5 else dd - d
            detail = "arterial %s by %.0f mmHg on %d message(s)" % (fp["how"], d, len(win))
        else:
            first = next((m for m in win if m.nibp and m.nibp_fresh), None) or next((m for m in win if m.nibp), None)
            if first is None:
                first = next((m for m in own if m.nibp and m.t >= fp["t0"]), None) or next(m for m in own if m.nibp)
            key = first.nibp
            new = None
            win = []
            for m in own:
                if m.nibp is key:
                    win.append(m)
                    if new is None:
                        s, dd, mn, tm = key
                        if fp["how"] == "sys_lt_dia":
                            new = (dd - d if not sub else dd, s if not sub else dd + d, (s + dd) / 2, tm)
                        else:
                            new = (s, dd, s + d, tm)
                    m.nibp = new
            detail = "one NIBP reading with %s by %.0f mmHg" % (fp["how"], d)
    elif kind in ("time_backwards", "time_future"):
        for m in win:
            m.dev += fp["shift"]
        detail = "MSH-7/OBX-14 of %d message(s) moved %+.0f s" % (len(win), fp["shift"])
    elif kind == "identity_switch":
        irng = R(seed, b, "forge-identity")
        other = new_patient(irng, prof["cls"], START)
        if sub:
            other["fam"], other["giv"], other["dob"], other["sex"] = win[0].pat["fam"], win[0].pat["giv"], win[0].pat["dob"], win[0].pat["sex"]
        for m in win:
            m.pat = other
        detail = "%.0f min of another patient's PID-3/PID-5 and visit%s" % (
            (win[-1].t - win[0].t) / 60, " (same name and birth date, other MRN and visit)" if sub else "")
    elif kind == "nibp_cadence":
        base = next((m.nibp for m in reversed(own) if m.nibp and m.t < win[0].t), None) or (118, 70, 86, win[0].t)
        for m in win:
            s = base[0] + rng.gauss(0, 6 if not sub else 3)
            dd = base[1] + rng.gauss(0, 4 if not sub else 2)
            m.nibp = (s, dd, dd + (s - dd) / 3, m.t)
            m.nibp_fresh = True
        detail = "NIBP values and OBX-14 changed on each of %d messages %.0f s apart" % (len(win), prof["cadence"])
    return detail, win


# ----------------------------------------------------------------------------------------------------------------
# Rendering.

def fmt_ts(sec, tzh, ms=False, with_tz=True):
    t = START + timedelta(seconds=sec) + timedelta(hours=tzh)
    s = t.strftime("%Y%m%d%H%M%S")
    if ms:
        s += ".%03d" % (t.microsecond // 1000)
    if with_tz:
        s += "%s%02d00" % ("+" if tzh >= 0 else "-", abs(tzh))
    return s


def iso(sec):
    t = START + timedelta(seconds=sec)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%06d000Z" % t.microsecond


def obx3(L, P, prof):
    c = L["code"]
    key = P
    if P == "RR" and c.startswith("mdc"):
        num, ref = prof["rr_code"], RR_REF[prof["rr_code"]]
    elif P == "TEMP" and c.startswith("mdc"):
        num, ref = prof["temp_code"], TEMP_REF[prof["temp_code"]]
    elif c == "mdc-sub" and P.startswith("NIBP"):
        num, ref = MDC_CUFF[P]
    else:
        num, ref = MDC.get(key, (0, ""))
    if c in ("mdc", "mdc-sub"):
        return "%d^%s^MDC" % (num, ref)
    if c == "mdc-text":
        return "%s^%s^MDC^%d" % (ref, LABEL[P], num)
    if c == "mdil":
        return "%s^%s^MDIL" % (mdil(num), LABEL[P])
    if c == "loinc":
        return "%s^%s^LN" % LOINC[P]
    if c == "loinc-mdc":
        return "%s^%s^LN^%d^%s^MDC" % (LOINC[P][0], LOINC[P][1], num, ref)
    if c == "nk":
        return "%s^%s^99NK" % (NK_CODE[P], LABEL[P])
    if c == "edan":
        return "%s^%s^EDAN" % (EDAN_CODE[P], LABEL[P])
    if c == "contec":
        return "%s^%s" % (CONTEC_CODE[P], LABEL[P])
    raise ValueError(c)


RR_REF = {151562: "MDC_RESP_RATE", 151578: "MDC_TTHOR_RESP_RATE", 151658: "MDC_RESP_RATE_PLETH"}
TEMP_REF = {150344: "MDC_TEMP", 150364: "MDC_TEMP_BODY", 188496: "MDC_TEMP_AXILLA"}
# "Not measured" values per layout, one per bed (issue 14 lists -100, -1, -1000, -99.9, -32767, -999, -9999).
PLACEHOLDERS = {"mindray": ["-100"], "edan": ["-999", "-1000", "-9999"], "contec": ["-100", "-32767"],
                "spacelabs": ["-1", "-99.9"]}


def unit_of(L, uk):
    t = L["unit"]
    if t == "mdil":
        return "%s^%s^MDIL" % (mdil(MDIL_UNIT[uk]), MDIL_UNIT_TXT[uk])
    return UNITS[t][uk]


def fmt_val(P, x, uk):
    if P == "TEMP":
        return "%.1f" % x
    if P == "ETCO2" and uk == "kpa":
        return "%.1f" % x
    return "%d" % int(round(x))


# GE-style VMD numbers in OBX-4 (ECG 5 and pressure 13 as in GE's example; the others are our choice).
GE_GROUPS = [(5, ["HR", "PVC"]), (7, ["SPO2", "PR"]), (9, ["RR"]), (10, ["TEMP"]), (11, ["ETCO2"]),
             (13, ["ABPS", "ABPD", "ABPM", "PRA"]), (14, ["NIBPS", "NIBPD", "NIBPM"])]


class Renderer:
    def __init__(self, prof, bed_no, eui, unit_name, room):
        self.prof, self.L = prof, LAYOUTS[prof["layout"]]
        self.bed_no, self.eui, self.unit, self.room = bed_no, eui, unit_name, room
        lay = prof["layout"]
        self.app = {"ge-pcd01": "GE_B105^%s^EUI-64" % eui, "mindray": "MINDRAY_BENEVISION^%s^EUI-64" % eui,
                    "philips-mdil": "PHILIPS_MX%d" % (400 + bed_no % 5 * 100), "nihon-kohden": "NK_BSM6501",
                    "draeger": "INFINITY_GW^%s^EUI-64" % eui, "spacelabs": "XPREZZNET", "edan": "EDAN_IX12",
                    "contec": "CMS8000", "dig-gateway": "DIG_BED%03d^%s^EUI-64" % (bed_no, eui)}[lay]
        self.fac = {"contec": "CONTEC"}.get(lay, "ICU%d" % (1 + bed_no % 3))

    def channels(self):
        p = self.prof
        ge = self.L["hier"]
        ch = ["HR"] + (["PVC"] if ge else []) + ["PR", "SPO2", "RR"]
        if p["abp"]:
            ch += ["ABPS", "ABPD", "ABPM"] + (["PRA"] if ge else [])
        if p["temp"]:
            ch.append("TEMP")
        if p["etco2"]:
            ch.append("ETCO2")
        return ch

    def ctrl_str(self, m):
        s = self.L["ctrl"]
        c = m.ctrl if m.typ != "query" else m.ctrl
        if self.prof["ctrl_const"] and m.typ != "query":
            return "1"
        if m.typ == "query":
            return "Q%05d" % c
        if s == "int":
            return str(c)
        if s == "nk":
            return "%s%06d" % (START.strftime("%y%m%d"), c)
        if s == "uuidish":
            return "%08X-%04X" % (self.bed_no * 7919 + m.boot * 104729, c)
        if s == "alnum":
            return "SL%d%07d" % (m.boot, c)
        return str(c)

    def render(self, m):
        L, p = self.L, self.prof
        tz = p["tz"]
        wtz = L["tz"]
        ts = fmt_ts(m.dev, tz, L["ms"], wtz)
        ver = L["ver"]
        mt = "ORU^R01^ORU_R01" if ver >= "2.5" else "ORU^R01"
        acc, app = L["ack"]
        seg = []
        if m.typ == "query":
            qt = "QBP^ZV1^QBP_Q21" if p["layout"] == "mindray" else "QBP^Q22^QBP_Q21"
            seg.append("MSH|^~\\&|%s_PDQ|%s|ADT|HIS|%s||%s|%s|P|2.5" % (
                self.app.split("^")[0], self.fac, ts, qt, self.ctrl_str(m)))
            seg.append("QPD|IHE PDQ Query^IHE PDQ Query^IHE|Q%d|@PID.3.1^%s" % (m.ctrl, m.pat["mrn"]))
            seg.append("RCP|I|1^RD")
            return "\r".join(seg) + "\r"
        msh = "MSH|^~\\&|%s|%s|CENTRAL|HOSP|%s||%s|%s|P|%s|||%s|%s" % (
            self.app, self.fac, ts, mt, self.ctrl_str(m), ver, acc, app)
        if L["code"] in ("mdc", "mdc-sub", "loinc-mdc"):
            msh += "||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO"
        elif ver >= "2.5":
            msh += "||UNICODE UTF-8"
        seg.append(msh.rstrip("|"))
        pt = m.pat
        if pt.get("unident"):
            seg.append("PID|||%s^^^TMP^PT||^^^^^^U|||U" % pt["tmp"] + "|" * 10 + pt["visit"])  # PID-18 account
        else:
            seg.append("PID|||%s^^^HOSP^MR||%s^%s^^^^^L||%s|%s" % (
                pt["mrn"], pt["fam"], pt["giv"], pt["dob"], pt["sex"]) + "|" * 10 + pt["visit"])
        if p["pv1"]:
            seg.append("PV1||I|%s^%s^%d^HOSP||||||||||||||||%s" % (self.unit, self.room, self.bed_no % 20 + 1,
                                                                     pt["visit"]))
        seg.append("OBR|1|||182777000^monitoring of patient^SCT|||%s" % ts)
        rows = []
        eq = "%s^EUI-64" % self.eui if L["code"] in ("mdc-sub", "loinc-mdc") else \
            "%s^B105_GE" % self.eui if L["hier"] else ""
        if L["hier"]:
            rows.append(("69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC", "1.0.0.0", None, "", "X", ""))
        for i, P in enumerate(self.channels()):
            if L["hier"] and P == "ABPS":  # pressure VMD and channel rows, as in GE's PCD-01 example
                rows.append(("69854^MDC_DEV_METER_PRESS_BLD_VMD^MDC", "1.13.0.0", None, "", "X", ""))
                rows.append(("69855^MDC_DEV_METER_PRESS_BLD_CHAN^MDC", "1.13.1.0", None, "", "X", ""))
            x = m.vals.get(P)
            uk = UNIT_KIND[P]
            if P == "TEMP" and p["temp_unit"] == "degf":
                uk = "degf"
                if x is not None:
                    x = x * 9 / 5 + 32
            if P == "ETCO2":
                if m.etu == "kpa-as-mmhg":
                    uk = "mmhg"
                    sval = "%.1f" % x if x is not None else None
                elif p["etco2_unit"] == "kpa":
                    uk = "kpa"
                    if x is not None:
                        x = x * 0.13332
            code = obx3(L, P, p)
            sub = self.subid(i, P)
            if x is None:
                nm = p["placeholder"]
                if nm == "omit":
                    continue
                if nm == "empty":
                    rows.append((code, sub, "", unit_of(L, uk), "X", ""))
                else:
                    rows.append((code, sub, nm, unit_of(L, uk), L["obx11"], ""))
                continue
            if P == "ETCO2" and m.etu == "kpa-as-mmhg":
                v = sval
            else:
                if P in ("HR", "PR", "RR", "SPO2", "ETCO2"):
                    x = max(0, x)
                v = fmt_val(P, x, uk)
            t14 = fmt_ts(m.dev, tz, L["ms"], wtz) if L["nibp"] == "repeat14all" else ""
            if L["hier"] and P in p["limits"]:
                lo, hi = p["limits"][P]
                if uk == "degf":
                    lo, hi = lo * 9 / 5 + 32, hi * 9 / 5 + 32
                fv = float(v)
                rl = ("%.1f-%.1f" if P == "TEMP" else "%d-%d") % (lo, hi)
                rows.append((code, sub, v, unit_of(L, uk), L["obx11"], t14, rl, "H" if fv > hi else "L" if fv < lo else "N"))
            else:
                rows.append((code, sub, v, unit_of(L, uk), L["obx11"], t14))
        if m.nibp:
            s, d, mn, tm = m.nibp
            pres = L["nibp"]
            show = pres != "fresh" and pres != "fresh14" or m.nibp_fresh
            if show:
                for j, (P, x) in enumerate((("NIBPS", s), ("NIBPD", d), ("NIBPM", mn))):
                    code = obx3(L, P, p)
                    if pres == "restamp":
                        t14 = fmt_ts(m.dev, tz, L["ms"], wtz)
                    elif pres in ("repeat14", "cuff14", "fresh14", "repeat14all"):
                        t14 = fmt_ts(tm + (m.dev - m.t), tz, L["ms"], wtz)
                    else:
                        t14 = ""
                    rows.append((code, self.subid(20 + j, P), "%d" % round(x), unit_of(L, "mmhg"), L["obx11"], t14))
        for i, row in enumerate(rows):
            code, sub, v, un, st, t14 = row[:6]
            r7, f8 = row[6:] if len(row) > 6 else ("", "")
            # OBX-1..6, OBX-7 limits, OBX-8 flag, OBX-11 status, OBX-14 time, OBX-18 equipment
            s = "OBX|%d|%s|%s|%s|%s|%s|%s|%s|||%s|||%s" % (i + 1, "" if v is None else "NM", code, sub, v or "", un,
                                                            r7, f8, st, t14)
            if eq:
                s += "||||%s" % eq
            seg.append(s.rstrip("|"))
        return "\r".join(seg) + "\r"

    def code_num(self, P):
        return obx3(self.L, P, self.prof).split("^")[0]

    def subid(self, i, P):
        c = self.L["code"]
        if c == "mdc-sub":
            return "1.%d.1.%s" % (1 + i, self.code_num(P))
        if self.L["hier"]:
            for vmd, ps in GE_GROUPS:
                if P in ps:
                    return "1.%d.1.%d" % (vmd, ps.index(P) + 1)
        if c in ("mdc", "loinc-mdc"):
            return "1.1.1.%d" % (i + 1)
        return ""


# ----------------------------------------------------------------------------------------------------------------
# One unit (a bed, or a gateway's beds): messages, labels, monitor records.

def eui_of(seed, b):
    r = R(seed, b, "eui")
    return "%s%010X" % (r.choice(["00A037", "0009FB", "080019", "001C10", "00E0B4"]), r.getrandbits(40))


def build_unit(args):
    seed, beds, T, forge, kinds, strengths, gateway, episodes = args
    per_bed = []
    for b in beds:
        kind = kinds.get(b)
        strength = strengths.get(b)
        prof = bed_profile(seed, b, kind, gateway, T / 3600)
        if gateway:  # one site, one clock zone per gateway
            prof["tz"] = R(seed, beds[0], "gateway-site").choice(TZ_BY_LAYOUT["dig-gateway"])
        eui = eui_of(seed, b)
        msgs, fplan, info = simulate_bed(seed, b, prof, kind, strength, T)
        rr = R(seed, b, "site")
        unit_name = rr.choice(UNITS_BY_CLASS[prof["pop"]])
        ren = Renderer(prof, b + 1, eui, unit_name, "%s%02d" % (unit_name[:1], rr.randint(1, 30)))
        # Render clean bytes; then forge and re-render the window.
        for m in msgs:
            if m.typ != "resend":
                m.bytes = ren.render(m)
        detail, changed = "", []
        if kind and fplan:
            if forge:
                detail, win = apply_forgery(seed, b, prof, fplan, msgs, T)
                for m in win:
                    m.forged = True
                    nb = ren.render(m)
                    if nb != m.bytes:
                        m.bytes = nb
                        changed.append(m)
            else:
                detail = "(unforged twin: no forgery written)"
        chg = set(map(id, changed))
        for m in msgs:
            if m.typ == "resend":
                m.bytes = m.src.bytes
                if id(m.src) in chg:  # a retransmission of a forged message carries the forgery too
                    changed.append(m)
        per_bed.append(dict(b=b, prof=prof, msgs=msgs, fplan=fplan, info=info, kind=kind, strength=strength,
                            detail=detail, changed=changed, eui=eui, ren=ren))
    # Merge by arrival.
    allm = []
    for pb in per_bed:
        for m in pb["msgs"]:
            allm.append((m.arr, pb["b"], m.t, m, pb))
    allm.sort(key=lambda x: (x[0], x[1], x[2]))
    fname = "mon-%04d.hl7" % (beds[0] + 1)
    out = []
    labels = []
    pos_of = {}
    for n, (arr, b, t, m, pb) in enumerate(allm, 1):
        out.append(m.bytes + "\n")
        pos_of[id(m)] = n
    mons = []
    for pb in per_bed:
        b = pb["b"]
        epi_first = epi_last = None
        if pb["changed"]:
            ps = sorted(pos_of[id(m)] for m in pb["changed"])
            epi_first, epi_last = ps[0], ps[-1]
        pb["epi"] = (epi_first, epi_last)
    for n, (arr, b, t, m, pb) in enumerate(allm, 1):
        lab = {"file": fname, "message": n, "monitor": "m%04d" % (b + 1),
               "arrival": iso(arr), "label": "clean", "parameter": "", "episode": 0}
        ef, el = pb["epi"]
        if ef is not None and ef <= n <= el:
            lab["label"] = pb["kind"]
            lab["parameter"] = pb["fplan"]["param"]
            lab["episode"] = episodes[b]
            lab["strength"] = pb["strength"]
        evs = sorted(m.ev)
        if evs:
            lab["events"] = ",".join(evs)
        labels.append(lab)
    for pb in per_bed:
        b, prof, info = pb["b"], pb["prof"], pb["info"]
        own = [m for m in pb["msgs"]]
        hrs = T / 3600
        rec = {"id": "m%04d" % (b + 1), "file": fname, "device": pb["ren"].app.split("^")[0],
               "eui64": pb["eui"], "class": prof["cls"], "population": prof["pop"], "layout": prof["layout"],
               "vendor_style": LAYOUTS[prof["layout"]]["vendor"], "hl7_version": LAYOUTS[prof["layout"]]["ver"],
               "cadence_s": prof["cadence"], "send_mode": prof["send"], "hours": hrs,
               "status": "manipulated" if pb["changed"] else "clean", "messages": len(own),
               "channels": pb["ren"].channels() + (["NIBPS", "NIBPD", "NIBPM"] if prof["nibp"] else []),
               "etco2_unit": prof["etco2_unit"] if prof["etco2"] else "", "temp_unit": prof["temp_unit"],
               "nibp_mode": LAYOUTS[prof["layout"]]["nibp"] if prof["nibp"] else "",
               "nibp_every_min": prof["nibp_every"] if prof["nibp"] else 0, "placeholder": prof["placeholder"],
               "msh7_utc_offset_h": prof["tz"], "msh7_has_offset": LAYOUTS[prof["layout"]]["tz"],
               "pv1": prof["pv1"], "constant_control_id": prof["ctrl_const"], "ventilated": prof["ventilated"],
               "arterial_line": prof["abp"], "clock_skew_s": info["clock_skew_s"], "rhythm": info["rhythm"],
               "conditions": info["conditions"], "device_events": {k: info[k] for k in (
                   "drift_s_per_h", "reboots", "turnovers", "stalls", "unidentified_admission")},
               "vent_rate": info["vent_rate"], "paced_rate": info["paced_rate"]}
        if gateway:
            rec["gateway"] = fname
        if pb["kind"]:
            fp = pb["fplan"]
            rec["planned_kind"] = pb["kind"]
            rec["planned_strength"] = pb["strength"]
            if pb["changed"]:
                ch = sorted(pb["changed"], key=lambda m: pos_of[id(m)])
                rec.update({"kind": pb["kind"], "parameter": fp["param"], "strength": pb["strength"],
                            "episode": episodes[b], "episode_first": pb["epi"][0], "episode_last": pb["epi"][1],
                            "episode_start": iso(ch[0].arr), "episode_end": iso(ch[-1].arr),
                            "forged_messages": len(ch), "detail": pb["detail"]})
            else:
                rec["detail"] = pb["detail"]
        mons.append(rec)
    return fname, "".join(out), labels, mons


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--monitors", type=int, default=150)
    ap.add_argument("--hours", type=float, default=4.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-forge", action="store_true", help="write the unforged twin (same bytes outside episodes)")
    a = ap.parse_args(argv)
    T = a.hours * 3600
    units, clean, kind_of, strength_of, gw_of = plan_population(a.seed, a.monitors, a.hours)
    episodes = {}
    for b in sorted(kind_of):
        episodes[b] = len(episodes) + 1
    os.makedirs(a.out, exist_ok=True)
    for f in os.listdir(a.out):
        if f.startswith("mon-") and f.endswith(".hl7"):
            os.remove(os.path.join(a.out, f))
    jobs = [(a.seed, u_, T, not a.no_forge, {b: kind_of[b] for b in u_ if b in kind_of},
             {b: strength_of[b] for b in u_ if b in strength_of}, len(u_) > 1,
             {b: episodes[b] for b in u_ if b in episodes}) for u_ in units]
    nmsg = 0
    with open(os.path.join(a.out, "labels.jsonl"), "w") as lf, open(os.path.join(a.out, "monitors.jsonl"), "w") as mf:
        def consume(res):
            nonlocal nmsg
            fname, text, labels, mons = res
            with open(os.path.join(a.out, fname), "w", encoding="utf-8", newline="") as f:
                f.write(text)
            for l in labels:
                lf.write(json.dumps(l, separators=(",", ":")) + "\n")
            nmsg += len(labels)
            for r in mons:
                mf.write(json.dumps(r, separators=(",", ":")) + "\n")
        if a.workers > 1:
            with Pool(a.workers) as pool:
                for res in pool.imap(build_unit, jobs):
                    consume(res)
        else:
            for j in jobs:
                consume(build_unit(j))
    print("corpus7: seed %d, %d monitors x %g h, %d messages%s -> %s" % (
        a.seed, a.monitors, a.hours, nmsg, " (unforged twin)" if a.no_forge else "", a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
