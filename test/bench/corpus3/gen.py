#!/usr/bin/python3
"""corpus3: a third blind labelled vital-sign corpus generator for hl7gate (issue 14).

Writes mon-NNNN.hl7, labels.jsonl and monitors.jsonl in the file format of
`hl7load corpus gen` (docs/corpus.md, "Files"), so `hl7load corpus score`
reads it unchanged. Python 3 standard library only; see README.md for the
model and its sources.

A monitor's stream is built in three steps: the genuine stream (physiology,
genuine events, device clock, NIBP cycles, gaps) as records; the
manipulation, which copies every record it changes and may inject new ones;
then retransmissions, arrival order and rendering. The episode runs from the
first to the last message whose rendered text differs from the genuine one.
"""

import argparse
import json
import math
import os
import random
import time

KINDS = ("spike", "step", "drift", "frozen", "too_smooth", "replay", "duplicate_control_id",
         "unit_mislabel", "out_of_range", "hr_pr_mismatch", "bp_inconsistent", "time_backwards",
         "time_future", "identity_switch", "nibp_cadence")

# The night of 10-11 May 2026, 01:30 UTC: sleep, then the morning round.
DEFAULT_START = "2026-05-11T01:30:00Z"

# ---------------------------------------------------------------- codes

MDC = {
    "hr": "147842^MDC_ECG_HEART_RATE^MDC", "pvc": "148066^MDC_ECG_V_P_C_RATE^MDC",
    "spo2": "150456^MDC_PULS_OXIM_SAT_O2^MDC", "pr": "149530^MDC_PULS_OXIM_PULS_RATE^MDC",
    "pi": "150488^MDC_PULS_OXIM_PERF_REL^MDC",
    "nibp_s": "150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "nibp_d": "150022^MDC_PRESS_BLD_NONINV_DIA^MDC",
    "nibp_m": "150023^MDC_PRESS_BLD_NONINV_MEAN^MDC",
    "abp_s": "150033^MDC_PRESS_BLD_ART_SYS^MDC", "abp_d": "150034^MDC_PRESS_BLD_ART_DIA^MDC",
    "abp_m": "150035^MDC_PRESS_BLD_ART_MEAN^MDC", "abp_pr": "149522^MDC_BLD_PULS_RATE_INV^MDC",
    "rr": "151562^MDC_RESP_RATE^MDC", "etco2": "151708^MDC_AWAY_CO2_ET^MDC", "temp": "150344^MDC_TEMP^MDC",
}
MDC_MINDRAY = dict(MDC, nibp_s="150301^MDC_PRESS_CUFF_SYS^MDC", nibp_d="150302^MDC_PRESS_CUFF_DIA^MDC",
                   nibp_m="150303^MDC_PRESS_CUFF_MEAN^MDC", temp="150364^MDC_TEMP_BODY^MDC")
MDC_UNITS = {"bpm": "264864^MDC_DIM_BEAT_PER_MIN^MDC", "pct": "262688^MDC_DIM_PERCENT^MDC",
             "mmHg": "266016^MDC_DIM_MMHG^MDC", "kPa": "265987^MDC_DIM_KILO_PASCAL^MDC",
             "rpm": "264928^MDC_DIM_RESP_PER_MIN^MDC", "C": "268192^MDC_DIM_DEGC^MDC",
             "F": "268160^MDC_DIM_FAHR^MDC"}
# Philips MDIL: the MDC partition and code in hex (e.g. 150456 = 0x2_4bb8).
MDIL = {
    "hr": "0002-4182^HR^MDIL", "spo2": "0002-4bb8^SpO2^MDIL", "pr": "0002-480a^Pulse^MDIL",
    "nibp_s": "0002-4a05^NBPs^MDIL", "nibp_d": "0002-4a06^NBPd^MDIL", "nibp_m": "0002-4a07^NBPm^MDIL",
    "abp_s": "0002-4a11^ABPs^MDIL", "abp_d": "0002-4a12^ABPd^MDIL", "abp_m": "0002-4a13^ABPm^MDIL",
    "rr": "0002-5000^Resp^MDIL", "etco2": "0002-509c^etCO2^MDIL", "temp": "0002-f0c7^T1^MDIL",
}
MDIL_UNITS = {"bpm": "0004-0aa0^bpm^MDIL", "pct": "0004-0220^%^MDIL", "mmHg": "0004-0f20^mmHg^MDIL",
              "kPa": "0004-0f03^kPa^MDIL", "rpm": "0004-0ae0^rpm^MDIL", "C": "0004-17a0^degC^MDIL",
              "F": "0004-1780^degF^MDIL"}
LOINC = {
    "hr": "8867-4^Heart rate^LN", "pr": "8889-8^Heart rate by Pulse oximetry^LN",
    "spo2": "59408-5^Oxygen saturation in Arterial blood by Pulse oximetry^LN",
    "nibp_s": "8480-6^Systolic blood pressure^LN", "nibp_d": "8462-4^Diastolic blood pressure^LN",
    "nibp_m": "8478-0^Mean blood pressure^LN",
    "abp_s": "76215-3^Invasive Systolic blood pressure^LN", "abp_d": "76213-8^Invasive Diastolic blood pressure^LN",
    "abp_m": "76214-6^Invasive Mean blood pressure^LN",
    "rr": "9279-1^Respiratory rate^LN", "etco2": "19889-5^Carbon dioxide.end tidal^LN",
    "temp": "8310-5^Body temperature^LN",
}
UCUM = {"bpm": "/min^/min^UCUM", "pct": "%^%^UCUM", "mmHg": "mm[Hg]^mm[Hg]^UCUM", "kPa": "kPa^kPa^UCUM",
        "rpm": "/min^/min^UCUM", "C": "Cel^Cel^UCUM", "F": "[degF]^[degF]^UCUM"}

# Unit family of each row key; temperature, etCO2 and pressures have a
# per-monitor unit (and a per-record override for unit_mislabel).
ROW_UNIT = {"hr": "bpm", "pvc": "bpm", "pr": "bpm", "abp_pr": "bpm", "spo2": "pct", "pi": "pct", "rr": "rpm"}

# Layouts: vendor styles from the HL7 field notes (section 5.4).
LAYOUTS = {
    # GE B-series PCD-01: v2.6, NE|AL, dotted MDS.VMD.channel.metric sub-IDs,
    # NIBP rows only in the message after a determination (OBX-14), rows
    # omitted when not measured, MSH-7 to the second with zone.
    "ge_pcd26": dict(version="2.6", nibp_style="once", missing=("omit",), ctl="counter", tz=True, frac=False),
    # Mindray PCD-01: v2.6, AL|NE, OBX-4 ending in the MDC code, cuff codes,
    # NIBP repeated in every message with OBX-14, sentinel for not measured,
    # MSH-7 without zone.
    "mindray_pcd26": dict(version="2.6", nibp_style="repeat_ts", missing=("-100", "8388607"), ctl="counter",
                          tz=False, frac=False),
    # Philips-style MDIL export: v2.3, no sub-IDs, OBX-11 F, empty OBX-5
    # with X when invalid, NIBP repeated without OBX-14, local time with ms.
    "philips_mdil23": dict(version="2.3", nibp_style="repeat", missing=("empty_x",), ctl="counter", tz=True,
                           frac=True),
    # A device-integration bridge translating to LOINC/UCUM: v2.5.1, group
    # sub-IDs, NIBP once with OBX-14, -999 or omitted when not measured,
    # GUID control IDs.
    "bridge_loinc251": dict(version="2.5.1", nibp_style="once", missing=("-999", "omit"), ctl="guid", tz=True,
                            frac=False),
}
MODELS = {"ge_pcd26": ("B650", "B450", "B105"), "mindray_pcd26": ("N17", "N15", "BeneVision"),
          "philips_mdil23": ("MX750", "MX550", "MX450"), "bridge_loinc251": ("VSBRIDGE",)}
LAYOUT_WEIGHTS = (("ge_pcd26", 30), ("mindray_pcd26", 25), ("philips_mdil23", 25), ("bridge_loinc251", 20))

# Baselines per class: (low, high) of the patient's resting value.
# Adult: ICU norms; paediatric (1-8 y) and neonatal: Fleming et al. 2011
# centiles; preterm SpO2 targets 88-95 %.
BASE = {
    "adult": dict(hr=(60, 98), sbp=(102, 152), dbp=(55, 88), spo2=(93, 99), rr=(12, 21), temp=(36.3, 37.4),
                  etco2=(33, 43)),
    "paediatric": dict(hr=(85, 128), sbp=(90, 112), dbp=(50, 70), spo2=(95, 100), rr=(18, 30),
                       temp=(36.4, 37.4), etco2=(33, 42)),
    "neonatal": dict(hr=(122, 165), sbp=(48, 74), dbp=(27, 45), spo2=(89, 96), rr=(34, 60), temp=(36.5, 37.3),
                     etco2=(38, 50)),
}
# Slow wander (Ornstein-Uhlenbeck: sd, time constant s) and per-message noise sd.
WANDER = {
    "adult": dict(hr=(4, 900), bp=(5, 1200), spo2=(0.8, 400), rr=(1.5, 500), temp=(0.08, 3600), etco2=(1.2, 900),
                  pi=(0.3, 900)),
    "paediatric": dict(hr=(6, 600), bp=(4, 900), spo2=(0.6, 300), rr=(2.5, 400), temp=(0.08, 3600),
                       etco2=(1.2, 700), pi=(0.3, 600)),
    "neonatal": dict(hr=(7, 400), bp=(3, 900), spo2=(1.4, 200), rr=(5, 300), temp=(0.06, 2400), etco2=(1.5, 600),
                     pi=(0.4, 400)),
}
NOISE = {"adult": dict(hr=1.2, rr=1.0, spo2=0.5), "paediatric": dict(hr=2.0, rr=1.6, spo2=0.5),
         "neonatal": dict(hr=3.0, rr=3.5, spo2=0.8)}

CADENCES = ((1, 2), (2, 5), (3, 4), (5, 12), (10, 18), (15, 14), (20, 8), (30, 15), (60, 22))


def wchoice(rng, pairs):
    """A weighted choice from (value, weight) pairs."""
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


def isnum(x):
    return x is not None and not isinstance(x, (tuple, str))


def clamp(x, lo, hi):
    return lo if x < lo else hi if x > hi else x


# ---------------------------------------------------------------- events

class Event:
    """A genuine condition: active on [t0, t1) seconds from the monitor's
    start, with a trapezoid envelope (rise, fall seconds), deltas on the
    physiology (HR as a fraction of itself, the rest in their units) and
    flags for rhythms and artefacts."""
    __slots__ = ("name", "t0", "t1", "rise", "fall", "d", "f")

    def __init__(self, name, t0, t1, rise=0.0, fall=0.0, d=None, f=None):
        self.name, self.t0, self.t1, self.rise, self.fall = name, t0, t1, rise, fall
        self.d = d or {}
        self.f = f or {}

    def env(self, t):
        e = 1.0
        if self.rise > 0:
            e = min(e, (t - self.t0) / self.rise)
        if self.fall > 0:
            e = min(e, (self.t1 - t) / self.fall)
        return clamp(e, 0.0, 1.0)


def schedule(mon, rng, span):
    """The genuine events of one monitor over span seconds."""
    cls, ch = mon["class"], mon["channels"]
    ev = []
    adult, neo = cls == "adult", cls == "neonatal"

    def at(lo=0.05, hi=0.95):
        return rng.uniform(lo * span, hi * span)

    # Sleep: the record starts at night; dipping of HR, BP and RR (nocturnal
    # BP dipping 10-20 %), waking towards the morning round.
    if not neo and rng.random() < 0.7:
        t0 = at(0.0, 0.2)
        ev.append(Event("sleep", t0, t0 + rng.uniform(1.5, 3.5) * 3600, 1200, 900,
                        d=dict(hr=-0.09, sbp=-12, dbp=-7, rr=-2, etco2=1.5)))
    if mon["paced"]:
        ev.append(Event("paced", 0, math.inf))
    if mon["ventilated"]:
        ev.append(Event("ventilated", 0, math.inf))
        for _ in range(rng.choice((0, 0, 1, 2))):
            t0 = at()
            ev.append(Event("vent_change", t0, math.inf, f=dict(vent_rate=rng.choice((-4, -2, 2, 4, 6)))))
        for _ in range(rng.randint(1, 3) if rng.random() < 0.75 else 0):
            # Endotracheal suction: a 20-40 s disconnection, desaturation,
            # tachycardia (vagal bradycardia in neonates), BP rise; 2-5 min.
            t0, dur = at(), rng.uniform(120, 300)
            ev.append(Event("suction", t0, t0 + dur, 15, dur * 0.6,
                            d=dict(spo2=-rng.uniform(4, 11), hr=(-0.25 if neo else 0.15), sbp=rng.uniform(6, 20),
                                   dbp=rng.uniform(3, 10))))
            ev.append(Event("suction", t0 + 10, t0 + 10 + rng.uniform(20, 40), f=dict(na=("etco2",), rr_zero=True)))
    if mon["af"]:
        ev.append(Event("af", 0, math.inf, d=dict(hr=0.18), f=dict(pr_mode="deficit", hr_noise=7)))
    elif adult and rng.random() < 0.07:
        t0 = at()
        ev.append(Event("af", t0, t0 + rng.uniform(900, 5400), 30, 30, d=dict(hr=0.35, sbp=-8),
                        f=dict(pr_mode="deficit", hr_noise=9)))
    if not neo and rng.random() < 0.12:
        t0 = at()
        ev.append(Event("bigeminy", t0, t0 + rng.uniform(300, 2400), f=dict(pr_mode="half")))
    if rng.random() < (0.04 if neo else 0.05):
        # PSVT: abrupt onset and termination (adenosine or vagal manoeuvre).
        t0, rate = at(), (rng.uniform(225, 275) if neo else rng.uniform(150, 205))
        ev.append(Event("psvt", t0, t0 + rng.uniform(90, 1200), f=dict(hr_set=rate), d=dict(sbp=-10, dbp=-4)))
    if neo:
        # Apnoea of prematurity: bradycardia (HR < 100 for >= 4 s) and
        # desaturation (SpO2 < 80 % for >= 10 s) spells, 10-60 s.
        if rng.random() < 0.65:
            t = at(0.0, 0.1)
            while t < span:
                dur = rng.uniform(10, 60)
                ev.append(Event("brady_desat", t, t + dur, dur * 0.3, dur * 0.4,
                                d=dict(hr=-rng.uniform(0.3, 0.55), spo2=-rng.uniform(8, 22), rr=-20)))
                t += rng.uniform(600, 3000)
        for _ in range(rng.randint(1, 4)):
            t0, dur = at(), rng.uniform(60, 600)
            ev.append(Event("crying", t0, t0 + dur, 20, 60, d=dict(hr=0.18, sbp=8, rr=10),
                            f=dict(spo2_noise=3, pr_mode="erratic")))
    elif rng.random() < 0.08:
        t0 = at()
        ev.append(Event("bradycardia", t0, t0 + rng.uniform(60, 420), 10, 30, d=dict(hr=-0.4, sbp=-12)))
    if not neo:
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            t0, dur = at(), rng.uniform(180, 900)
            ev.append(Event("agitation", t0, t0 + dur, 60, 300, d=dict(hr=0.22, sbp=16, dbp=8, rr=6),
                            f=dict(spo2_noise=1.5)))
    if rng.random() < 0.13:
        # Fever: about 7-10 /min of HR and 1-2 /min of RR per degree.
        t0, rise = at(0.0, 0.6), rng.uniform(2400, 6000)
        dt = rng.uniform(0.9, 2.2)
        ev.append(Event("fever", t0, math.inf, rise, 0, d=dict(temp=dt, hr=0.075 * dt, rr=1.5 * dt, sbp=-3 * dt)))
    if rng.random() < (0.06 if neo else 0.08):
        # Sepsis: progressive tachycardia, tachypnoea, hypotension, then a
        # response to fluids and vasopressor.
        t0, rise = at(0.0, 0.5), rng.uniform(3600, 8000)
        ev.append(Event("sepsis", t0, math.inf, rise, 0,
                        d=dict(hr=0.3, rr=7 if not neo else 12, sbp=-22 if not neo else -10, dbp=-14 if not neo else -7,
                               spo2=-2.5, temp=rng.choice((1.3, 1.8, -0.8)))))
        t1 = t0 + rise * rng.uniform(0.6, 1.0)
        ev.append(Event("vasopressor", t1, math.inf, rng.uniform(600, 1500), 0,
                        d=dict(sbp=18 if not neo else 8, dbp=10 if not neo else 5, hr=0.04)))
    if adult and rng.random() < 0.05:
        t0, rise = at(0.1, 0.6), rng.uniform(1200, 3600)
        ev.append(Event("haemorrhage", t0, t0 + rise + rng.uniform(1800, 3600), rise, rng.uniform(900, 1800),
                        d=dict(hr=0.35, sbp=-30, dbp=-12, rr=5, spo2=-1)))
    if not neo and rng.random() < 0.4:
        kind = rng.choice(("sedation_bolus", "beta_blocker", "opioid", "bronchodilator", "vasopressor"))
        t0 = at()
        d = {"sedation_bolus": (dict(sbp=-22, dbp=-12, hr=-0.06, rr=-4), 90, 1200, 1500),
             "beta_blocker": (dict(hr=-0.2, sbp=-10, dbp=-5), 900, 0, math.inf),
             "opioid": (dict(rr=-5, spo2=-2, hr=-0.05), 300, 1800, 3600),
             "bronchodilator": (dict(hr=0.15, spo2=1.5), 300, 1800, 3600),
             "vasopressor": (dict(sbp=20, dbp=11, hr=0.03), 600, 0, math.inf)}[kind]
        ev.append(Event(kind, t0, t0 + d[3], d[1], d[2], d=d[0]))
    if "abp" in ch:
        for _ in range(rng.randint(1, 4)):
            t0 = at()
            # Fast flush or blood sampling: transducer sees the 300 mmHg bag.
            ev.append(Event("art_flush", t0, t0 + rng.choice((rng.uniform(2, 8), rng.uniform(20, 80))),
                            f=dict(abp_set=rng.uniform(190, 300))))
        if rng.random() < 0.5:
            t0 = at()
            ev.append(Event("art_zero", t0, t0 + rng.uniform(15, 60), f=dict(abp_set=0)))
        if rng.random() < 0.2:
            t0 = at()
            ev.append(Event("art_damped", t0, t0 + rng.uniform(600, 3600), 120, 0, f=dict(abp_damp=1)))
        if rng.random() < 0.25:
            # Transducer not re-levelled after a bed move: 1 cm = 0.74 mmHg.
            t0 = at()
            ev.append(Event("transducer_level", t0, t0 + rng.uniform(600, 5400),
                            f=dict(abp_offset=rng.choice((-1, 1)) * rng.uniform(6, 15))))
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        t0 = at()
        ev.append(Event("probe_off", t0, t0 + rng.uniform(20, 480), f=dict(na=("spo2", "pr", "pi"))))
    for _ in range(rng.choice((0, 1, 2, 3) if not neo else (1, 2, 3, 4))):
        t0 = at()
        ev.append(Event("motion", t0, t0 + rng.uniform(30, 300),
                        f=dict(spo2_drop=rng.uniform(2, 14), pr_mode="erratic", hr_noise=6)))
    if "temp" in ch and rng.random() < (0.2 if neo else 0.07):
        # Skin probe off: the reading decays towards room/incubator air.
        t0 = at()
        ev.append(Event("temp_probe_off", t0, t0 + rng.uniform(900, 3000), 600, 60,
                        f=dict(temp_to=rng.uniform(27, 32))))
    if rng.random() < 0.15:
        ev.append(Event("nibp_stat", at(), 0))  # t1 set by the NIBP schedule
    if rng.random() < 0.25:
        ev.append(Event("nibp_manual", at(), 0))
    return ev


# ---------------------------------------------------------------- planning

class Ids:
    """Synthetic identities: no real names or numbers."""
    FAMILY = ("ALDER", "BIRCH", "CEDAR", "DOGWOOD", "ELM", "FIR", "GINKGO", "HAZEL", "IVY", "JUNIPER", "LARCH",
              "MAPLE", "OAK", "POPLAR", "ROWAN", "SPRUCE", "TAMARACK", "WILLOW", "YEW", "ASPEN")
    GIVEN = ("TESTA", "TESTB", "TESTC", "TESTD", "TESTE", "TESTF", "TESTG", "TESTH")

    @staticmethod
    def patient(rng, cls, start):
        days = {"adult": rng.uniform(18, 90) * 365.25, "paediatric": rng.uniform(1, 8) * 365.25,
                "neonatal": rng.uniform(1, 40)}[cls]
        dob = time.strftime("%Y%m%d", time.gmtime(start - days * 86400))
        given = rng.choice(Ids.GIVEN) if cls != "neonatal" else "BABY" + rng.choice("ABCD")
        return ("%08d" % rng.randrange(10 ** 7, 10 ** 8), rng.choice(Ids.FAMILY), given, dob, rng.choice("MF"))


def plan_monitor(seed, idx, hours, start, kind, strength):
    """The configuration of monitor idx (0-based): class, layout, channels,
    cadence, units, clock, patient and genuine events."""
    rng = random.Random("corpus3:%d:%d:plan" % (seed, idx))
    cls = wchoice(rng, (("adult", 55), ("paediatric", 15), ("neonatal", 30)))
    layout = wchoice(rng, LAYOUT_WEIGHTS)
    lay = LAYOUTS[layout]
    cadence = wchoice(rng, CADENCES)
    ch = ["hr", "spo2", "pr", "rr", "nibp"]
    adult = cls == "adult"
    if rng.random() < {"adult": 0.45, "paediatric": 0.3, "neonatal": 0.15}[cls]:
        ch.append("abp")
        if layout == "ge_pcd26":
            ch.append("abp_pr")
    if rng.random() < 0.72 or kind == "unit_mislabel":
        ch.append("temp")
    ventilated = rng.random() < {"adult": 0.4, "paediatric": 0.35, "neonatal": 0.35}[cls]
    if ventilated or (adult and rng.random() < 0.3):
        ch.append("etco2")
    if layout == "ge_pcd26" and adult:
        ch.append("pvc")
    if layout == "mindray_pcd26":
        ch.append("pi")
    if kind == "bp_inconsistent" and "abp" not in ch and rng.random() < 0.5:
        ch.append("abp")
    nibp_every = wchoice(rng, ((5, 6), (10, 10), (15, 30), (30, 30), (60, 24)))
    if "abp" in ch:
        nibp_every = max(nibp_every, 30)
    if cls == "neonatal":
        nibp_every = max(nibp_every, 15)
    temp_unit = "F" if layout in ("ge_pcd26", "bridge_loinc251") and rng.random() < 0.3 else "C"
    etco2_unit = "kPa" if layout in ("philips_mdil23", "mindray_pcd26") and rng.random() < 0.5 else "mmHg"
    u = rng.random()
    if u < 0.55:
        skew = rng.uniform(-1.5, 1.5)
    elif u < 0.85:
        skew = rng.choice((-1, 1)) * rng.uniform(5, 90)
    else:
        skew = rng.choice((-1, 1)) * rng.uniform(120, 600)
    tzmin = 0
    if lay["tz"] and rng.random() < 0.6:
        tzmin = rng.choice((60, 120, -300, -360, 330, 600))
    eui = "".join(rng.choice("0123456789ABCDEF") for _ in range(16))
    model = rng.choice(MODELS[layout])
    if layout == "ge_pcd26":
        eui = "080019" + eui[6:]
    elif layout == "mindray_pcd26":
        eui = "00A037" + eui[6:]
    device = {"ge_pcd26": "%s^%s^EUI-64" % (model, eui), "mindray_pcd26": "MINDRAY_%s^%s^EUI-64" % (model, eui),
              "philips_mdil23": "IntelliVue^%s" % eui[:12], "bridge_loinc251": "VSBRIDGE^%s^L" % eui[4:]}[layout]
    unit = {"adult": "ICU", "paediatric": "PICU", "neonatal": "NICU"}[cls]
    mon = {
        "idx": idx, "id": "m%04d" % (idx + 1), "file": "mon-%04d.hl7" % (idx + 1), "class": cls, "layout": layout,
        "device": device, "model": model, "eui": eui, "cadence_s": cadence, "hours": hours, "channels": ch,
        "ventilated": ventilated, "paced": adult and rng.random() < 0.08, "af": adult and rng.random() < 0.08,
        "nibp_every_min": nibp_every, "nibp_style": lay["nibp_style"], "missing_value": rng.choice(lay["missing"]),
        "temp_unit": temp_unit, "etco2_unit": etco2_unit, "clock_skew_s": round(skew, 3),
        "clock_drift_ppm": round(rng.uniform(-40, 40), 1), "tz_min": tzmin, "hl7_version": lay["version"],
        "unit": unit, "bed": "%s%02d" % (unit[0], rng.randint(1, 24)), "start": start + rng.uniform(0, 300),
        "kind": kind, "strength": strength,
    }
    span = hours * 3600.0
    mon["events"] = schedule(mon, rng, span)
    # Interruptions: network outage, transport to CT (same patient),
    # discharge and a new admission, a monitor reboot, an unidentified
    # admission later identified; a one-off NTP clock step.
    outages = []
    for name, p, lo, hi in (("outage", 0.15, 60, 600), ("transport", 0.08, 1200, 3000),
                            ("new_patient", 0.06, 900, 2400), ("reboot", 0.06, 60, 180)):
        if rng.random() < p:
            t0 = rng.uniform(0.15, 0.85) * span
            dur = rng.uniform(lo, hi)
            if all(t0 > b + 600 or t0 + dur < a - 600 for _, a, b in outages):
                outages.append((name, t0, t0 + dur))
    mon["outages"] = sorted(outages, key=lambda o: o[1])
    mon["backfill"] = layout == "mindray_pcd26" and rng.random() < 0.5
    mon["unidentified_until"] = rng.uniform(0.2, 0.8) * span if rng.random() < 0.05 else None
    mon["clock_step"] = (rng.uniform(0.1, 0.9) * span, rng.choice((-1, 1)) * rng.uniform(2, 90)) \
        if rng.random() < 0.1 else None
    mon["retransmit_p"] = rng.choice((0, 0, 0.0005, 0.002, 0.006))
    mon["patient"] = Ids.patient(rng, cls, start)
    return mon


# ---------------------------------------------------------------- physiology

def baselines(rng, cls):
    b = {k: rng.uniform(*v) for k, v in BASE[cls].items()}
    b["sbp"] = max(b["sbp"], b["dbp"] + (22 if cls == "neonatal" else 30))
    b["pi"] = rng.uniform(0.8, 5.0)
    b["ff"] = rng.uniform(0.33, 0.41)            # form factor of the arterial waveform (MAP)
    b["cuff"] = rng.uniform(-9, 3) if cls != "neonatal" else rng.uniform(-3, 2)  # cuff versus arterial systolic
    return b


def simulate(mon, seed):
    """The genuine records of one monitor, in send order."""
    rng = random.Random("corpus3:%d:%d:phys" % (seed, mon["idx"]))
    cls, ch, cad = mon["class"], set(mon["channels"]), mon["cadence_s"]
    span = mon["hours"] * 3600.0
    lay = LAYOUTS[mon["layout"]]
    ev = mon["events"]
    b = baselines(rng, cls)
    wan, noi = WANDER[cls], NOISE[cls]
    ou = {k: rng.gauss(0, 1) * v[0] for k, v in wan.items()}
    pace = rng.choice((60, 70, 80)) if mon["paced"] else None
    vent_rate = (rng.choice((12, 14, 16, 18)) if cls == "adult" else rng.choice((20, 24, 30, 40))) \
        if mon["ventilated"] else None
    spont = rng.uniform(0.0, 0.3)
    patient = mon["patient"]
    # Times: a fixed schedule with small jitter, minus interruptions.
    times, t = [], rng.uniform(0, cad)
    while t < span:
        times.append(t)
        t += cad * (1 + rng.uniform(-0.01, 0.01))
    nibp = nibp_schedule(mon, rng, span)
    ni = 0                      # next NIBP determination to complete
    last_nibp = None
    recs = []
    prev_t = None
    ctl = rng.randrange(1, 5000)
    out_idx = 0
    outages = mon["outages"]
    skew = mon["clock_skew_s"]
    step = mon["clock_step"]
    unident = mon["unidentified_until"]
    temp_ident = ("T%07d" % rng.randrange(10 ** 6, 10 ** 7), "UNKNOWN", "TRAUMA" + rng.choice("ABCDEFG"),
                  "", "U")
    last_gap = None
    pend_backfill = []

    def dev_clock(t):
        """The device clock at time t: skew, drift and an NTP step."""
        off = skew + mon["clock_drift_ppm"] * 1e-6 * t
        if step and t >= step[0]:
            off += step[1]
        return mon["start"] + t + off

    for t in times:
        # Interruptions.
        state = None
        while out_idx < len(outages) and t >= outages[out_idx][2]:
            name = outages[out_idx][0]
            last_gap = (name, outages[out_idx][2])
            if name == "new_patient":
                # The next patient: new identity and physiology; the
                # previous patient's conditions leave with them.
                patient = Ids.patient(rng, cls, mon["start"])
                b = baselines(rng, cls)
                ou = {k: rng.gauss(0, 1) * v[0] for k, v in wan.items()}
                ev = [e for e in ev if e.t0 >= outages[out_idx][2]]
                pace = None
            if name == "reboot" and lay["ctl"] == "counter":
                ctl = 1
            out_idx += 1
        if out_idx < len(outages) and outages[out_idx][1] <= t < outages[out_idx][2]:
            state = outages[out_idx][0]
            if not (state == "outage" and mon["backfill"]):
                continue
        dt = cad if prev_t is None else t - prev_t
        prev_t = t
        for k, (sd, tau) in wan.items():
            a = math.exp(-dt / tau)
            ou[k] = ou[k] * a + sd * math.sqrt(1 - a * a) * rng.gauss(0, 1)
        hr = b["hr"] + ou["hr"]
        sbp = b["sbp"] + ou["bp"]
        dbp = b["dbp"] + ou["bp"] * 0.6
        spo2 = b["spo2"] + ou["spo2"]
        rr = b["rr"] + ou["rr"]
        temp = b["temp"] + ou["temp"]
        etco2 = b["etco2"] + ou["etco2"]
        pi = max(0.2, b["pi"] + ou["pi"])
        hr_mul = 1.0
        names = []
        flags = {}
        for e in ev:
            if e.t0 <= t < e.t1:
                en = e.env(t)
                if en <= 0:
                    continue
                names.append(e.name)
                d = e.d
                if d:
                    hr_mul += d.get("hr", 0) * en
                    sbp += d.get("sbp", 0) * en
                    dbp += d.get("dbp", 0) * en
                    spo2 += d.get("spo2", 0) * en
                    rr += d.get("rr", 0) * en
                    temp += d.get("temp", 0) * en
                    etco2 += d.get("etco2", 0) * en
                for k, v in e.f.items():
                    if k == "na":
                        flags.setdefault("na", set()).update(v)
                    elif k == "vent_rate":
                        flags["vent_rate"] = flags.get("vent_rate", 0) + v
                    elif k == "temp_to":
                        flags["temp_to"] = (v, en)
                    else:
                        flags[k] = v
        hr *= hr_mul
        if "hr_set" in flags:
            hr = flags["hr_set"] + rng.gauss(0, 1.5)
        hr_noise = flags.get("hr_noise", noi["hr"])
        hr_m = hr + rng.gauss(0, hr_noise)
        if pace and hr_m < pace + 3 and "hr_set" not in flags:
            hr_m = pace
        hr_m = int(round(clamp(hr_m, 25, 300)))
        # Pulse rate from the oximeter.
        mode = flags.get("pr_mode")
        if mode == "half":
            pr = hr_m / 2 + rng.gauss(0, 1.5)
        elif mode == "deficit":
            pr = hr_m - abs(rng.gauss(0, 8))
        elif mode == "erratic":
            pr = hr_m + rng.gauss(0, 18)
        else:
            pr = hr_m + rng.gauss(0, 0.8)
        v = {"hr": hr_m}
        sp = spo2 + rng.gauss(0, noi["spo2"] + flags.get("spo2_noise", 0)) - flags.get("spo2_drop", 0) * rng.random()
        v["spo2"] = int(round(clamp(sp, 50, 100)))
        v["pr"] = int(round(clamp(pr, 20, 300)))
        if "pi" in ch:
            v["pi"] = round(pi * (0.4 if "motion" in names else 1), 1)
        if vent_rate:
            vr = vent_rate + flags.get("vent_rate", 0)
            v["rr"] = vr + (rng.randint(1, 4) if rng.random() < spont else 0)
        else:
            v["rr"] = int(round(clamp(rr + rng.gauss(0, noi["rr"]), 4, 120)))
        if flags.get("rr_zero"):
            v["rr"] = 0
        tt_sbp, tt_dbp = sbp, min(dbp, sbp - 12)
        tt_map = tt_dbp + (tt_sbp - tt_dbp) * b["ff"]
        if "abp" in ch:
            s = tt_sbp + rng.gauss(0, 1.5)
            d = tt_dbp + rng.gauss(0, 1.0)
            if "abp_damp" in flags:
                # Overdamped: systolic under-read, diastolic over-read.
                pp = s - d
                s, d = s - 0.35 * pp, d + 0.15 * pp
            off = flags.get("abp_offset", 0)
            m = d + (s - d) * b["ff"] + rng.gauss(0, 0.8)
            s, d, m = s + off, d + off, m + off
            if "abp_set" in flags:
                x = flags["abp_set"]
                s, d, m = x, x * rng.uniform(0.9, 1.0), x * rng.uniform(0.93, 1.0)
                if x == 0:
                    s, d, m = rng.choice((0, 1)), 0, 0
            v["abp"] = (int(round(s)), int(round(d)), int(round(m)))
            if "abp_pr" in ch:
                v["abp_pr"] = None if "abp_set" in flags else int(round(hr_m + rng.gauss(0, 0.8)))
        if "temp" in ch:
            tv = temp
            if "temp_to" in flags:
                target, en = flags["temp_to"]
                tv = tv + (target - tv) * en
            v["temp"] = round(tv, 1)
        if "etco2" in ch:
            v["etco2"] = round(clamp(etco2 + rng.gauss(0, 0.6), 5, 90), 1)
        if "pvc" in ch:
            v["pvc"] = int(round(hr_m / 2)) if mode == "half" else \
                (rng.choice((0, 0, 0, 1, 2, 3)) if rng.random() < 0.3 else 0)
        for k in flags.get("na", ()):
            if k in v:
                v[k] = None
        # NIBP determinations completed by now.
        new_nibp = False
        while ni < len(nibp) and nibp[ni][1] <= t:
            t_start, t_end, tag = nibp[ni]
            if tag != "fail":
                # Oscillometry measures the mean and derives systolic and
                # diastolic from it: always diastolic < mean < systolic.
                cm = tt_map + rng.gauss(0, 2.5)
                cs = max(tt_sbp + b["cuff"] + rng.gauss(0, 4), cm + 6)
                cd = min(tt_dbp + rng.gauss(0, 3), cm - 4)
                last_nibp = (int(round(cs)), int(round(cd)), int(round(cm)), dev_clock(t_start), ni)
                new_nibp = True
                if tag:
                    names.append(tag)
            ni += 1
        if mon["nibp_style"] == "once":
            nib = last_nibp if new_nibp else None
        else:
            nib = last_nibp
        if step and 0 <= t - step[0] < 3 * cad + 60:
            names.append("clock_step")
        pid = patient
        if unident is not None:
            if t < unident:
                pid = temp_ident
                names.append("unidentified")
            elif t - unident < 600:
                names.append("identified")
        if last_gap and t - last_gap[1] < max(3 * cad, 300):
            names.append(last_gap[0])       # the first minutes after a gap
        if state == "outage":
            names.append("backfill")
        rec = {"t": t, "dev": dev_clock(t), "ctl": ctl, "pid": pid, "v": v, "nibp": nib,
               "units": None, "ev": names, "true_bp": (tt_sbp, tt_dbp, tt_map), "inj": False}
        ctl += 1
        if state == "outage":
            pend_backfill.append(rec)
            continue
        for r in pend_backfill:
            r["backfill_at"] = t
        recs.extend(pend_backfill)
        pend_backfill = []
        recs.append(rec)
    # Arrivals: network latency; backfilled messages arrive in a burst after
    # the outage, ahead of the first live message. Backfill of an outage
    # that never ended is lost.
    arr_prev = 0.0
    backlog = []
    for rec in recs:
        if "backfill_at" in rec:
            backlog.append(rec)
            continue
        if backlog:
            base = mon["start"] + backlog[0]["backfill_at"] - 0.05 * len(backlog) - 0.2
            for j, r in enumerate(backlog):
                a = max(base + 0.05 * j, arr_prev + 0.004)
                r["arr"] = a
                arr_prev = a
            backlog = []
        lat = rng.uniform(0.015, 0.25) if rng.random() < 0.97 else rng.uniform(0.5, 2.5)
        a = max(mon["start"] + rec["t"] + lat, arr_prev + 0.004)
        rec["arr"] = a
        arr_prev = a
    guid_rng = random.Random("corpus3:%d:%d:guid" % (seed, mon["idx"]))
    for rec in recs:
        if lay["ctl"] == "guid":
            rec["ctl"] = "%032x" % guid_rng.getrandbits(128)
        else:
            rec["ctl"] = str(rec["ctl"])
    return recs


def nibp_schedule(mon, rng, span):
    """NIBP determinations as (start, end, tag): the auto cycle, a STAT
    series (back-to-back for 5 min), a manual one, an occasional failed
    determination retried after 2 min."""
    out = []
    every = mon["nibp_every_min"] * 60.0
    dur = (20, 32) if mon["class"] == "neonatal" else (25, 45)
    t = rng.uniform(0, every)
    while t < span:
        d = rng.uniform(*dur)
        if rng.random() < 0.04:
            out.append((t, t + d, "fail"))
            out.append((t + d + 120, t + d + 120 + rng.uniform(*dur), "nibp_retry"))
        else:
            out.append((t, t + d, ""))
        t += every
    for e in mon["events"]:
        if e.name == "nibp_stat":
            t = e.t0
            while t < e.t0 + 300:
                d = rng.uniform(*dur)
                out.append((t, t + d, "nibp_stat"))
                t += d + rng.uniform(3, 8)
            e.t1 = t
        elif e.name == "nibp_manual":
            d = rng.uniform(*dur)
            out.append((e.t0, e.t0 + d, "nibp_manual"))
            e.t1 = e.t0 + d
    out.sort(key=lambda x: x[1])
    # A cuff performs one determination at a time.
    kept, busy = [], -1.0
    for s, e, tag in out:
        if s >= busy:
            kept.append((s, e, tag))
            busy = e
    return kept


# ---------------------------------------------------------------- manipulation

class Edit:
    """The manipulated stream: records are copied when first changed;
    injected records are kept apart until the end."""

    def __init__(self, recs):
        self.recs = list(recs)
        self.touched = set()
        self.inject = []            # (after index, record)

    def m(self, i):
        if i not in self.touched:
            r = dict(self.recs[i])
            r["v"] = dict(r["v"])
            self.recs[i] = r
            self.touched.add(i)
        return self.recs[i]


def shift_hr(v, d):
    """HR moved with its pulse rates, as a monitor would show it."""
    for k in ("hr", "pr", "abp_pr"):
        if isnum(v.get(k)):
            v[k] = int(round(clamp(v[k] + d, 20, 300)))


def shift_bp(t, d):
    """A pressure triple moved as a physiological change: pulse pressure
    widens with a rise."""
    if not isinstance(t, tuple):
        return t
    return (int(round(t[0] + d)), int(round(t[1] + 0.6 * d)), int(round(t[2] + 0.73 * d))) + t[3:]


def shift(v, p, d):
    """Add d to parameter p of values v, coupled the way a careful forger
    would couple it."""
    if p == "hr":
        shift_hr(v, d)
    elif p == "abp":
        v["abp"] = shift_bp(v.get("abp"), d)
    elif p == "spo2":
        if isnum(v.get("spo2")):
            v["spo2"] = int(round(clamp(v["spo2"] + d, 50, 100)))
    elif p == "temp":
        if isnum(v.get("temp")):
            v["temp"] = round(v["temp"] + d, 1)
    elif p == "rr":
        if isnum(v.get("rr")):
            v["rr"] = int(round(clamp(v["rr"] + d, 0, 150)))
    elif p == "etco2":
        if isnum(v.get("etco2")):
            v["etco2"] = round(clamp(v["etco2"] + d, 0, 150), 1)


def get(v, p):
    x = v.get(p)
    if isinstance(x, tuple):
        return x[0]
    return x


def set_to(v, p, x):
    """Set parameter p to the level x (pressures: systolic x, the rest
    moved with it)."""
    cur = get(v, p)
    if isnum(cur):
        shift(v, p, x - cur)


def n_for(mon, seconds, least=1):
    return max(least, int(round(seconds / mon["cadence_s"])))


def pick_window(mon, recs, rng, length, till_end_ok=False):
    """A start index for an episode of length messages: within one patient
    stay, clear of backfill and of the record's first 10 %."""
    n = len(recs)
    length = min(length, max(1, n // 4))
    for _ in range(200):
        lo = max(3, int(0.1 * n))
        hi = max(lo + 1, int(0.8 * n) - (0 if till_end_ok else length))
        a = rng.randrange(lo, hi)
        b = min(n - 1, a + length - 1)
        pid = recs[a]["pid"]
        if all(recs[j]["pid"] == pid and "backfill_at" not in recs[j] for j in range(a - 1, b + 1)):
            return a, b
    return None


PARAMS = {
    "spike": ("hr", "spo2", "abp", "rr", "etco2"),
    "step": ("hr", "spo2", "abp", "rr", "etco2", "temp"),
    "drift": ("spo2", "hr", "abp", "temp", "etco2", "rr"),
    "frozen": ("hr", "spo2", "abp", "rr"),
    "too_smooth": ("hr", "spo2", "abp", "rr"),
    "out_of_range": ("spo2", "hr", "temp", "abp", "rr"),
}
# Offsets (blatant, subtle) by parameter, for step and drift; sign chosen later.
STEP = {"hr": ((30, 45), (10, 14)), "spo2": ((8, 14), (3, 5)), "abp": ((25, 40), (10, 15)),
        "rr": ((10, 15), (4, 6)), "etco2": ((12, 20), (5, 8)), "temp": ((1.2, 2.0), (0.5, 0.8))}
DRIFT = {"hr": ((35, 50), (12, 18)), "spo2": ((10, 15), (4, 6)), "abp": ((30, 45), (12, 18)),
         "rr": ((12, 18), (5, 7)), "etco2": ((15, 25), (6, 9)), "temp": ((2.0, 3.0), (0.7, 1.0))}
DOWN = {"spo2"}                 # parameters an attacker moves down (a false desaturation)


def present(recs, p):
    """Whether parameter p is measured through most of the stream."""
    sample = recs[::max(1, len(recs) // 50)]
    return sum(1 for r in sample if isnum(get(r["v"], p))) >= min(10, len(sample) // 2)


def choose_param(mon, recs, rng, kind):
    # Freezing or smoothing a ventilator's rate or a pacemaker's would
    # change nothing: a forger picks a parameter that moves.
    fixed = set()
    if kind in ("frozen", "too_smooth"):
        fixed = {"rr"} if mon["ventilated"] else set()
        if mon["paced"]:
            fixed.add("hr")
    opts = [p for p in PARAMS[kind] if p in mon["channels"] and p not in fixed and present(recs, p)]
    return rng.choice(opts) if opts else None


def m_spike(mon, recs, ed, rng, blatant):
    p = choose_param(mon, recs, rng, "spike")
    w = pick_window(mon, recs, rng, 2)
    if not p or not w:
        return None
    a = w[0]
    k = 2 if blatant and mon["cadence_s"] <= 5 else 1
    sign = -1 if p in DOWN else rng.choice((-1, 1))
    size = {"hr": (50, 70) if blatant else (16, 26), "spo2": (18, 30) if blatant else (5, 8),
            "abp": (55, 75) if blatant else (20, 30), "rr": (18, 25) if blatant else (8, 12),
            "etco2": (22, 30) if blatant else (8, 12)}[p]
    d = sign * rng.uniform(*size)
    if p == "hr" and sign < 0:
        d = -min(-d, get(recs[a]["v"], "hr") - 30) if isnum(get(recs[a]["v"], "hr")) else d
    for i in range(a, min(a + k, len(recs))):
        v = ed.m(i)["v"]
        if blatant and p == "hr":
            if isnum(v.get("hr")):
                v["hr"] = int(round(clamp(v["hr"] + d, 25, 290)))
        else:
            shift(v, p, d)
    return p, "%s %+.0f for %d message(s)%s" % (p, d, k, "" if blatant else ", coupled channels moved with it")


def last_of_stay(recs, a):
    """The last record of the patient whose record a is (a forgery to the end of the stay)."""
    b = len(recs) - 1
    while recs[b]["pid"] != recs[a]["pid"]:
        b -= 1
    return b


def m_step(mon, recs, ed, rng, blatant):
    p = choose_param(mon, recs, rng, "step")
    till_end = rng.random() < 0.4
    length = n_for(mon, rng.uniform(1200, 5400), 8)
    w = pick_window(mon, recs, rng, length, till_end)
    if not p or not w:
        return None
    a, b = w
    if till_end:
        b = last_of_stay(recs, a)
    lo_hi = STEP[p][0 if blatant else 1]
    d = (-1 if p in DOWN else rng.choice((-1, 1))) * rng.uniform(*lo_hi)
    for i in range(a, b + 1):
        shift(ed.m(i)["v"], p, d)
    return p, "%s offset %+.1f%s" % (p, d, " to the end of the stay" if till_end else "")


def m_drift(mon, recs, ed, rng, blatant):
    p = choose_param(mon, recs, rng, "drift")
    ramp = n_for(mon, rng.uniform(1800, 5400) if blatant else rng.uniform(2700, 7200), 10)
    till_end = rng.random() < 0.5
    length = ramp if till_end else ramp + ramp // 2
    w = pick_window(mon, recs, rng, length, till_end)
    if not p or not w:
        return None
    a, b = w
    if till_end:
        b = last_of_stay(recs, a)
    full = (-1 if p in DOWN else rng.choice((-1, 1))) * rng.uniform(*DRIFT[p][0 if blatant else 1])
    for i in range(a, b + 1):
        j = i - a
        if j < ramp or till_end:
            f = min(1.0, (j + 1) / ramp)
        else:
            f = max(0.0, 1 - (j - ramp + 1) / (ramp / 2))
        shift(ed.m(i)["v"], p, full * f)
    return p, "%s ramps %+.1f over %d messages%s" % (p, full, ramp, " and holds" if till_end else " and back")


def m_frozen(mon, recs, ed, rng, blatant):
    length = n_for(mon, rng.uniform(1200, 3600) if blatant else rng.uniform(600, 1800), 8)
    w = pick_window(mon, recs, rng, length)
    p = None if blatant else choose_param(mon, recs, rng, "frozen")
    if not w or (not blatant and not p):
        return None
    a, b = w
    src = recs[a - 1]["v"]
    for i in range(a, b + 1):
        v = ed.m(i)["v"]
        if blatant:
            for k in v:
                if k in src:
                    v[k] = src[k]
        else:
            v[p] = src.get(p)
            if p == "hr":
                for k in ("pr", "abp_pr"):
                    if k in v:
                        v[k] = src.get(k)
    return (p or "all"), "%s held at the previous message's values for %d messages" % (
        "all numerics" if blatant else p, b - a + 1)


def m_too_smooth(mon, recs, ed, rng, blatant):
    p = choose_param(mon, recs, rng, "too_smooth")
    length = n_for(mon, rng.uniform(1800, 5400), 12)
    w = pick_window(mon, recs, rng, length)
    if not p or not w:
        return None
    a, b = w
    prev = [get(recs[j]["v"], p) for j in range(max(0, a - 20), a)]
    prev = [x for x in prev if isnum(x)]
    if not prev:
        return None
    mean = sum(prev) / len(prev)
    period = rng.uniform(600, 1500)
    amp = {"hr": 2.5, "spo2": 0.8, "abp": 3, "rr": 1.2}[p]
    ema = None
    for i in range(a, b + 1):
        v = ed.m(i)["v"]
        cur = get(v, p)
        if not isnum(cur):
            continue
        if blatant:
            target = mean + amp * math.sin(2 * math.pi * (recs[i]["t"] - recs[a]["t"]) / period)
        else:
            ema = cur if ema is None else ema + 0.12 * (cur - ema)
            target = ema
        if p == "spo2":
            target = min(100, target)
        set_to(v, p, int(round(target)))
    return p, "%s replaced by a %s" % (p, "slow sinusoid around its mean" if blatant else "heavily smoothed copy")


def splice_gap(a, b):
    """How far apart two records' main values are (for a seamless replay)."""
    d = 0.0
    for k in ("hr", "spo2", "abp", "rr"):
        x, y = get(a["v"], k), get(b["v"], k)
        if isnum(x) and isnum(y):
            d += abs(x - y)
    return d


def m_replay(mon, recs, ed, rng, blatant):
    length = n_for(mon, rng.uniform(900, 2400), 10)
    for _ in range(50):
        w = pick_window(mon, recs, rng, length)
        if not w:
            return None
        a, b = w
        lo = b - a + 6
        if a < lo:
            continue
        lags = [rng.randint(max(lo, min(a, n_for(mon, 1800))), a) for _ in range(1 if blatant else 30)]
        lags = [x for x in lags if recs[a - x]["pid"] == recs[a]["pid"]]
        if lags:
            # A careful attacker splices where the recording matches the
            # patient's current values.
            lag = min(lags, key=lambda x: splice_gap(recs[a - 1], recs[a - x]))
            break
    else:
        return None
    for i in range(a, b + 1):
        src = recs[i - lag]
        r = ed.m(i)
        r["v"] = dict(src["v"])
        if blatant:
            r["nibp"] = src["nibp"]
    return ("all" if blatant else "numerics"), "%d messages carry the values sent %d messages (%.0f min) earlier%s" % (
        b - a + 1, lag, (recs[a]["t"] - recs[a - lag]["t"]) / 60,
        ", NIBP rows included" if blatant else ", spliced where the values matched")


def m_duplicate_control_id(mon, recs, ed, rng, blatant):
    if blatant:
        n = rng.randint(5, 20)
        w = pick_window(mon, recs, rng, n)
        if not w:
            return None
        a, b = w
        for i in range(a, b + 1):
            src = recs[i]
            r = dict(src)
            r["v"] = dict(src["v"])
            shift(r["v"], "hr", rng.choice((-1, 1)) * rng.randint(4, 10))
            shift(r["v"], "spo2", rng.randint(1, 3))
            r["dev"] = src["dev"] + rng.uniform(0.3, 0.9) * min(mon["cadence_s"], 5)
            r["inj"] = True
            ed.inject.append((i, r))
        return "", "%d forged messages injected, each reusing the control ID of the genuine message before it " \
                   "with HR and SpO2 changed" % (b - a + 1)
    w = pick_window(mon, recs, rng, 3)
    if not w:
        return None
    a = w[0]
    n = rng.randint(1, 2)
    for i in range(a, a + n):
        ed.m(i)["ctl"] = recs[a - rng.randint(1, 3)]["ctl"]
    return "", "%d message(s) carry the control ID of one of the 3 messages before" % n


def m_unit_mislabel(mon, recs, ed, rng, blatant):
    opts = [p for p in ("temp", "etco2", "abp") if p in mon["channels"] and present(recs, p)]
    if not opts:
        opts = ["nibp"]
    p = rng.choice(opts)
    length = n_for(mon, rng.uniform(600, 3600), 4 if p != "nibp" else 1)
    if p == "nibp":
        length = n_for(mon, rng.uniform(2, 3) * mon["nibp_every_min"] * 60, 4)
    w = pick_window(mon, recs, rng, length, True)
    if not w:
        return None
    a, b = w
    own = {"temp": mon["temp_unit"], "etco2": mon["etco2_unit"], "abp": "mmHg", "nibp": "mmHg"}[p]
    other = {"C": "F", "F": "C", "mmHg": "kPa", "kPa": "mmHg"}[own]
    # Blatant: the values converted, the label unchanged (the numbers jump);
    # subtle: only the unit field changes.
    pair = (other, own) if blatant else (own, other)
    for i in range(a, b + 1):
        r = ed.m(i)
        if p == "nibp" and r["nibp"] is None:
            continue
        r["units"] = {p: pair}
    return p, "%s values in %s labelled %s" % (p, pair[0], pair[1])


def m_out_of_range(mon, recs, ed, rng, blatant):
    p = choose_param(mon, recs, rng, "out_of_range")
    k = rng.randint(1, 5) if blatant else rng.randint(1, 3)
    w = pick_window(mon, recs, rng, k)
    if not p or not w:
        return None
    a, b = w
    if blatant:
        x = {"spo2": rng.randint(105, 125), "hr": rng.randint(350, 450), "temp": round(rng.uniform(46, 52), 1),
             "abp": rng.randint(350, 450), "rr": rng.randint(150, 220)}[p]
    else:
        x = {"spo2": rng.choice((101, 102)), "hr": rng.randint(305, 320), "temp": round(rng.uniform(42.6, 43.4), 1),
             "abp": rng.randint(305, 320), "rr": rng.randint(125, 140)}[p]
    for i in range(a, b + 1):
        v = ed.m(i)["v"]
        cur = get(v, p)
        if not isnum(cur):
            continue
        if p == "abp":
            s, d, m = v["abp"][:3]
            v["abp"] = (x, d + (x - s) // 3, m + (x - s) // 2)
        elif p == "hr":
            v["hr"] = x
            if isnum(v.get("pr")):
                v["pr"] = x
        else:
            v[p] = x
    return p, "%s set to %s for %d message(s)" % (p, x, b - a + 1)


def m_hr_pr_mismatch(mon, recs, ed, rng, blatant):
    length = n_for(mon, rng.uniform(600, 1800), 6)
    w = pick_window(mon, recs, rng, length)
    if not w:
        return None
    a, b = w
    which = rng.choice(("hr", "pr"))
    d = rng.choice((-1, 1)) * (rng.uniform(35, 50) if blatant else rng.uniform(14, 20))
    for i in range(a, b + 1):
        v = ed.m(i)["v"]
        if isnum(v.get(which)):
            v[which] = int(round(clamp(v[which] + d, 30, 280)))
    return which, "%s moved %+.0f without the other for %d messages" % (which, d, b - a + 1)


def m_bp_inconsistent(mon, recs, ed, rng, blatant):
    use_abp = "abp" in mon["channels"] and present(recs, "abp")
    if use_abp:
        length = n_for(mon, rng.uniform(300, 1800), 4)
        w = pick_window(mon, recs, rng, length)
        if not w:
            return None
        a, b = w
        off = rng.uniform(10, 16) * rng.choice((-1, 1))
        for i in range(a, b + 1):
            v = ed.m(i)["v"]
            t = v.get("abp")
            if not isinstance(t, tuple):
                continue
            s, d, m = t
            if blatant:
                v["abp"] = (d, s, m)
            else:
                v["abp"] = (s, d, int(clamp(round(m + off), d + 1, s - 1)))
        return "abp", "ABP %s for %d messages" % ("systolic and diastolic swapped" if blatant else
                                                   "mean moved %+.0f off its waveform" % off, b - a + 1)
    # NIBP: one to three determinations made inconsistent, in every message
    # repeating them.
    length = n_for(mon, rng.uniform(1, 3) * mon["nibp_every_min"] * 60, 2)
    w = pick_window(mon, recs, rng, length, True)
    if not w:
        return None
    a, b = w
    ids = sorted({recs[i]["nibp"][4] for i in range(a, b + 1) if recs[i]["nibp"]})
    if not ids:
        return None
    off = rng.uniform(12, 18) * rng.choice((-1, 1))
    new = {}
    for mid in ids:
        for i in range(a, len(recs)):
            t = recs[i]["nibp"]
            if t and t[4] == mid:
                if mid not in new:
                    s, d, m = t[:3]
                    new[mid] = ((d, s + rng.randint(0, 6), m) if blatant else
                                (s, d, int(clamp(round(m + off), d + 1, s - 1)))) + t[3:]
                ed.m(i)["nibp"] = new[mid]
    return "nibp", "%d NIBP determination(s) %s" % (len(ids), "with diastolic above systolic" if blatant
                                                      else "with the mean moved %+.0f" % off)


def shift_time(ed, recs, a, b, d, all_times):
    for i in range(a, b + 1):
        r = ed.m(i)
        r["dev"] = recs[i]["dev"] + d
        if all_times:
            r["nibp_shift"] = d


def m_time_backwards(mon, recs, ed, rng, blatant):
    if blatant:
        length = n_for(mon, rng.uniform(300, 1800), 3)
        d = -rng.uniform(1800, 7200)
    else:
        length = rng.randint(1, 3)
        d = -(rng.randint(2, 4) * mon["cadence_s"] + rng.uniform(1, 5))
    w = pick_window(mon, recs, rng, length)
    if not w:
        return None
    shift_time(ed, recs, w[0], w[1], d, blatant)
    return "", "MSH-7%s moved %+.0f s on %d message(s)" % (" and OBX-14" if blatant else "", d, w[1] - w[0] + 1)


def m_time_future(mon, recs, ed, rng, blatant):
    if blatant:
        length = n_for(mon, rng.uniform(300, 1800), 3)
        d = rng.uniform(3600, 86400)
    else:
        length = n_for(mon, rng.uniform(300, 1200), 3)
        d = rng.uniform(120, 360)
    w = pick_window(mon, recs, rng, length)
    if not w:
        return None
    shift_time(ed, recs, w[0], w[1], d, blatant)
    return "", "MSH-7%s moved %+.0f s on %d message(s)" % (" and OBX-14" if blatant else "", d, w[1] - w[0] + 1)


def m_identity_switch(mon, recs, ed, rng, blatant):
    length = n_for(mon, rng.uniform(1800, 5400), 10) if blatant else rng.randint(3, 15)
    w = pick_window(mon, recs, rng, length, blatant)
    if not w:
        return None
    a, b = w
    cur = recs[a]["pid"]
    if blatant:
        other = Ids.patient(rng, mon["class"], mon["start"])
        if rng.random() < 0.5:
            b = len(recs) - 1
            while recs[b]["pid"] != cur:
                b -= 1
    else:
        mrn = list(cur[0])
        j = rng.randrange(len(mrn))
        mrn[j] = rng.choice([c for c in "0123456789" if c != mrn[j]])
        other = ("".join(mrn),) + cur[1:]
    for i in range(a, b + 1):
        ed.m(i)["pid"] = other
    return "", "PID-3%s of another patient on %d messages" % (" and PID-5" if blatant else " (one digit)",
                                                               b - a + 1)


def m_nibp_cadence(mon, recs, ed, rng, blatant):
    length = n_for(mon, rng.uniform(1200, 2400) if blatant else rng.uniform(900, 1200), 6)
    w = pick_window(mon, recs, rng, length)
    if not w:
        return None
    a, b = w
    spacing = 10 if blatant else rng.uniform(45, 60)
    last = -1e9
    mid = 100000
    n = 0
    for i in range(a, b + 1):
        r = recs[i]
        if r["t"] - last < spacing:
            # Repeating styles keep showing the last forged value.
            if mon["nibp_style"] != "once" and n:
                ed.m(i)["nibp"] = forged
            continue
        last = r["t"]
        s, d, m = r["true_bp"]
        m += rng.gauss(0, 2)
        mid += 1
        forged = (int(round(max(s + rng.gauss(-3, 4), m + 6))), int(round(min(d + rng.gauss(0, 3), m - 4))),
                  int(round(m)), r["dev"] - rng.uniform(3, 8), mid)
        ed.m(i)["nibp"] = forged
        n += 1
    # A repeating layout keeps showing the last forged value until the next
    # genuine determination.
    if mon["nibp_style"] != "once" and n and recs[b]["nibp"] is not None:
        i = b + 1
        while i < len(recs) and recs[i]["nibp"] is not None and recs[i]["nibp"][4] == recs[b]["nibp"][4]:
            ed.m(i)["nibp"] = forged
            i += 1
    return "nibp", "%d forged NIBP determinations %s apart over %d messages" % (
        n, "10 s or one message" if blatant else "45-60 s", b - a + 1)


MANIP = {k: globals()["m_" + k] for k in KINDS}


# ---------------------------------------------------------------- rendering

SUBID_GE = {"hr": "1.1.1.1", "pvc": "1.1.1.2", "spo2": "1.2.1.1", "pr": "1.2.1.2", "pi": "1.2.1.3",
            "nibp_s": "1.3.1.1", "nibp_d": "1.3.1.2", "nibp_m": "1.3.1.3", "abp_s": "1.4.1.1", "abp_d": "1.4.1.2",
            "abp_m": "1.4.1.3", "abp_pr": "1.4.1.4", "rr": "1.5.1.1", "etco2": "1.6.1.1", "temp": "1.7.1.1"}
VMD_MINDRAY = {"hr": 1, "pvc": 1, "spo2": 3, "pr": 3, "pi": 3, "nibp": 4, "abp": 5, "abp_pr": 5, "rr": 2,
               "etco2": 6, "temp": 7}
GROUP_BRIDGE = {"hr": "1", "spo2": "2", "pr": "2", "nibp": "3", "abp": "4", "rr": "5", "etco2": "6", "temp": "7"}
ORDER = ("hr", "pvc", "spo2", "pr", "pi", "nibp", "abp", "abp_pr", "rr", "etco2", "temp")
PROFILE = "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO"


class Renderer:
    """HL7 text of one monitor's records in its layout."""

    def __init__(self, mon):
        self.mon = mon
        lay = mon["layout"]
        self.lay = lay
        self.style = LAYOUTS[lay]
        codes, units = {"ge_pcd26": (MDC, MDC_UNITS), "mindray_pcd26": (MDC_MINDRAY, MDC_UNITS),
                        "philips_mdil23": (MDIL, MDIL_UNITS), "bridge_loinc251": (LOINC, UCUM)}[lay]
        self.units = units
        self.rows = []          # (value key, triple index, code, sub-ID, own unit, range)
        ch = set(mon["channels"])
        neo = mon["class"] == "neonatal"
        for key in ORDER:
            if key not in ch:
                continue
            keys = [(key + s, i) for i, s in enumerate(("_s", "_d", "_m"))] if key in ("nibp", "abp") else [(key, None)]
            for ck, ti in keys:
                if ck not in codes:
                    continue
                if lay == "ge_pcd26":
                    sub = SUBID_GE[ck]
                elif lay == "mindray_pcd26":
                    sub = "1.%d.1.%s" % (VMD_MINDRAY[key], codes[ck].split("^")[0])
                elif lay == "bridge_loinc251":
                    sub = GROUP_BRIDGE[key]
                else:
                    sub = ""
                own = ROW_UNIT.get(key) or {"temp": mon["temp_unit"], "etco2": mon["etco2_unit"]}.get(key, "mmHg")
                rng = ""
                if lay == "ge_pcd26":
                    rng = {"hr": "100-200" if neo else "50-120", "spo2": "85-100" if neo else "90-100"}.get(ck, "")
                self.rows.append((key, ti, codes[ck], sub, own, rng))
        self.equip = {"ge_pcd26": "%s^%s" % (mon["eui"], mon["model"]), "mindray_pcd26": "^^%s^EUI-64" % mon["eui"],
                      "philips_mdil23": "", "bridge_loinc251": ""}[lay]
        self.status = "F" if lay == "philips_mdil23" else "R"
        ver = self.style["version"]
        msh9 = "ORU^R01" if ver == "2.3" else "ORU^R01^ORU_R01"
        tail = {"ge_pcd26": "|||NE|AL||UNICODE UTF-8|||" + PROFILE.replace("IHE_PCD_001", "PCD_DEC_001"),
                "mindray_pcd26": "|||AL|NE||UNICODE UTF-8|||" + PROFILE,
                "philips_mdil23": "", "bridge_loinc251": "|||AL|NE"}[lay]
        self.msh = ("MSH|^~\\&|%s|%s|CIS|HOSP|" % (mon["device"], mon["unit"]), "||%s|" % msh9, "|P|%s%s" % (ver, tail))
        self.pv1 = "PV1||I|%s^^%s^HOSP" % (mon["unit"], mon["bed"])
        self.mds = None
        if lay in ("ge_pcd26", "mindray_pcd26"):
            self.mds = "|".join(["OBX", "1", "", "69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC", "1.0.0.0"] + [""] * 6 +
                                ["X"] + [""] * 6 + [self.equip])

    def ts(self, t, frac=None):
        st = self.style
        tzmin = self.mon["tz_min"]
        lt = t + tzmin * 60
        s = math.floor(lt)
        out = time.strftime("%Y%m%d%H%M%S", time.gmtime(s))
        if st["frac"] if frac is None else frac:
            out += ".%03d" % int((lt - s) * 1000)
        if st["tz"]:
            out += "%s%02d%02d" % ("+" if tzmin >= 0 else "-", abs(tzmin) // 60, abs(tzmin) % 60)
        return out

    def value(self, key, x, vunit):
        if key == "temp":
            return "%.1f" % (x * 1.8 + 32 if vunit == "F" else x)
        if key in ("etco2", "abp", "nibp"):
            if vunit == "kPa":
                return "%.1f" % (x / 7.50062)
            return "%d" % round(x)
        if key == "pi":
            return "%.1f" % x
        return "%d" % x

    def render(self, r):
        mon, lay = self.mon, self.lay
        ts = self.ts(r["dev"])
        ctl = r["ctl"]
        mrn, fam, given, dob, sex = r["pid"]
        segs = [self.msh[0] + ts + self.msh[1] + ctl + self.msh[2],
                "PID|||%s^^^HOSP^MR||%s^%s||%s|%s" % (mrn, fam, given, dob, sex), self.pv1,
                "OBR|1|%s^%s||182777000^monitoring of patient^SCT|||%s" % (ctl, mon["eui"][:12],
                                                                          self.ts(r["dev"], False))]
        n = 0
        if self.mds:
            segs.append(self.mds)
            n = 1
        v = r["v"]
        units = r["units"]
        missing = mon["missing_value"]
        nib = r["nibp"]
        for key, ti, code, sub, own, rng in self.rows:
            obx14 = ""
            meth = ""
            if key == "nibp":
                if nib is None:
                    continue
                x = nib[ti]
                if self.style["nibp_style"] != "repeat":
                    obx14 = self.ts(nib[3] + r.get("nibp_shift", 0), False)
                    meth = "AMEAS^auto-measurement^MDC" if lay == "mindray_pcd26" else ""
            elif key == "abp":
                x = v.get("abp")
                if x is not None:
                    x = x[ti]
            else:
                x = v.get(key)
            vunit = lunit = own
            if units and key in units:
                vunit, lunit = units[key]
            st = self.status
            if x is None:
                if missing == "omit":
                    continue
                if missing == "empty_x":
                    val, st = "", "X"
                else:
                    val = missing
            else:
                val = self.value(key, x, vunit)
            n += 1
            f = ["OBX", str(n), "NM", code, sub, val, self.units[lunit], rng, "", "", "", st]
            if lay != "philips_mdil23":
                f += ["", "", obx14, "", "", meth, self.equip]
            segs.append("|".join(f))
        return "\r".join(segs) + "\r"


# ---------------------------------------------------------------- monitor

def rfc3339(t):
    ms = int(round(t * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def unforged(recs, inject):
    """The unforged twin's records, one for each of the forged stream's: the
    genuine records, and where the forgery injected a message after record
    i, record i again (a genuine retransmission: the same bytes and control
    ID). The copies stay marked as injected so that their arrivals and the
    retransmission draws are those of the forged stream."""
    after = {}
    for i, _ in inject:
        after[i] = after.get(i, 0) + 1
    out = []
    for i, r in enumerate(recs):
        out.append((r, False))
        for _ in range(after.get(i, 0)):
            d = dict(r)
            d["inj"] = True
            d["ev"] = r["ev"] + ["retransmit"]
            out.append((d, False))
    return out


def build_monitor(seed, idx, hours, start, kind, strength, manipulated=True, forge=True):
    """One monitor: its plan, its messages as (text, arrival, changed,
    events, injected), the parameter and the detail of its manipulation.
    With manipulated=False a manipulated monitor's genuine stream (tests);
    with forge=False its unforged twin (the forgery planned and placed but
    not written: message for message the forged stream, see unforged)."""
    mon = plan_monitor(seed, idx, hours, start, kind, strength)
    recs = simulate(mon, seed)
    rend = Renderer(mon)
    param, detail = "", ""
    out = [(r, False) for r in recs]
    if kind and manipulated:
        # A manipulation that finds no place, or changes no message, is
        # tried again elsewhere.
        for attempt in range(12):
            ed = Edit(recs)
            rng = random.Random("corpus3:%d:%d:manip:%d" % (seed, idx, attempt))
            res = MANIP[kind](mon, recs, ed, rng, strength == "blatant")
            if not res:
                continue
            param, detail = res
            inj = {}
            for i, r in ed.inject:
                inj.setdefault(i, []).append(r)
            out = []
            for i, r in enumerate(ed.recs):
                out.append((r, i in ed.touched and rend.render(r) != rend.render(recs[i])))
                for x in inj.get(i, ()):
                    out.append((x, True))
            if any(ch for _, ch in out):
                break
        else:
            raise RuntimeError("monitor %s cannot carry %s" % (mon["id"], kind))
        if not forge:
            out = unforged(recs, ed.inject)
    # Arrivals of injected records, then genuine retransmissions (GE: up to
    # three retries without an ACK) of whatever was sent. The retransmission
    # draws see only genuine records, so they are the same with and without
    # the manipulation.
    rng_inj = random.Random("corpus3:%d:%d:inject" % (seed, idx))
    rng_net = random.Random("corpus3:%d:%d:net" % (seed, idx))
    final = []
    nxt_genuine = [None] * len(out)
    nxt = None
    for j in range(len(out) - 1, -1, -1):
        nxt_genuine[j] = nxt
        if not out[j][0]["inj"]:
            nxt = out[j][0]["arr"]
    for j, (r, ch) in enumerate(out):
        nxt = nxt_genuine[j]
        if r["inj"]:
            prev = final[-1][0]["arr"]
            if nxt is None:
                nxt = prev + mon["cadence_s"]
            r = dict(r)
            r["arr"] = prev + max(0.002, rng_inj.uniform(0.2, 0.6) * (nxt - prev))
            final.append((r, ch))
            continue
        final.append((r, ch))
        if rng_net.random() < mon["retransmit_p"]:
            room = (r["arr"] + mon["cadence_s"] if nxt is None else nxt) - r["arr"]
            d = dict(r)
            d["arr"] = r["arr"] + min(10.0, 0.3 * room + 0.5 * room * rng_net.random())
            d["ev"] = r["ev"] + ["retransmit"]
            final.append((d, ch))
    msgs = []
    for r, ch in final:
        msgs.append((rend.render(r), r["arr"], ch, r["ev"], r["inj"]))
    return mon, msgs, param, detail


def info_line(mon, msgs, param, detail, episode, forge=True):
    conds = set()
    for e in mon["events"]:
        conds.add(e.name)
    for o in mon["outages"]:
        conds.add(o[0])
    if mon["unidentified_until"] is not None:
        conds.add("unidentified")
    if mon["clock_step"]:
        conds.add("clock_step")
    if mon["backfill"] and "outage" in conds:
        conds.add("backfill")
    if any("retransmit" in m[3] for m in msgs):
        conds.add("retransmit")
    d = {"id": mon["id"], "file": mon["file"], "device": mon["device"], "class": mon["class"],
         "layout": mon["layout"], "cadence_s": mon["cadence_s"], "hours": mon["hours"],
         "status": "manipulated" if mon["kind"] and forge else "clean", "messages": len(msgs),
         "channels": list(mon["channels"]), "conditions": sorted(conds), "hl7_version": mon["hl7_version"],
         "nibp_every_min": mon["nibp_every_min"], "nibp_style": mon["nibp_style"],
         "missing_value": mon["missing_value"], "temp_unit": mon["temp_unit"], "etco2_unit": mon["etco2_unit"],
         "clock_skew_s": mon["clock_skew_s"], "tz_offset_min": mon["tz_min"]}
    if mon["kind"] and not forge:
        d.update({"planned_kind": mon["kind"], "planned_strength": mon["strength"], "planned_parameter": param,
                  "detail": "(unforged twin: no forgery written)"})
    elif mon["kind"]:
        changed = [i for i, m in enumerate(msgs) if m[2]]
        first, last = changed[0], changed[-1]
        d.update({"kind": mon["kind"], "parameter": param, "strength": mon["strength"], "episode": episode,
                  "episode_first": first + 1, "episode_last": last + 1,
                  "episode_start": rfc3339(msgs[first][1]), "episode_end": rfc3339(msgs[last][1]),
                  "detail": detail})
    return d


def assignment(seed, monitors):
    """(kind, strength) per monitor: a third clean, the rest the 15 kinds in
    turn, blatant and subtle alternating within a kind."""
    rng = random.Random("corpus3:%d:assign" % seed)
    n_clean = monitors // 3
    kinds = [KINDS[i % len(KINDS)] for i in range(monitors - n_clean)]
    rng.shuffle(kinds)
    seen = {}
    flip = rng.random() < 0.5
    slots = []
    for k in kinds:
        c = seen.get(k, 0)
        seen[k] = c + 1
        slots.append((k, "blatant" if (c % 2 == 0) != flip else "subtle"))
    slots += [(None, None)] * n_clean
    rng.shuffle(slots)
    return slots


def generate(seed, out, monitors=150, hours=4.0, start=DEFAULT_START, forge=True):
    """Write a corpus to out (forge=False: its unforged twin, every monitor
    clean); returns the number of messages."""
    os.makedirs(out, exist_ok=True)
    t0 = time.mktime(time.strptime(start, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    slots = assignment(seed, monitors)
    total = 0
    with open(os.path.join(out, "labels.jsonl"), "w") as lf, open(os.path.join(out, "monitors.jsonl"), "w") as mf:
        for idx, (kind, strength) in enumerate(slots):
            mon, msgs, param, detail = build_monitor(seed, idx, hours, t0, kind, strength, forge=forge)
            episode = idx + 1 if kind and forge else 0
            info = info_line(mon, msgs, param, detail, episode, forge)
            mf.write(json.dumps(info) + "\n")
            first = info.get("episode_first", 0) - 1
            last = info.get("episode_last", 0) - 1
            with open(os.path.join(out, mon["file"]), "w", newline="") as f:
                f.write("".join(m[0] + "\n" for m in msgs))
            lines = []
            for i, (text, arr, ch, ev, _) in enumerate(msgs):
                inside = episode > 0 and first <= i <= last
                d = {"file": mon["file"], "message": i + 1, "monitor": mon["id"], "arrival": rfc3339(arr),
                     "label": kind if inside else "clean", "parameter": param if inside else "",
                     "episode": episode if inside else 0}
                if inside:
                    d["strength"] = strength
                if ev:
                    d["events"] = ",".join(sorted(set(ev)))
                lines.append(json.dumps(d, separators=(",", ":")))
            lf.write("\n".join(lines) + "\n")
            total += len(msgs)
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--monitors", type=int, default=150)
    ap.add_argument("--hours", type=float, default=4.0)
    ap.add_argument("--start", default=DEFAULT_START, help="first monitor's start, RFC 3339 UTC (Z)")
    ap.add_argument("--no-forge", action="store_true",
                    help="write the unforged twin: the same messages and arrivals, no forgery written")
    a = ap.parse_args()
    n = generate(a.seed, a.out, a.monitors, a.hours, a.start, not a.no_forge)
    print("%d monitors, %d messages in %s%s" % (a.monitors, n, a.out, " (unforged twin)" if a.no_forge else ""))


if __name__ == "__main__":
    main()
