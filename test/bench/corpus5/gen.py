#!/usr/bin/env python3
"""corpus5: a fifth blind labelled vital-sign corpus generator for hl7gate (issue 14).

Written blind: from issue 14's description of the kinds and of the acceptance corpus, docs/corpus.md
("Files", "Scoring"), internal/corpus/score.go and public vendor documentation, without reading hl7gate's
checks, their documentation or the other generators. See README.md.

    python3 gen.py --seed 1 --out /tmp/c5-1 [--monitors 150] [--hours 4] [--start 2026-01-15T06:00:00Z] [--no-forge]

--no-forge writes the unforged twin: the same messages and arrivals, no forgery written.

Seeds >= 1000 are held out: they are for the coordinator's measurements, never for tuning.
Python 3 standard library only; every random stream is seeded from (seed, part).
"""

import argparse
import calendar
import json
import math
import os
import random
import sys
import time

KINDS = [
    "spike", "frozen", "replay", "drift", "too_smooth", "duplicate_control_id", "step", "unit_mislabel",
    "out_of_range", "hr_pr_mismatch", "bp_inconsistent", "time_backwards", "time_future", "identity_switch",
    "nibp_cadence",
]

CONT = ("HR", "PR", "SPO2", "RR", "ABPS", "ABPD", "ABPM", "TEMP", "ETCO2", "PI")


def R(seed, *part):
    """A random stream seeded from (seed, part)."""
    return random.Random("corpus5:%d:%s" % (seed, ":".join(str(p) for p in part)))


# ---------------------------------------------------------------------------------------------------------------
# Vendor layouts. Each maps a parameter to (OBX-3, OBX-6, OBX-4) and says how the vendor marks a value that is not
# available, whether MSH-7 carries a UTC offset, how MSH-10 counts and how NIBP repeats between cuff cycles.
# Sources: GE B40/B105/B125 HL7 reference manual (PCD-01, MDS/VMD/channel rows, EUI-64 in OBX-18), the Mindray
# VS capture (OBX-4 ending in the MDC code, AL/NE, cuff codes 150301-3), Philips Efficia CM / IntelliVue data
# export (MDIL codes, empty OBX-5 with X when invalid, alphanumeric control IDs), NIST/IHE PCD examples (LOINC
# first, MDC second, UCUM units), issue 14's list of real vendor conventions (Comen 149522 for the SpO2 pulse rate,
# NIBP re-stamped with each message's time, plain-text units bpm/rpm/cel, degF 268160, placeholders -100, -1,
# -1000, -99.9, -32767, 8388607; thoracic RR 151578, pleth RR 151658, axillary temperature 188496).
# ---------------------------------------------------------------------------------------------------------------

MDC = {
    "HR": ("147842", "MDC_ECG_HEART_RATE"),
    "PR": ("149530", "MDC_PULS_OXIM_PULS_RATE"),
    "SPO2": ("150456", "MDC_PULS_OXIM_SAT_O2"),
    "RR": ("151562", "MDC_RESP_RATE"),
    "ABPS": ("150033", "MDC_PRESS_BLD_ART_SYS"),
    "ABPD": ("150034", "MDC_PRESS_BLD_ART_DIA"),
    "ABPM": ("150035", "MDC_PRESS_BLD_ART_MEAN"),
    "ABPPR": ("149522", "MDC_BLD_PULS_RATE_INV"),
    "CVP": ("150087", "MDC_PRESS_BLD_VEN_CENT_MEAN"),
    "TEMP2": ("150388", "MDC_TEMP_SKIN"),
    "NIBPS": ("150021", "MDC_PRESS_BLD_NONINV_SYS"),
    "NIBPD": ("150022", "MDC_PRESS_BLD_NONINV_DIA"),
    "NIBPM": ("150023", "MDC_PRESS_BLD_NONINV_MEAN"),
    "TEMP": ("150344", "MDC_TEMP"),
    "ETCO2": ("151708", "MDC_AWAY_CO2_ET"),
    "PI": ("150488", "MDC_PULS_OXIM_PERF_REL"),
    "PVC": ("148066", "MDC_ECG_V_P_C_RATE"),
}
MDCU = {
    "bpm": "264864^MDC_DIM_BEAT_PER_MIN^MDC", "pct": "262688^MDC_DIM_PERCENT^MDC",
    "rpm": "264928^MDC_DIM_RESP_PER_MIN^MDC", "mmHg": "266016^MDC_DIM_MMHG^MDC",
    "kPa": "265987^MDC_DIM_KILO_PASCAL^MDC", "degC": "268192^MDC_DIM_DEGC^MDC", "degF": "268160^MDC_DIM_FAHR^MDC",
}
UNIT_KIND = {"CVP": "mmHg", "TEMP2": "T", "HR": "bpm", "PR": "bpm", "ABPPR": "bpm", "PVC": "bpm", "SPO2": "pct", "PI": "pct", "RR": "rpm",
             "ABPS": "mmHg", "ABPD": "mmHg", "ABPM": "mmHg", "NIBPS": "mmHg", "NIBPD": "mmHg", "NIBPM": "mmHg",
             "TEMP": "T", "ETCO2": "CO2"}

LOINC = {
    "HR": ("8867-4", "Heart rate"), "PR": ("8889-8", "Heart rate by Pulse oximetry"),
    "SPO2": ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"), "RR": ("9279-1", "Respiratory rate"),
    "ABPS": ("76215-3", "Invasive Systolic blood pressure"), "ABPD": ("76213-8", "Invasive Diastolic blood pressure"),
    "ABPM": ("76214-6", "Invasive Mean blood pressure"), "NIBPS": ("8480-6", "Systolic blood pressure"),
    "NIBPD": ("8462-4", "Diastolic blood pressure"), "NIBPM": ("8478-0", "Mean blood pressure"),
    "TEMP": ("8310-5", "Body temperature"), "ETCO2": ("19889-5", "Carbon dioxide/Gas.total.at end expiration"),
    "PI": ("61006-3", "Perfusion index Tissue by Pulse oximetry"), "ABPPR": ("8867-4", "Heart rate"),
    "CVP": ("60985-9", "Central venous pressure (CVP)"), "TEMP2": ("39106-0", "Temperature of Skin"),
}
UCUM = {"bpm": "/min^per minute^UCUM", "pct": "%^percent^UCUM", "rpm": "/min^per minute^UCUM",
        "mmHg": "mm[Hg]^millimeter of mercury^UCUM", "kPa": "kPa^kilopascal^UCUM", "degC": "Cel^degree Celsius^UCUM",
        "degF": "[degF]^degree Fahrenheit^UCUM"}

MDIL = {"HR": ("0002-4182", "HR"), "PR": ("0002-480a", "Pulse"), "SPO2": ("0002-4bb8", "SpO2"),
        "RR": ("0002-5000", "Resp"), "ABPS": ("0002-4a15", "ABPs"), "ABPD": ("0002-4a16", "ABPd"),
        "ABPM": ("0002-4a17", "ABPm"), "ABPPR": ("0002-4812", "PulseABP"),
        "CVP": ("0002-4a47", "CVPm"), "TEMP2": ("0002-4b74", "Tskin"), "NIBPS": ("0002-4a05", "NBPs"),
        "NIBPD": ("0002-4a06", "NBPd"), "NIBPM": ("0002-4a07", "NBPm"), "TEMP": ("0002-f0c7", "T1"),
        "ETCO2": ("0002-50b0", "etCO2"), "PI": ("0002-f093", "Perf")}
MDILU = {"bpm": "0004-0aa0^bpm^MDIL", "pct": "0004-0220^%^MDIL", "rpm": "0004-0ae0^rpm^MDIL",
         "mmHg": "0004-0f20^mmHg^MDIL", "kPa": "0004-0f03^kPa^MDIL", "degC": "0004-1710^C^MDIL",
         "degF": "0004-1700^F^MDIL"}
TEXTU = {"bpm": "bpm", "pct": "%", "rpm": "rpm", "mmHg": "mmHg", "kPa": "kPa", "degC": "cel", "degF": "degF"}

# Layout properties: cadences (s), placeholder style, MSH-7 offset, MSH-10 style, NIBP repetition.
LAYOUTS = {
    "ge_carescape": dict(weight=16, cad=(5, 10, 15, 30, 60), ph="omit", tz=False, ctl="ge", nibp="repeat"),
    "mindray_benevision": dict(weight=12, cad=(5, 10, 30), ph="-100", tz=True, ctl="num", nibp="fresh"),
    "philips_intellivue": dict(weight=16, cad=(1, 5, 10, 15, 60, 60), ph="emptyX", tz=True, ctl="hex", nibp="repeat"),
    "nist_loinc": dict(weight=7, cad=(30, 60), ph="-9999", tz=True, ctl="uuid", nibp="repeat"),
    "draeger_infinity": dict(weight=12, cad=(10, 30), ph="-32767", tz=True, ctl="num", nibp="repeat"),
    "comen": dict(weight=8, cad=(1, 2, 5, 5, 10), ph="-100", tz=True, ctl="num", nibp="restamp"),
    "spacelabs": dict(weight=9, cad=(15, 30, 60), ph="8388607", tz=True, ctl="num", nibp="repeat"),
    "edan": dict(weight=7, cad=(5, 10), ph="-1", tz=True, ctl="num", nibp="repeat"),
    "nihon_kohden": dict(weight=7, cad=(10, 60), ph="-1000", tz=True, ctl="ts", nibp="repeat"),
    "masimo_root": dict(weight=6, cad=(2, 5, 10), ph="empty", tz=True, ctl="num", nibp="none"),
}
GATEWAY_LAYOUT = "mindray_egateway"


# ---------------------------------------------------------------------------------------------------------------
# Patients and genuine conditions
# ---------------------------------------------------------------------------------------------------------------

NAMES_L = ["SMITH", "GARCIA", "MUELLER", "ROSSI", "DUBOIS", "NOWAK", "KOWALSKI", "SILVA", "JANSEN", "NIELSEN",
           "OKAFOR", "TANAKA", "KIM", "NGUYEN", "PATEL", "COHEN", "MURPHY", "LEROY", "BERG", "KHAN", "ROMERO",
           "SCHMIDT", "BAKER", "FISCHER", "MOREAU", "WALSH", "HOLM", "VARGA", "IVANOVA", "OSEI"]
NAMES_F = ["ANNA", "JOHN", "MARIA", "LUCA", "SOFIA", "JONAS", "EMMA", "NOAH", "LEA", "OMAR", "YUKI", "IDA",
           "PETER", "CLARA", "HUGO", "NORA", "ELIF", "MILAN", "ZOE", "SAMIR", "BABY GIRL", "BABY BOY"]


START = [0.0]  # the corpus start (epoch s), for neonates' dates of birth


def new_patient(rng, cls, mrn_base):
    mrn = "%s%07d" % (rng.choice(["", "MRN", "H", ""]), rng.randrange(10 ** 6, 10 ** 7 - 1))
    if cls == "neonatal":
        first = rng.choice(["BABY GIRL", "BABY BOY", "TWIN A", "TWIN B"])
        dob = time.strftime("%Y%m%d", time.gmtime(START[0] - rng.uniform(0, 60) * 86400))
    else:
        first = rng.choice(NAMES_F[:20])
        dob_y = rng.randint(1935, 2004) if cls == "adult" else rng.randint(2012, 2023)
        dob = "%04d%02d%02d" % (dob_y, rng.randint(1, 12), rng.randint(1, 28))
    return {"mrn": mrn, "last": rng.choice(NAMES_L), "first": first, "dob": dob, "sex": rng.choice("MF")}


def baseline(rng, cls, care):
    """Patient baseline (means) and variability."""
    if cls == "adult":
        b = dict(HR=rng.uniform(58, 104), SPO2=rng.uniform(93, 99.3), RR=rng.uniform(11, 22), SBP=rng.uniform(98, 152),
                 TEMP=rng.uniform(36.3, 37.7), ETCO2=rng.uniform(31, 44), PI=math.exp(rng.uniform(-0.5, 1.8)))
        b["DBP"] = b["SBP"] * rng.uniform(0.48, 0.62)
        sd = dict(HR=rng.uniform(1.5, 5), SPO2=rng.uniform(0.4, 1.2), RR=rng.uniform(0.8, 2.5), SBP=rng.uniform(2.5, 7),
                  TEMP=0.08, ETCO2=rng.uniform(0.6, 1.8), PI=0.15)
        if care == "cardiac":
            b["HR"] = rng.uniform(72, 110)
            b["SBP"] = rng.uniform(92, 130)
            b["DBP"] = b["SBP"] * rng.uniform(0.45, 0.58)
    elif cls == "paediatric":
        b = dict(HR=rng.uniform(80, 135), SPO2=rng.uniform(95, 99.5), RR=rng.uniform(18, 32), SBP=rng.uniform(88, 112),
                 TEMP=rng.uniform(36.5, 37.6), ETCO2=rng.uniform(33, 43), PI=math.exp(rng.uniform(0, 2)))
        b["DBP"] = b["SBP"] * rng.uniform(0.55, 0.65)
        sd = dict(HR=rng.uniform(3, 7), SPO2=rng.uniform(0.4, 1.0), RR=rng.uniform(1.5, 3.5), SBP=rng.uniform(3, 6),
                  TEMP=0.08, ETCO2=rng.uniform(0.7, 1.6), PI=0.2)
    else:
        ga = rng.uniform(25, 40)  # gestational age, weeks
        b = dict(HR=rng.uniform(128, 168), SPO2=rng.uniform(90, 97.5) if ga < 32 else rng.uniform(93, 99),
                 RR=rng.uniform(36, 62), SBP=ga + rng.uniform(14, 26), TEMP=rng.uniform(36.5, 37.3),
                 ETCO2=rng.uniform(36, 48), PI=math.exp(rng.uniform(-0.3, 1.2)), GA=ga)
        b["DBP"] = b["SBP"] * rng.uniform(0.55, 0.68)
        sd = dict(HR=rng.uniform(4, 9), SPO2=rng.uniform(0.8, 2.0), RR=rng.uniform(3, 7), SBP=rng.uniform(2, 4),
                  TEMP=0.06, ETCO2=rng.uniform(1, 2.5), PI=0.15)
    b["CVP"] = rng.uniform(4, 14) if cls != "neonatal" else rng.uniform(3, 8)
    b["TGAP"] = rng.uniform(2, 5) if care == "cardiac" else rng.uniform(0.4, 1.5)
    sd["CVP"] = rng.uniform(0.8, 2)
    sd["TEMP2"] = rng.uniform(0.1, 0.3)
    return b, sd


TAU = dict(CVP=600.0, TEMP2=900.0, HR=400.0, SPO2=150.0, RR=200.0, SBP=700.0, TEMP=2400.0, ETCO2=500.0, PI=600.0)
WHITE = dict(HR=0.9, SPO2=0.45, RR=1.1, SBP=1.8, TEMP=0.03, ETCO2=0.6, PI=0.07)

# Conditions available per care type: (name, probability, duration range s).
COND = {
    "general": [("sleep", .45, (2400, 7200)), ("fever", .3, (3600, 9000)), ("sepsis", .15, (5400, 12000)),
                ("sedation", .3, (900, 2400)), ("suction", .35, (60, 200)), ("desaturation", .25, (600, 1800)),
                ("tachycardia", .3, (900, 3000)), ("af", .2, (1800, 9000)), ("bigeminy", .12, (600, 3000)),
                ("probe_off", .6, (20, 600)), ("motion", .55, (60, 900)), ("lead_off", .3, (30, 300)),
                ("vasopressor", .25, (600, 3600)), ("bolus", .25, (900, 3600)), ("haemorrhage", .08, (2400, 6000)),
                ("nibp_stat", .3, (300, 900)), ("nibp_manual", .4, (1, 2)), ("vent_change", .3, (1, 2)),
                ("pause", .15, (1, 2)), ("art_flush", .6, (2, 6)), ("art_zero", .35, (15, 90)),
                ("art_damped", .25, (600, 3600)), ("transducer_move", .3, (900, 5400))],
    "cardiac": [("temp_probe_off", .2, (600, 3600)), ("paced", .5, (3600, 99999)), ("pacing_change", .3, (1, 2)), ("af", .35, (1800, 9000)),
                ("flutter", .15, (1200, 6000)), ("bigeminy", .2, (600, 3000)), ("pause", .3, (1, 2)),
                ("art_flush", .85, (2, 6)), ("art_zero", .5, (15, 90)), ("art_damped", .35, (600, 3600)),
                ("transducer_move", .4, (900, 5400)), ("haemorrhage", .15, (2400, 6000)),
                ("vasopressor", .5, (600, 3600)), ("bolus", .4, (900, 3600)), ("sedation", .3, (900, 2400)),
                ("suction", .3, (60, 200)), ("probe_off", .6, (20, 600)), ("motion", .3, (60, 600)),
                ("fever", .2, (3600, 9000)), ("sleep", .3, (2400, 7200)), ("nibp_manual", .3, (1, 2)),
                ("vent_change", .3, (1, 2)), ("lead_off", .2, (30, 300))],
    "paediatric": [("sleep", .6, (2400, 9000)), ("fever", .45, (3600, 9000)), ("motion", .7, (60, 1200)),
                   ("probe_off", .7, (20, 900)), ("crying", .5, (120, 900)), ("suction", .3, (60, 200)),
                   ("desaturation", .3, (400, 1500)), ("tachycardia", .3, (600, 2400)), ("bolus", .2, (900, 2400)),
                   ("sedation", .2, (900, 2400)), ("nibp_stat", .2, (300, 900)), ("nibp_manual", .4, (1, 2)),
                   ("lead_off", .35, (30, 300)), ("sepsis", .1, (5400, 12000))],
    "neonatal": [("brady_desat", .75, (0, 0)), ("apnea", .4, (0, 0)), ("sleep", .6, (2400, 9000)),
                 ("crying", .6, (120, 900)), ("handling", .7, (300, 1200)), ("probe_off", .8, (20, 900)),
                 ("motion", .6, (60, 900)), ("lead_off", .4, (30, 300)), ("fever", .15, (3600, 9000)),
                 ("sepsis", .1, (5400, 12000)), ("suction", .25, (60, 200)), ("art_flush", .2, (2, 6)),
                 ("nibp_manual", .3, (1, 2)), ("phototherapy", .3, (3600, 14400)),
                 ("temp_probe_off", .2, (300, 2400))],
}


def ramp(t, t0, t1, up, down):
    """Trapezoid 0..1: rises over `up` s from t0, falls over `down` s before t1."""
    if t < t0 or t >= t1:
        return 0.0
    a = (t - t0) / up if up > 0 else 1.0
    b = (t1 - t) / down if down > 0 else 1.0
    return min(1.0, a, b)


class Ev:
    __slots__ = ("name", "t0", "t1", "p")

    def __init__(self, name, t0, t1, **p):
        self.name, self.t0, self.t1, self.p = name, t0, t1, p


# ---------------------------------------------------------------------------------------------------------------
# Monitor plan
# ---------------------------------------------------------------------------------------------------------------

class Mon:
    pass


def plan_monitors(seed, n, hours):
    rng = R(seed, "plan")
    n_clean = int(round(n / 3.0))
    n_manip = n - n_clean
    kinds = []
    order = KINDS[:]
    while len(kinds) < n_manip:
        rng.shuffle(order)
        kinds.extend(order)
    kinds = kinds[:n_manip]
    status = ["clean"] * n_clean + ["manipulated"] * n_manip
    rng.shuffle(status)
    # Strength: per kind, about two in five subtle.
    per_kind = {}
    strengths = []
    for k in kinds:
        c = per_kind.get(k, 0)
        per_kind[k] = c + 1
        strengths.append("subtle" if (c * 2 + (hash_kind(k) % 5)) % 5 < 2 else "blatant")
    mons = []
    ki = 0
    for i in range(n):
        m = Mon()
        m.idx = i + 1
        m.id = "m%04d" % m.idx
        m.status = status[i]
        if m.status == "manipulated":
            m.kind, m.strength = kinds[ki], strengths[ki]
            ki += 1
        else:
            m.kind = m.strength = None
        mons.append(m)
    # Aggregating gateways: runs of 3-4 consecutive beds in one file.
    groups = []
    i = 0
    while i < n:
        if rng.random() < 0.025 and i + 3 <= n:
            k = min(n - i, rng.choice((3, 3, 4)))
            groups.append(list(range(i, i + k)))
            i += k
        else:
            groups.append([i])
            i += 1
    for g in groups:
        for j in g:
            mons[j].file = "mon-%04d.hl7" % mons[g[0]].idx
            mons[j].gateway = len(g) > 1
    return mons, groups


def hash_kind(k):
    return sum(ord(c) for c in k)



def configure(seed, m, hours, start):
    rng = R(seed, "mon", m.idx)
    if m.gateway:
        m.layout = GATEWAY_LAYOUT
    else:
        names = list(LAYOUTS)
        w = [LAYOUTS[x]["weight"] for x in names]
        while True:
            m.layout = rng.choices(names, w)[0]
            if m.layout == "masimo_root" and m.kind in ("hr_pr_mismatch", "bp_inconsistent", "nibp_cadence",
                                                         "unit_mislabel"):
                continue
            if m.kind == "duplicate_control_id" and m.layout == "nist_loinc":
                continue
            break
    L = LAYOUTS.get(m.layout, dict(cad=(5, 10, 30), ph="-100", tz=True, ctl="num", nibp="fresh"))
    m.cad = rng.choice(L["cad"])
    m.ph, m.tz, m.ctl, m.nibp_style = L["ph"], L["tz"], L["ctl"], L["nibp"]
    r = rng.random()
    m.cls = "adult" if r < 0.62 else ("paediatric" if r < 0.76 else "neonatal")
    if m.layout == "masimo_root" and m.cls == "neonatal" and rng.random() < 0.5:
        m.cls = "adult"
    if m.cls == "adult":
        m.care = "cardiac" if rng.random() < 0.35 else "general"
    else:
        m.care = m.cls
    ch = {"HR", "PR", "SPO2", "RR"}
    if m.layout == "masimo_root":
        ch = {"PR", "SPO2", "RR", "PI"}
    else:
        if rng.random() < (0.92 if m.cls != "neonatal" else 0.55):
            ch.add("NIBP")
        pa = {"cardiac": 0.95, "general": 0.45, "paediatric": 0.25, "neonatal": 0.25}[m.care]
        if rng.random() < pa:
            ch.add("ABP")
        if rng.random() < 0.75:
            ch.add("TEMP")
        m.ventilated = rng.random() < {"cardiac": 0.6, "general": 0.45, "paediatric": 0.25, "neonatal": 0.3}[m.care]
        if m.ventilated or rng.random() < 0.15:
            ch.add("ETCO2")
        if m.layout in ("mindray_benevision", "philips_intellivue", "mindray_egateway") and rng.random() < 0.5:
            ch.add("PI")
        if m.layout == "ge_carescape" and rng.random() < 0.5:
            ch.add("PVC")
    if not hasattr(m, "ventilated"):
        m.ventilated = False
    # Channels a kind needs.
    if m.kind == "bp_inconsistent" and not ({"ABP", "NIBP"} & ch):
        ch.add("ABP" if rng.random() < 0.6 else "NIBP")
    if m.kind == "nibp_cadence":
        ch.add("NIBP")
    if m.kind == "unit_mislabel" and not ({"ETCO2", "TEMP"} & ch):
        ch.add("ETCO2")
    if "ABP" in ch and m.layout in ("ge_carescape", "draeger_infinity", "spacelabs", "nist_loinc",
                                    "philips_intellivue") and rng.random() < 0.7:
        ch.add("ABPPR")
    if "ABP" in ch and rng.random() < {"cardiac": 0.7, "general": 0.35}.get(m.care, 0.1):
        ch.add("CVP")
    if "TEMP" in ch and rng.random() < {"cardiac": 0.5, "neonatal": 0.6}.get(m.care, 0.1):
        ch.add("TEMP2")
    m.ch = ch
    m.etco2_unit = "kPa" if ("ETCO2" in ch and rng.random() < 0.3) else "mmHg"
    m.temp_unit = "degF" if ("TEMP" in ch and m.layout in ("draeger_infinity", "spacelabs") and rng.random() < 0.5) \
        else "degC"
    # NIBP schedule.
    if "NIBP" in ch:
        if m.cls == "neonatal":
            m.nibp_mode, m.nibp_every = rng.choice([("auto", 60), ("auto", 30), ("manual", 0), ("auto", 120)])
        elif "ABP" in ch:
            m.nibp_mode, m.nibp_every = rng.choice([("manual", 0), ("auto", 60), ("auto", 30)])
        else:
            m.nibp_mode, m.nibp_every = rng.choice([("auto", 15), ("auto", 15), ("auto", 5), ("auto", 10),
                                                    ("auto", 30), ("auto", 60), ("manual", 0)])
        if m.kind in ("nibp_cadence", "bp_inconsistent") and (m.nibp_mode == "manual" or m.nibp_every > 30):
            m.nibp_mode, m.nibp_every = "auto", rng.choice((10, 15, 15, 30))
    else:
        m.nibp_mode, m.nibp_every = "none", 0
    m.skew = rng.choice([0, 0, 0]) if rng.random() < 0.4 else round(rng.gauss(0, 40) if rng.random() < 0.85
                                                                    else rng.uniform(-300, 300), 1)
    m.hours = hours
    m.t_start = start + rng.uniform(0, max(1.0, m.cad))
    m.eui = "%06X%s%06X" % (rng.choice([0x080019, 0x00A037, 0x0009FB, 0x001C01, 0x00E0D6]), "FFFE",
                          rng.randrange(1 << 24))
    m.unit = {"neonatal": "NICU", "paediatric": "PICU"}.get(m.cls, "CICU" if m.care == "cardiac"
                                                             else rng.choice(["ICU", "SICU", "MICU"]))
    m.bed = "%s%03d" % (rng.choice({"NICU": ["NICU-", "N", "INC"], "PICU": ["PICU-", "P"], "CICU": ["CCU-", "C"]}
                                   .get(m.unit, ["ICU-B", "B", "BED"])), m.idx)
    m.rng = rng
    return m


def plan_conditions(m, T):
    """Genuine conditions and device/network events on a monitor over [0, T)."""
    rng = m.rng
    evs = []
    for name, p, (d0, d1) in COND[m.care]:
        if rng.random() >= p:
            continue
        if name == "temp_probe_off" and "TEMP2" not in m.ch:
            continue
        reps = 1
        if name in ("probe_off", "motion", "suction", "art_flush", "pause", "lead_off", "nibp_manual",
                    "art_zero", "crying", "handling"):
            reps = rng.randint(1, 4 if name not in ("art_flush", "pause") else 6)
        for _ in range(reps):
            if name in ("brady_desat", "apnea"):
                n = rng.randint(2, 14) if name == "brady_desat" else rng.randint(1, 6)
                for _ in range(n):
                    t0 = rng.uniform(300, T - 300)
                    evs.append(Ev(name, t0, t0 + rng.uniform(12, 50), depth=rng.uniform(0.3, 1.0)))
                continue
            d = rng.uniform(d0, d1)
            if name == "pause":
                d = m.cad * 0.999  # one message shows the pause
            elif name == "art_flush":
                d = rng.uniform(3, 10)  # the displayed numeric is disturbed for a few seconds
            elif name in ("nibp_manual", "pacing_change", "vent_change"):
                d = 120
            t0 = rng.uniform(0, max(1, T - min(d, T * 0.5)))
            if name == "paced":
                t0 = 0 if rng.random() < 0.7 else t0
                d = T + 10
            evs.append(Ev(name, t0, min(T + 10, t0 + d), a=rng.uniform(0.5, 1.0), s=rng.choice((-1, 1)),
                          r=rng.random()))
    if m.ventilated:
        evs.append(Ev("ventilated", 0, T + 10, set=rng.choice((12, 14, 14, 16, 18, 20)) if m.cls == "adult"
                      else (rng.choice((20, 24, 30)) if m.cls == "paediatric" else rng.choice((40, 50, 60))),
                      mode=rng.choice(("cmv", "cmv", "psv"))))
    # Device and network events.
    def add(name, p, **kw):
        if rng.random() < p:
            t0 = rng.uniform(600, T - 900)
            evs.append(Ev(name, t0, t0, **kw))
    add("clock_step", 0.12, dt=rng.choice((-1, -1, -1, 1)) * rng.uniform(20, 180))
    add("reboot", 0.08, gap=rng.uniform(60, 220))
    add("outage", 0.12, gap=rng.uniform(120, 1200), backfill=rng.random() < 0.6)
    add("transport", 0.05 if m.cls != "neonatal" else 0.0, gap=rng.uniform(1200, 2700))
    add("turnover", 0.06, gap=rng.uniform(600, 2400))
    m.unidentified_until = rng.uniform(300, T * 0.6) if rng.random() < 0.12 else 0.0
    m.retx_rate = rng.choice((0, 0, 0.0005, 0.001, 0.003))
    m.queries = m.layout in ("mindray_benevision", GATEWAY_LAYOUT) and rng.random() < 0.5
    return evs


# ---------------------------------------------------------------------------------------------------------------
# Simulation: one record per message.
# rec = dict(t=true time s, dev=device clock s, arr=arrival s, ctl=MSH-10, v={param: value|None}, nibp=(s,d,m,tm)|None,
#            nibp_new=bool, pat=patient dict|None (unidentified), ev=set, lab=None|(kind,param,strength), ep=0,
#            typ="ORU"|"QBP", mis=None|param, vis={param: placeholder/unit overrides})
# ---------------------------------------------------------------------------------------------------------------

def clamp(x, a, b):
    return a if x < a else (b if x > b else x)


def simulate(m, T):
    rng = m.rng
    evs = plan_conditions(m, T)
    m.events = evs
    cont = [e for e in evs if e.t1 > e.t0]
    inst = sorted([e for e in evs if e.t1 == e.t0], key=lambda e: e.t0)
    b, sd = baseline(rng, m.cls, m.care)
    pat = new_patient(rng, m.cls, m.idx)
    m.patients = [pat]
    ou = {k: rng.gauss(0, sd[k]) for k in TAU}
    recs = []
    # Message times with gaps.
    t = 0.0
    skew = m.skew
    ctl = rng.randrange(1, 5000) if rng.random() < 0.7 else 1
    m.ctl0 = ctl
    gaps = []
    for e in inst:
        if e.name in ("reboot", "outage", "transport", "turnover"):
            gaps.append((e.t0, e.t0 + e.p["gap"], e))
    # NIBP measurement schedule (completion times).
    nibp_times = []
    if "NIBP" in m.ch:
        if m.nibp_mode == "auto":
            x = rng.uniform(0, m.nibp_every * 60)
            if m.kind in ("nibp_cadence", "bp_inconsistent"):
                x = rng.uniform(0, min(m.nibp_every * 60, 0.1 * T))
            while x < T:
                nibp_times.append(x)
                x += m.nibp_every * 60 + rng.uniform(-2, 2)
        for e in cont:
            if e.name == "nibp_stat":
                x = e.t0
                while x < e.t1:
                    nibp_times.append(x)
                    x += rng.uniform(55, 75)
            elif e.name == "nibp_manual":
                nibp_times.append(e.t0)
        if m.nibp_mode == "manual" and not nibp_times:
            nibp_times.append(rng.uniform(60, T / 2))
        nibp_times.sort()
    ni = 0
    last_nibp = None
    gi = 0
    prev_t = 0.0
    pending_flags = set()
    clock_off = 0.0
    admitted_at = 0.0
    pace = None
    for e in cont:
        if e.name == "paced":
            pace = e
            e.p["rate"] = rng.choice((70, 80, 80, 88, 90, 100)) if m.cls == "adult" else 110
    pch = [e for e in cont if e.name == "pacing_change"]
    vent = next((e for e in cont if e.name == "ventilated"), None)
    vch = [e for e in cont if e.name == "vent_change"]
    inst_i = 0
    rtc_until = 0.0
    held = 0
    irr = 0.0  # irregular-rhythm component of the displayed HR, correlated over ~8 s
    art_p = min(1.0, m.cad / 10.0)  # artefacts come in bursts: per-message odds scale with the cadence
    while True:
        t += m.cad + (rng.gauss(0, 0.02 * m.cad) if m.cad >= 5 else 0.0)
        if t >= T:
            break
        # Gaps: no messages while the device is off, in standby, transported or unreachable.
        in_gap = None
        for g in gaps:
            if g[0] <= t < g[1]:
                in_gap = g
        if in_gap:
            e = in_gap[2]
            if e.name == "outage" and e.p["backfill"]:
                pending_flags.add("backfill")  # kept by the device, sent when the link returns
            else:
                continue
        # Instantaneous events crossed since the last message.
        while inst_i < len(inst) and inst[inst_i].t0 <= t:
            e = inst[inst_i]
            inst_i += 1
            if e.name == "clock_step":
                clock_off += e.p["dt"]
                e.p["seen"] = t
            elif e.name == "reboot":
                ctl = 1
                e.p["seen"] = t
                # some devices come up with their clock at its epoch until the time server answers
                rtc_until = t + rng.uniform(20, 120) if rng.random() < 0.25 else 0.0
            elif e.name == "turnover":
                pat = new_patient(rng, m.cls, m.idx)
                m.patients.append(pat)
                b, sd = baseline(rng, m.cls, m.care)
                ou = {k: rng.gauss(0, sd[k]) for k in TAU}
                admitted_at = e.t0 + e.p["gap"]
                last_nibp = None
                if rng.random() < 0.4:
                    m.unidentified_until = admitted_at + rng.uniform(300, 1800)
        dt = t - prev_t
        prev_t = t
        # OU processes.
        for k in TAU:
            a = math.exp(-dt / TAU[k])
            ou[k] = ou[k] * a + sd[k] * math.sqrt(1 - a * a) * rng.gauss(0, 1)
        hr = b["HR"] + ou["HR"]
        spo2 = b["SPO2"] + ou["SPO2"]
        rr = b["RR"] + ou["RR"]
        sbp = b["SBP"] + ou["SBP"]
        dbp = b["DBP"] + ou["SBP"] * 0.55
        temp = b["TEMP"] + ou["TEMP"]
        etco2 = b["ETCO2"] + ou["ETCO2"]
        pi = max(0.05, b["PI"] * math.exp(ou["PI"]))
        ev = set()
        wn = 1.0  # white-noise scale
        hr_irreg = 0.0
        pr_ratio = 1.0
        art = None
        spo2_off = hr_off = False
        motion = 0.0
        abp_off = 0.0
        damp = 0.0
        hr_fix = None
        rr_fix = None
        etco2_off = False
        cvp_d = 0.0
        vasoc = 0.0
        tprobe = 0.0
        for e in cont:
            if not (e.t0 <= t < e.t1):
                continue
            n = e.name
            p = e.p
            if n == "sleep":
                f = ramp(t, e.t0, e.t1, 600, 600)
                hr -= 0.1 * hr * f
                rr -= 2.5 * f
                sbp -= 8 * f
                dbp -= 5 * f
                spo2 -= 0.8 * f
                wn *= 1 - 0.5 * f
            elif n == "fever":
                f = ramp(t, e.t0, e.t1, 2400 * p["a"], 1800)
                dT = (1.0 + 1.3 * p["a"]) * f
                temp += dT
                hr += 10 * dT
                rr += 2.5 * dT
            elif n == "sepsis":
                f = (t - e.t0) / (e.t1 - e.t0)
                hr += 30 * f * p["a"]
                sbp -= 28 * f * p["a"]
                dbp -= 16 * f * p["a"]
                temp += 1.4 * f
                rr += 9 * f * p["a"]
                spo2 -= 3 * f
            elif n == "haemorrhage":
                d = e.t1 - e.t0
                f = ramp(t, e.t0, e.t1, d * 0.55, d * 0.4)
                hr += 35 * f * p["a"]
                cvp_d -= 5 * f
                vasoc = max(vasoc, f)
                sbp -= 38 * f * p["a"]
                dbp -= 20 * f * p["a"]
                rr += 5 * f
                pi *= 1 - 0.6 * f
            elif n == "bolus":
                f = min(1.0, (t - e.t0) / 900.0)
                cvp_d += 3 * f
                sbp += 12 * f * p["a"]
                dbp += 6 * f * p["a"]
                hr -= 6 * f * p["a"]
            elif n == "vasopressor":
                f = min(1.0, (t - e.t0) / (240 + 300 * p["r"]))
                sbp += p["s"] * 22 * f * p["a"]
                dbp += p["s"] * 12 * f * p["a"]
                hr -= p["s"] * 4 * f
            elif n == "sedation":
                f = ramp(t, e.t0, e.t1, 90, (e.t1 - e.t0) * 0.8)
                sbp -= 0.28 * sbp * f * p["a"]
                dbp -= 0.22 * dbp * f * p["a"]
                hr -= 9 * f * p["a"]
                rr -= 4 * f
                wn *= 1 - 0.3 * f
            elif n == "suction":
                f = ramp(t, e.t0, e.t1, 20, (e.t1 - e.t0) * 0.6)
                spo2 -= (4 + 8 * p["a"]) * f
                hr += 18 * f
                sbp += 15 * f
                rr += rng.uniform(-6, 12) * f
                etco2_off = True
            elif n == "desaturation":
                f = ramp(t, e.t0, e.t1, (e.t1 - e.t0) * 0.4, (e.t1 - e.t0) * 0.4)
                spo2 -= (6 + 8 * p["a"]) * f
                hr += 22 * f
                rr += 9 * f
            elif n == "tachycardia":
                f = ramp(t, e.t0, e.t1, 400, 600)
                hr += (22 + 20 * p["a"]) * f
                sbp += 12 * f
                wn *= 1 - 0.4 * f  # sinus tachycardia is regular
            elif n == "crying":
                f = ramp(t, e.t0, e.t1, 30, 120)
                hr += 30 * f
                rr += 18 * f
                motion = max(motion, 0.5 * f)
                sbp += 6 * f
            elif n == "handling":
                f = ramp(t, e.t0, e.t1, 30, 200)
                hr += 15 * f
                motion = max(motion, 0.4 * f)
                temp -= 0.3 * f
            elif n == "temp_probe_off":
                tprobe = 1 - math.exp(-(t - e.t0) / 300.0)
            elif n == "phototherapy":
                temp += 0.35 * ramp(t, e.t0, e.t1, 1800, 1200)
            elif n == "af":
                f = ramp(t, e.t0, e.t1, 60, 300)
                hr += (25 + 30 * p["a"]) * f
                hr_irreg = 8 * f
                pr_ratio = 1 - 0.12 * f
            elif n == "flutter":
                # 2:1 block at ~150 switching abruptly to 4:1 or 3:1
                k = int((t - e.t0) // 600) % 3
                hr_fix = (150, 75, 100)[k if p["r"] < 0.5 else 0] + rng.uniform(-1.5, 1.5)
            elif n == "bigeminy":
                pr_ratio = 0.5 + 0.1 * p["r"]
                hr_irreg = max(hr_irreg, 2.0)
            elif n == "pause":
                hr *= 0.6
            elif n in ("nibp_stat", "nibp_manual"):
                pass
            elif n == "paced":
                hr_fix = p["rate"]
            elif n == "ventilated":
                if p["mode"] == "cmv":
                    rr_fix = p["set"]
                else:
                    rr = p["set"] + abs(ou["RR"]) + 2
            elif n == "probe_off":
                spo2_off = True
            elif n == "motion":
                motion = max(motion, p["a"])
            elif n == "lead_off":
                hr_off = True
            elif n == "art_flush":
                art = ("flush", p["r"])
            elif n == "art_zero":
                art = ("zero", p["r"])
            elif n == "art_damped":
                damp = ramp(t, e.t0, e.t1, 120, 60) * p["a"]
            elif n == "transducer_move":
                abp_off = p["s"] * (7 + 9 * p["a"])
            elif n in ("brady_desat", "apnea"):
                d = e.t1 - e.t0
                f = ramp(t, e.t0, e.t1, d * 0.3, d * 0.5)
                lag = ramp(t, e.t0 + 6, e.t1 + 15, d * 0.4, d * 0.5)
                hr -= (hr - 65 - 25 * (1 - p["depth"])) * f
                spo2 -= (12 + 18 * p["depth"]) * max(lag, f * 0.5)
                if n == "apnea":
                    rr = rr * (1 - f) + 2 * f
            else:
                continue
            ev.add(n)
        # Pacing rate changes and ventilator changes are steps.
        if pace and pace.t0 <= t:
            for e in pch:
                if e.t0 <= t:
                    pace.p["rate"] = e.p.get("new") or pace.p["rate"]
                    if "new" not in e.p:
                        e.p["new"] = pace.p["rate"] + rng.choice((-10, 10, 10, 20))
                        pace.p["rate"] = e.p["new"]
                    if t - e.t0 < 600:
                        ev.add("pacing_change")
            if hr_fix is None or "paced" in ev:
                hr_fix = pace.p["rate"]
        if vent:
            for e in vch:
                if e.t0 <= t:
                    if "new" not in e.p:
                        e.p["new"] = vent.p["set"] + rng.choice((-4, -2, 2, 4, 6))
                        vent.p["set"] = max(8, e.p["new"])
                    if t - e.t0 < 900:
                        ev.add("vent_change")
                        etco2 -= 4 * min(1, (t - e.t0) / 300) * (1 if e.p["new"] > 14 else -1)
        # Displayed values.
        v = {}
        if hr_fix is not None:
            h = hr_fix + (rng.choice((0, 0, 0, 0, 1, -1)) if m.cad >= 5 else 0)
        else:
            a_ = math.exp(-dt / 10.0)
            irr = irr * a_ + hr_irreg * math.sqrt(1 - a_ * a_) * rng.gauss(0, 1)
            h = hr + irr + rng.gauss(0, WHITE["HR"] * wn)
        if m.cls == "neonatal":
            h = clamp(h, 55, 235)
        else:
            h = clamp(h, 28, 210)
        prr = h * pr_ratio + rng.gauss(0, 1.2 + hr_irreg * 0.2)
        if motion > 0 and rng.random() < motion * 0.5 * art_p:
            prr += rng.uniform(-25, 35) * motion
            ev.add("motion")
        if motion > 0 and rng.random() < motion * 0.25 * art_p:
            h += rng.uniform(15, 45)  # ECG motion artefact counted as beats
        v["HR"] = None if hr_off else h
        s = spo2 + rng.gauss(0, WHITE["SPO2"] * wn)
        if motion > 0 and rng.random() < motion * 0.4 * art_p:
            s -= rng.uniform(2, 14) * motion
        s = clamp(s, 40, 100)
        v["SPO2"] = None if spo2_off else s
        v["PR"] = None if spo2_off else clamp(prr, 25, 240)
        v["PI"] = None if spo2_off else pi * (0.6 if motion else 1.0)
        if rr_fix is not None:
            r_ = rr_fix + (rng.choice((0, 0, 0, 0, 0, 1, 2)) if m.cad >= 5 else 0)
        else:
            r_ = rr + rng.gauss(0, WHITE["RR"] * wn)
            if motion > 0:
                r_ += rng.uniform(-3, 10) * motion
        v["RR"] = clamp(r_, 0, 150)
        # Arterial line.
        sbp_t = sbp + abp_off
        dbp_t = dbp + abp_off
        sbp_t -= 18 * damp
        dbp_t += 9 * damp
        if "ABP" in m.ch:
            sb = sbp_t + rng.gauss(0, WHITE["SBP"] * wn)
            db = dbp_t + rng.gauss(0, WHITE["SBP"] * 0.6 * wn)
            mp = db + (sb - db) * (0.36 + 0.04 * rng.random())
            if art:
                if art[0] == "flush":
                    top = 280 + 30 * art[1]
                    sb, db, mp = top + rng.uniform(0, 6), top - rng.uniform(2, 30), top - rng.uniform(0, 12)
                    if art[1] < 0.3:  # a fast-flush square wave partly averaged in
                        sb, db, mp = sb, dbp_t + rng.uniform(0, 10), (sb + dbp_t) / 2
                else:
                    sb, db, mp = rng.uniform(-1, 3), rng.uniform(-2, 1), rng.uniform(-1, 2)
            v["ABPS"], v["ABPD"], v["ABPM"] = sb, db, mp
        if "TEMP" in m.ch:
            v["TEMP"] = temp + rng.gauss(0, WHITE["TEMP"])
        if "ETCO2" in m.ch:
            v["ETCO2"] = None if etco2_off else clamp(etco2 + rng.gauss(0, WHITE["ETCO2"] * wn), 0, 99)
        if "ABPPR" in m.ch:
            v["ABPPR"] = None if art else clamp(h * pr_ratio + rng.gauss(0, 1.0), 25, 240)
        if "CVP" in m.ch:
            cv = b["CVP"] + ou["CVP"] + abp_off * 0.8 + cvp_d + rng.gauss(0, 0.6)
            v["CVP"] = cv if not (art and art[0] == "zero") else rng.uniform(-1, 1)
        if "TEMP2" in m.ch:
            t2 = temp - b["TGAP"] * (1 + 0.8 * vasoc) + ou["TEMP2"]
            if tprobe:
                t2 = t2 - (t2 - 28.5) * tprobe
            v["TEMP2"] = t2 + rng.gauss(0, 0.03)
        if "PVC" in m.ch:
            v["PVC"] = 0 if "bigeminy" not in ev else rng.randint(20, 60)
        # NIBP.
        nibp_new = False
        while ni < len(nibp_times) and nibp_times[ni] <= t:
            tm = nibp_times[ni]
            ni += 1
            es = 6 if m.cls != "neonatal" else 3
            s_ = sbp + rng.gauss(0, es)
            d_ = dbp + rng.gauss(0, es * 0.7)
            if motion and rng.random() < 0.5:
                s_ += rng.uniform(-15, 25)
            mm = d_ + (s_ - d_) * rng.uniform(0.36, 0.42)
            last_nibp = (int(round(s_)), int(round(d_)), int(round(mm)), tm)
            nibp_new = True
        # Identity.
        unident = t < m.unidentified_until
        if unident:
            ev.add("unidentified")
        elif m.unidentified_until and t - m.unidentified_until < 1800 and t > m.unidentified_until:
            ev.add("identified")
        if admitted_at and 0 <= t - admitted_at < 1800:
            ev.add("admission")
        for e in inst:
            if "seen" in e.p and 0 <= t - e.p["seen"] < 300:
                ev.add(e.name)
        for g in gaps:
            if g[1] <= t < g[1] + 300 and g[2].name in ("reboot", "outage", "transport"):
                ev.add(g[2].name)
            if g[1] <= t < g[1] + 600 and g[2].name == "reboot" and "ABP" in m.ch and t < g[1] + 60:
                # after a reboot the arterial channel is re-zeroed
                v["ABPS"], v["ABPD"], v["ABPM"] = rng.uniform(-1, 2), rng.uniform(-2, 1), rng.uniform(-1, 1)
                ev.add("art_zero")
        # Device time and arrival.
        dev = t + skew + clock_off + rng.uniform(-0.3, 0.3)
        if t < rtc_until:
            dev = 946684800.0 - m.t_start + 45 + (t - rtc_until + 120)  # 2000-01-01 plus uptime
            ev.add("clock_reset")
        arr = t + rng.uniform(0.005, 0.25)
        if "backfill" in pending_flags and in_gap:
            # Held by the monitor; sent in a burst (with the live messages) when the link returns.
            arr = in_gap[1] + 0.05 * held + rng.uniform(0, 0.01)
            held += 1
            ev.add("backfill")
        else:
            pending_flags.discard("backfill")
            held = 0
        rec = {"t": t, "dev": dev, "arr": arr, "ctl": ctl, "v": v, "nibp": last_nibp, "nibp_new": nibp_new,
               "pat": None if unident else pat, "ev": ev, "lab": None, "ep": 0, "typ": "ORU", "mis": None}
        ctl += 1
        recs.append(rec)
    return recs


# ---------------------------------------------------------------------------------------------------------------
# Forgeries. Each returns (parameter, detail) and sets rec["lab"] on every message it changed.
# ---------------------------------------------------------------------------------------------------------------

def pick_window(recs, rng, dur_s, lo=0.2, hi=0.85, min_msgs=1, avoid=None):
    """A span of messages [i0, i1] lasting about dur_s (at least min_msgs) with no gap, clock step, reboot,
    backfill or admission inside (they would blur the ground truth), and, if given, avoid(rec) true throughout."""
    n = len(recs)
    T0, T1 = recs[0]["t"], recs[-1]["t"]
    dts = sorted(b["t"] - a["t"] for a, b in zip(recs, recs[1:]))
    cad = dts[len(dts) // 2] if dts else 1.0
    best = None
    for _ in range(300):
        t0 = rng.uniform(T0 + (T1 - T0) * lo, T0 + (T1 - T0) * hi)
        i0 = next((i for i, r in enumerate(recs) if r["t"] >= t0), n - 1)
        i1 = i0
        while i1 + 1 < n and recs[i1 + 1]["t"] < recs[i0]["t"] + dur_s:
            i1 += 1
        while i1 - i0 + 1 < min_msgs and i1 + 1 < n:
            i1 += 1
        if i0 < 2 or i1 >= n - 4:
            continue
        seg = recs[i0 - 1:i1 + 2]
        ok = all(b["t"] - a["t"] < max(3 * cad, 90) for a, b in zip(seg, seg[1:]))
        ok = ok and not any(("backfill" in r["ev"] or "clock_step" in r["ev"] or "reboot" in r["ev"]
                             or "clock_reset" in r["ev"]
                             or "admission" in r["ev"] or "transport" in r["ev"] or "outage" in r["ev"]
                             or r["typ"] != "ORU") for r in seg)
        if best is None:
            best = (i0, i1)
        if avoid:
            ok = ok and all(avoid(r) for r in recs[i0:i1 + 1])
        if ok:
            return i0, i1
    if best is None:
        best = (n // 2, min(n - 5, n // 2 + min_msgs - 1))
    return best


def unmark_unchanged(m, recs):
    """A label marks only what was actually changed: drop it where the forged message renders as the genuine one
    would (a drift's first steps round to the genuine value, a moving average can meet it, a frozen value can be
    the genuine one)."""
    for r in recs:
        o = r.pop("orig", None)
        if o is None or r["lab"] is None:
            continue
        v0, nibp0, dev0, pat0 = o
        if r["mis"] or r.get("eui") or r.get("ctl_dev") or r["pat"] is not pat0 or int(r["dev"]) != int(dev0):
            continue
        if r["nibp"] != nibp0 and nibp_visible(m, r):
            continue
        same = True
        for q in set(v0) | set(r["v"]):
            a, b = v0.get(q), r["v"].get(q)
            if (a is None) != (b is None):
                same = False
                break
            if a is None:
                continue
            uk, conv = unit_of(m, q, None)
            if conv is not None:
                a, b = conv(a), conv(b)
            if fmt(q, a, uk) != fmt(q, b, uk):
                same = False
                break
        if same:
            r["lab"] = None


def nibp_visible(m, r):
    return r["nibp"] is not None and (m.nibp_style != "fresh" or r["t"] - r["nibp"][3] < 300)


def mark(r, kind, param, strength):
    r["lab"] = (kind, param, strength)


def live(m, param):
    return param in m.ch or (param in ("ABPS", "ABPD", "ABPM") and "ABP" in m.ch)


def forge(m, recs, rng):
    k, st = m.kind, m.strength
    sub = st == "subtle"
    cad = m.cad
    adult = m.cls == "adult"

    def choose(params):
        ps = [p for p in params if live(m, p)]
        return rng.choice(ps)

    def msgs(seconds, lo=2):
        return max(lo, int(round(seconds / cad)))

    if k == "spike":
        p = choose(["HR", "SPO2", "RR", "HR", "SPO2", "ABPS"] if "ABP" in m.ch else ["HR", "SPO2", "RR", "PR"])
        n = rng.randint(1, 3)
        i0, i1 = pick_window(recs, rng, 0, min_msgs=n, avoid=lambda r: r["v"].get(p) is not None)
        i1 = i0 + n - 1
        sign = -1 if p in ("SPO2",) else rng.choice((1, 1, -1))
        mag = {"HR": (22, 35, 55, 90), "PR": (22, 35, 55, 90), "SPO2": (5, 8, 15, 30), "RR": (9, 14, 20, 35),
               "ABPS": (25, 35, 50, 80)}[p]
        a = rng.uniform(*(mag[:2] if sub else mag[2:]))
        for j, r in enumerate(recs[i0:i1 + 1]):
            base = r["v"].get(p)
            if base is None:
                continue
            x = base + sign * a * (1.0 if j == 0 or n == 1 else rng.uniform(0.6, 1.1))
            if p == "SPO2":
                x = clamp(x, 50, 100)
            r["v"][p] = max(1, x)
            if p == "ABPS":
                r["v"]["ABPM"] = r["v"]["ABPM"] + sign * a * 0.35
            mark(r, k, p, st)
        return p, "%+.0f for %d message(s)" % (sign * a, n)

    if k == "frozen":
        p = choose(["HR", "RR", "SPO2", "ABPM", "ETCO2", "PR", "HR"])
        dur = rng.uniform(360, 900) if sub else rng.uniform(1800, 3600)
        dur = min(dur, (recs[-1]["t"] - recs[0]["t"]) * 0.4)
        i0, i1 = pick_window(recs, rng, dur, min_msgs=4 if sub else 10,
                             avoid=lambda r: r["v"].get(p) is not None and "paced" not in r["ev"]
                             and "ventilated" not in r["ev"])
        if not any(r["v"].get(p) is not None for r in recs[i0 - 1:i1 + 1]):
            p = next(q for q in ("HR", "PR", "RR", "SPO2") if any(r["v"].get(q) is not None
                                                                  for r in recs[i0 - 1:i1 + 1]))
        val = next(r["v"][p] for r in recs[i0 - 1:] if r["v"].get(p) is not None)
        if p in ("ABPS", "ABPD", "ABPM"):
            src = next(r for r in recs[i0 - 1:] if r["v"].get(p) is not None)
            frozen = {q: src["v"][q] for q in ("ABPS", "ABPD", "ABPM")}
        for r in recs[i0:i1 + 1]:
            if r["v"].get(p) is None:
                continue
            if p.startswith("ABP"):
                r["v"].update(frozen)
            else:
                r["v"][p] = val
            mark(r, k, p, st)
        return p, "held at %.1f for %d messages" % (val, i1 - i0 + 1)

    if k == "replay":
        dur = rng.uniform(600, 1200) if sub else rng.uniform(1200, 2700)
        lag = rng.uniform(3600, 7200)
        span = recs[-1]["t"] - recs[0]["t"]
        lag = min(lag, span * 0.45)  # short test corpora
        dur = min(dur, span * 0.2)
        first = next(i for i, r in enumerate(recs) if r["t"] >= recs[0]["t"] + lag + 60)
        i0, i1 = pick_window(recs, rng, dur, lo=max(0.2, (recs[first]["t"] - recs[0]["t"]) /
                                                     (recs[-1]["t"] - recs[0]["t"] + 1)), min_msgs=5)
        t_src = recs[i0]["t"] - lag
        j0 = next(i for i, r in enumerate(recs) if r["t"] >= t_src)
        off = {}
        if sub:  # splice the old segment onto the current level, then jitter it
            for q in CONT:
                a, b = recs[i0 - 1]["v"].get(q), recs[j0]["v"].get(q)
                if a is not None and b is not None:
                    off[q] = (a - b) * 0.8
        for n_, r in enumerate(recs[i0:i1 + 1]):
            src = recs[min(j0 + n_, i0 - 1)]
            nv = {}
            for q, x in src["v"].items():
                if x is None:
                    nv[q] = None
                    continue
                x = x + off.get(q, 0.0)
                if sub and rng.random() < 0.35 and q not in ("TEMP", "PI"):
                    x += rng.choice((-1, 1))
                nv[q] = x
            r["v"] = nv
            if src["nibp"] is not None and r["nibp"] is not None:
                s_, d_, mm, tm = src["nibp"]
                r["nibp"] = (s_, d_, mm, tm + (r["t"] - src["t"]))
                r["nibp_new"] = src["nibp_new"]
            mark(r, k, "all", st)
        return "all", "messages from %.0f min earlier%s, %d messages" % (lag / 60, ", spliced and jittered" if sub
                                                                         else ", verbatim", i1 - i0 + 1)

    if k == "drift":
        p = choose(["SPO2", "HR", "ABPS", "RR", "ETCO2", "SPO2", "HR", "ABPM"])
        dur = rng.uniform(1800, 3600) if sub else rng.uniform(1200, 2400)
        i0, i1 = pick_window(recs, rng, dur, min_msgs=6, avoid=lambda r: r["v"].get(p) is not None)
        base = recs[i0]["v"][p]
        tot = {"SPO2": -(4 if sub else 12), "HR": (14 if sub else 45) * rng.choice((1, -1)),
               "ABPS": -(16 if sub else 45), "ABPM": -(10 if sub else 30), "RR": (6 if sub else 18),
               "ETCO2": (6 if sub else 18) * rng.choice((1, -1))}[p]
        tot *= rng.uniform(0.85, 1.2)
        t0, t1 = recs[i0]["t"], recs[i1]["t"] + 1e-9
        ret = sub  # subtle drifts walk back; blatant ones snap back at the end
        for r in recs[i0:i1 + 1]:
            f = (r["t"] - t0) / (t1 - t0)
            if ret:
                f = f / 0.75 if f <= 0.75 else (1 - f) / 0.25
            d = tot * f
            if r["v"].get(p) is None:
                continue
            r["v"][p] = r["v"][p] + d
            if p == "SPO2":
                r["v"][p] = min(100, r["v"][p])
            if p == "ABPS":
                r["v"]["ABPM"] = r["v"]["ABPM"] + d * 0.33
            if p == "ABPM":
                r["v"]["ABPS"] += d
                r["v"]["ABPD"] += d
            mark(r, k, p, st)
        return p, "%+.1f over %.0f min%s" % (tot, (t1 - t0) / 60, ", walking back" if ret else ", snapping back")

    if k == "too_smooth":
        ps = [q for q in ("HR", "SPO2", "RR", "ABPS", "ABPM", "ABPD", "ETCO2", "PR") if live(m, q)]
        if sub:
            ps = rng.sample(ps, min(len(ps), rng.randint(1, 2)))
        dur = rng.uniform(1500, 3000) if sub else rng.uniform(1800, 3600)
        i0, i1 = pick_window(recs, rng, dur, min_msgs=10, avoid=lambda r: all(r["v"].get(q) is not None for q in ps))
        seg = recs[i0:i1 + 1]
        ps = [q for q in ps if any(r["v"].get(q) is not None for r in seg)] or ps[:1]
        for q in ps:
            xs = [r["v"].get(q) for r in seg]
            if not any(x is not None for x in xs):
                continue
            known = [x for x in xs if x is not None]
            mean = sum(known) / len(known)
            xs = [mean if x is None else x for x in xs]
            if sub:  # a long moving average of the real values
                w = max(3, min(15, int(300 / cad)))
                out = []
                acc = []
                for x in xs:
                    acc.append(x)
                    if len(acc) > w:
                        acc.pop(0)
                    out.append(sum(acc) / len(acc))
            else:  # synthetic: a slow, low-amplitude sine about the mean
                ph = rng.uniform(0, 6.28)
                amp = {"SPO2": 0.4}.get(q, 1.2)
                out = [mean + amp * math.sin(ph + (r["t"] - seg[0]["t"]) / 600.0) for r in seg]
            for r, x in zip(seg, out):
                if r["v"].get(q) is not None:
                    r["v"][q] = x
        for r in seg:
            mark(r, k, ",".join(ps), st)
        return ",".join(ps), ("moving average" if sub else "smooth synthetic sine") + " over %d messages" % len(seg)

    if k == "duplicate_control_id":
        n = 1 if sub else rng.randint(3, 6)
        lag = rng.uniform(120, 900) if sub else rng.uniform(1800, 7200)
        lag = min(lag, (recs[-1]["t"] - recs[0]["t"]) * 0.4)
        i0, _ = pick_window(recs, rng, 0, lo=0.45, hi=0.9)
        # inject n forged messages after recs[i0], each reusing the ID of a message `lag` seconds earlier
        src = next(i for i, r in enumerate(recs) if r["t"] >= recs[i0]["t"] - lag)
        src = max(0, min(src, i0 - n - 1))
        new = []
        for j in range(n):
            base = recs[i0]
            r = {"t": base["t"] + (j + 1) * min(cad, 5) * 0.3, "dev": base["dev"] + (j + 1) * min(cad, 5) * 0.3,
                 "arr": base["arr"] + (j + 1) * min(cad, 5) * 0.3, "ctl": recs[src + j]["ctl"],
                 "v": dict(base["v"]), "nibp": base["nibp"], "nibp_new": False, "pat": base["pat"],
                 "ev": set(base["ev"]), "lab": None, "ep": 0, "typ": "ORU", "mis": None,
                 "ctl_dev": recs[src + j]["dev"]}
            # new content: the forger's values
            for q, dlt in (("HR", 12 if sub else 35), ("SPO2", -3 if sub else -12), ("ABPS", -12 if sub else -35),
                           ("RR", 4 if sub else 12)):
                if r["v"].get(q) is not None:
                    r["v"][q] = max(1, r["v"][q] + dlt * rng.uniform(0.8, 1.2))
            mark(r, k, "MSH-10", st)
            new.append(r)
        recs[i0 + 1:i0 + 1] = new
        return "MSH-10", "%d injected message(s) reusing IDs from %.0f min earlier" % (n, lag / 60)

    if k == "step":
        opts = ["ABPS", "RR", "HR", "ABPM", "SPO2", "ETCO2"]
        p = choose(opts)
        dur = rng.uniform(900, 2400)
        i0, i1 = pick_window(recs, rng, dur, min_msgs=5, avoid=lambda r: r["v"].get(p) is not None)
        mag = {"ABPS": (16, 22, 35, 60), "ABPM": (12, 16, 25, 45), "RR": (6, 8, 12, 20), "HR": (18, 28, 40, 70),
               "SPO2": (4, 5, 9, 15), "ETCO2": (6, 8, 12, 20)}[p]
        a = rng.uniform(*(mag[:2] if sub else mag[2:])) * (-1 if p == "SPO2" else rng.choice((1, -1)))
        if m.cls == "neonatal" and p in ("ABPS", "ABPM"):
            a *= 0.5
        for r in recs[i0:i1 + 1]:
            if r["v"].get(p) is None:
                continue
            r["v"][p] = r["v"][p] + a
            if p == "SPO2":
                r["v"][p] = min(100, r["v"][p])
            if p == "ABPS":
                r["v"]["ABPM"] += a * 0.35
                r["v"]["ABPD"] += a * 0.1
            if p == "ABPM":
                r["v"]["ABPS"] += a
                r["v"]["ABPD"] += a
            mark(r, k, p, st)
        return p, "%+.0f for %d messages" % (a, i1 - i0 + 1)

    if k == "unit_mislabel":
        ps = [q for q in ("ETCO2", "TEMP") if live(m, q)]
        p = "ETCO2" if "ETCO2" in ps else ps[0]
        dur = rng.uniform(120, 420) if sub else rng.uniform(900, 2700)
        i0, i1 = pick_window(recs, rng, dur, min_msgs=2 if sub else 6, avoid=lambda r: r["v"].get(p) is not None)
        for r in recs[i0:i1 + 1]:
            if r["v"].get(p) is None:
                continue
            r["mis"] = p
            mark(r, k, p, st)
        if p == "ETCO2":
            d = "etCO2 in %s labelled %s" % (("kPa", "mmHg") if m.etco2_unit == "mmHg" else ("mmHg", "kPa"))
        else:
            d = "temperature in %s labelled %s" % (("degF", "degC") if m.temp_unit == "degC" else ("degC", "degF"))
        return p, d + ", %d messages" % (i1 - i0 + 1)

    if k == "out_of_range":
        ps = ["RR", "HR", "SPO2"] + (["ABPS"] if "ABP" in m.ch else []) + (["TEMP"] if "TEMP" in m.ch else [])
        p = rng.choice([q for q in ps if live(m, q)])
        n = rng.randint(1, 4) if sub else rng.randint(3, 12)
        i0, i1 = pick_window(recs, rng, 0, min_msgs=n, avoid=lambda r: r["v"].get(p) is not None)
        i1 = i0 + n - 1
        for r in recs[i0:i1 + 1]:
            if r["v"].get(p) is None:
                continue
            if p == "RR":
                x = rng.uniform(120, 160) if (sub and m.cls != "adult") else (rng.uniform(160, 200) if sub
                                                                                else rng.uniform(210, 300))
                if sub and m.cls == "adult":
                    x = rng.uniform(155, 195)
            elif p == "HR":
                x = rng.uniform(255, 290) if sub else rng.uniform(320, 450)
                if sub and m.cls == "adult":
                    x = rng.uniform(245, 280)
            elif p == "SPO2":
                x = rng.uniform(101, 104) if sub else rng.uniform(110, 140)
            elif p == "ABPS":
                x = rng.uniform(330, 380) if not sub else rng.uniform(260, 290)
                r["v"]["ABPM"] = x * 0.75 if not sub else x * 0.55
                r["v"]["ABPD"] = x * 0.55 if not sub else x * 0.35
            else:
                x = rng.uniform(43.5, 45) if sub else rng.uniform(48, 60)
            r["v"][p] = x
            mark(r, k, p, st)
        return p, "%d message(s)" % n

    if k == "hr_pr_mismatch":
        p = rng.choice(["PR", "HR"])
        dur = rng.uniform(300, 900) if sub else rng.uniform(900, 2400)
        i0, i1 = pick_window(recs, rng, dur, min_msgs=3,
                             avoid=lambda r: r["v"].get("HR") is not None and r["v"].get("PR") is not None
                             and not ({"af", "bigeminy", "motion"} & r["ev"]))
        a = (rng.uniform(24, 34) if sub else rng.uniform(38, 60)) * rng.choice((1, -1))
        for r in recs[i0:i1 + 1]:
            other = "HR" if p == "PR" else "PR"
            if r["v"].get(p) is None or r["v"].get(other) is None:
                continue
            r["v"][p] = max(20, r["v"][other] + a + rng.gauss(0, 1.5))
            mark(r, k, p, st)
        return p, "%s %+.0f from %s, %d messages" % (p, a, "HR" if p == "PR" else "PR", i1 - i0 + 1)

    if k == "bp_inconsistent":
        idx = [i for i, r in enumerate(recs) if r["nibp_new"] and 0.2 < i / len(recs) < 0.9]
        use_abp = "ABP" in m.ch and (not idx or rng.random() < 0.6)
        if not use_abp and not idx:
            idx = [i for i, r in enumerate(recs) if r["nibp_new"] and i < len(recs) - 4]
        if not use_abp and not idx:  # no cuff reading at all (very short corpora): force one
            i = len(recs) // 2
            r = recs[i]
            s_, d_ = int(round(r["v"].get("ABPS") or 110)), int(round(r["v"].get("ABPD") or 65))
            r["nibp"] = (s_, d_, int(round(d_ + (s_ - d_) * 0.4)), r["t"] - 1)
            r["nibp_new"] = True
            j = i + 1
            while j < len(recs) and not recs[j]["nibp_new"]:
                recs[j]["nibp"] = r["nibp"]
                j += 1
            idx = [i]
        if use_abp:
            dur = rng.uniform(60, 300) if sub else rng.uniform(300, 1200)
            i0, i1 = pick_window(recs, rng, dur, min_msgs=2,
                                 avoid=lambda r: r["v"].get("ABPS") is not None and not
                                 ({"art_flush", "art_zero"} & r["ev"]))
            for r in recs[i0:i1 + 1]:
                v = r["v"]
                if v.get("ABPS") is None:
                    continue
                if sub:  # mean above systolic by a few mmHg
                    v["ABPM"] = v["ABPS"] + rng.uniform(3, 8)
                else:  # systolic and diastolic swapped
                    v["ABPS"], v["ABPD"] = v["ABPD"], v["ABPS"]
                mark(r, k, "ABP", st)
            return "ABP", ("MAP above SYS" if sub else "SYS and DIA swapped") + ", %d messages" % (i1 - i0 + 1)
        # NIBP: forge the next cuff reading (and every message that repeats it)
        if not idx:
            idx = [i for i, r in enumerate(recs) if r["nibp_new"] and i < len(recs) - 4]
        i0 = rng.choice(idx)
        s_, d_, mm, tm = recs[i0]["nibp"]
        if sub:
            forged = (s_, d_, s_ + rng.randint(2, 6), tm)
        else:
            forged = (d_, s_, mm, tm)
        i = i0
        while i < len(recs) and recs[i]["nibp"] is not None and recs[i]["nibp"][3] == tm:
            recs[i]["nibp"] = forged
            if nibp_visible(m, recs[i]):
                mark(recs[i], k, "NIBP", st)
            i += 1
        return "NIBP", ("cuff MAP above SYS" if sub else "cuff SYS and DIA swapped") + ", %d messages" % (i - i0)

    if k == "time_backwards":
        n = msgs(rng.uniform(60, 300)) if sub else msgs(rng.uniform(300, 1200), 4)
        back = rng.uniform(45, 240) if sub else rng.uniform(1800, 6 * 3600)
        i0, i1 = pick_window(recs, rng, 0, min_msgs=n)
        i1 = min(len(recs) - 5, i0 + n - 1)
        for r in recs[i0:i1 + 1]:
            r["dev"] -= back
            mark(r, k, "MSH-7", st)
        return "MSH-7", "%.0f s behind for %d messages" % (back, i1 - i0 + 1)

    if k == "time_future":
        n = msgs(rng.uniform(60, 400)) if sub else msgs(rng.uniform(300, 1200), 4)
        ahead = rng.uniform(420, 1200) if sub else rng.uniform(6 * 3600, 48 * 3600)
        i0, i1 = pick_window(recs, rng, 0, min_msgs=n)
        i1 = min(len(recs) - 5, i0 + n - 1)
        for r in recs[i0:i1 + 1]:
            r["dev"] += ahead
            mark(r, k, "MSH-7", st)
        return "MSH-7", "%.0f s ahead for %d messages" % (ahead, i1 - i0 + 1)

    if k == "identity_switch":
        dur = rng.uniform(120, 600) if sub else rng.uniform(900, 2400)
        i0, i1 = pick_window(recs, rng, dur, min_msgs=2,
                             avoid=lambda r: r["pat"] is not None and not ({"admission", "identified"} & r["ev"]))
        p0 = next((r["pat"] for r in recs[i0:] if r["pat"] is not None), None) or m.patients[0]
        if sub:  # another patient's MRN, one digit off, same name: a bed mix-up that is easy to miss
            digits = list(p0["mrn"])
            j = len(digits) - 1 - rng.randrange(3)
            digits[j] = str((int(digits[j]) + rng.randint(1, 9)) % 10)
            other = dict(p0, mrn="".join(digits))
        else:
            other = new_patient(rng, m.cls, 0)
        for r in recs[i0:i1 + 1]:
            r["pat"] = other
            if not sub:
                r["eui"] = "%06XFFFE%06X" % (rng.choice([0x080019, 0x00A037]), rng.randrange(1 << 24)) \
                    if r is recs[i0] else recs[i0]["eui"]
            mark(r, k, "PID-3", st)
        return "PID-3", ("MRN %s -> %s" % (p0["mrn"], other["mrn"])) + ", %d messages" % (i1 - i0 + 1)

    if k == "nibp_cadence":
        # fresh-looking cuff readings between real cycles
        span_new = [i for i, r in enumerate(recs) if r["nibp_new"]]
        if sub:
            n_fake = rng.randint(1, 2)
        else:
            n_fake = rng.randint(5, 12)
        i0, _ = pick_window(recs, rng, 0, lo=0.25, hi=0.75, avoid=lambda r: r["nibp"] is not None
                            and "nibp_stat" not in r["ev"])
        if recs[i0]["nibp"] is None:
            cand = [i for i, r in enumerate(recs) if r["nibp"] is not None and i < len(recs) - 8]
            if not cand:  # no cuff reading yet (very short corpora): the forger starts from a plausible one
                i0 = len(recs) // 3
                s_, d_ = int(round(recs[i0]["v"].get("ABPS") or 118)), int(round(recs[i0]["v"].get("ABPD") or 68))
                recs[i0]["nibp"] = (s_, d_, int(round(d_ + (s_ - d_) * 0.4)), recs[i0]["t"] - 600)
            else:
                i0 = rng.choice(cand)
        gap_s = rng.uniform(60, 150) if sub else max(cad, rng.uniform(10, 40))
        i = i0
        made = 0
        s_, d_, mm, _ = recs[i0]["nibp"]
        lastt = recs[i0]["nibp"][3]
        first_i = None
        fk = None
        while made < n_fake and i < len(recs) - 5:
            r = recs[i]
            if r["t"] - lastt >= gap_s and not r["nibp_new"]:
                s_ += rng.randint(-7, 4)
                d_ += rng.randint(-4, 3)
                mm = int(round(d_ + (s_ - d_) * 0.4))
                lastt = r["t"] - rng.uniform(0, min(cad, 3))
                fk = (s_, d_, mm, lastt)
                r["nibp"] = fk
                r["nibp_new"] = True
                mark(r, k, "NIBP", st)
                first_i = i if first_i is None else first_i
                made += 1
                # messages that repeat the forged reading until the next real one carry it too
                j = i + 1
                while j < len(recs) and not recs[j]["nibp_new"] and recs[j]["t"] - lastt < gap_s:
                    recs[j]["nibp"] = fk
                    if nibp_visible(m, recs[j]):
                        mark(recs[j], k, "NIBP", st)
                    j += 1
                i = j
                continue
            i += 1
        if fk is None:  # the span was too short for the gap: one forged reading right away
            i = min(i0 + 1, len(recs) - 6)
            s_ += rng.randint(-7, 4)
            fk = (s_, d_, int(round(d_ + (s_ - d_) * 0.4)), recs[i]["t"] - 1)
            recs[i]["nibp"], recs[i]["nibp_new"] = fk, True
            mark(recs[i], k, "NIBP", st)
            made = 1
            i += 1
        # the following repeats of the last forged reading, up to the next real one
        while i < len(recs) and not recs[i]["nibp_new"]:
            recs[i]["nibp"] = fk
            if nibp_visible(m, recs[i]):
                mark(recs[i], k, "NIBP", st)
            i += 1
        return "NIBP", "%d extra cuff reading(s) %.0f s apart" % (made, gap_s)

    raise ValueError(k)


# ---------------------------------------------------------------------------------------------------------------
# The unforged twin: the forgery planned and placed, not written.
# ---------------------------------------------------------------------------------------------------------------

def unforged(m, recs, rng):
    """The records the monitor sends without its forgery, one for each record of the forged stream: the forgery is
    planned on copies (so its parameter and detail are known), the genuine records are kept, and where it injected
    messages after a record (duplicate_control_id) that record is sent again in their place, a genuine retransmission
    (the same bytes) at the injected message's arrival. A filler keeps the injected message's times as its `anchor`
    so that a patient query following it is the forged corpus's too."""
    copies = [dict(r, v=dict(r["v"])) for r in recs]
    plan = list(copies)
    param, detail = forge(m, plan, rng)
    pos = {id(c): i for i, c in enumerate(copies)}
    out = []
    last = None
    for c in plan:
        i = pos.get(id(c))
        if i is not None:
            last = recs[i]
            out.append(last)
            continue
        out.append(dict(last, arr=c["arr"], ev=set(last["ev"]) | {"retransmission"},
                        anchor=(c["t"], c["dev"])))
    return out, param, detail


# ---------------------------------------------------------------------------------------------------------------
# Post-forgery transport effects: retransmissions (identical copies) and the monitor's own patient queries.
# ---------------------------------------------------------------------------------------------------------------

def transport(m, recs, rng):
    out = []
    block_until = -1e18
    k = 0
    for r in recs:
        if r["arr"] < block_until:
            # sent at wire speed right after the retransmission the monitor was waiting on
            k += 1
            r["arr"] = block_until + 0.004 * k
            r["ev"].add("queued")
        else:
            k = 0
        out.append(r)
        if m.retx_rate and r["typ"] == "ORU" and rng.random() < m.retx_rate:
            # the ACK was lost: the monitor sends the same message again after its ACK timeout; later messages wait
            wait = rng.choice((5.0, 10.0, 10.0, 30.0))
            c = dict(r)
            c["ev"] = set(r["ev"]) | {"retransmission"}
            c["arr"] = r["arr"] + wait
            c["retx"] = True
            out.append(c)
            block_until = c["arr"]
            k = 0
    if m.queries:
        qs = [i for i, r in enumerate(out) if {"admission", "identified"} & r["ev"] or i == 0]
        for n, i in enumerate(sorted(set(qs[:1] + qs[::40]))):
            r = out[i]
            t, dev = r.get("anchor", (r["t"], r["dev"]))
            out.append({"t": t + 0.5, "dev": dev + 0.5, "arr": r["arr"] + 0.4, "ctl": n + 1,
                        "typ": "QBP", "pat": r["pat"], "ev": {"patient_query"}, "lab": None,
                        "ep": 0, "v": {}, "nibp": None, "nibp_new": False, "mis": None})
    out.sort(key=lambda r: r["arr"])
    # keep arrivals strictly increasing
    for a, b in zip(out, out[1:]):
        if b["arr"] <= a["arr"]:
            b["arr"] = a["arr"] + 0.001
    return out


# ---------------------------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------------------------

def hl7ts(sec, tz_min, with_tz):
    lt = sec + tz_min * 60
    s = time.strftime("%Y%m%d%H%M%S", time.gmtime(int(lt)))
    if with_tz:
        s += "%s%02d%02d" % ("+" if tz_min >= 0 else "-", abs(tz_min) // 60, abs(tz_min) % 60)
    return s


def fmt(p, x, unit):
    if p in ("TEMP", "TEMP2"):
        return "%.1f" % x
    if p in ("CVP", "ABPPR", "PVC"):
        return "%d" % int(round(x))
    if p == "ETCO2" and unit == "kPa":
        return "%.1f" % x
    if p == "PI":
        return "%.2f" % x
    if p in ("ETCO2", "SPO2", "HR", "PR", "RR") or p.startswith("ABP") or p.startswith("NIBP"):
        return "%d" % int(round(x))
    return "%g" % x


def unit_of(m, p, mis):
    """(unit key, value transform) for a parameter; a unit_mislabel forgery converts the value but keeps the label."""
    uk = UNIT_KIND.get(p, "bpm")
    if uk == "T":
        lab = m.temp_unit
        if mis == p:
            return lab, (lambda c: c * 9 / 5 + 32) if lab == "degC" else (lambda c: c)
        return lab, (lambda c: c * 9 / 5 + 32) if lab == "degF" else (lambda c: c)
    if uk == "CO2":
        lab = m.etco2_unit
        if mis == p:
            return lab, (lambda x: x / 7.50062) if lab == "mmHg" else (lambda x: x)
        return lab, (lambda x: x / 7.50062) if lab == "kPa" else (lambda x: x)
    return uk, None


def obx3(m, p):
    L = m.layout
    if L == "nist_loinc":
        lc, ln = LOINC[p]
        c, n = MDC[p]
        if p == "TEMP":
            c, n = "150364", "MDC_TEMP_BODY"
        return "%s^%s^LN^%s^%s^MDC" % (lc, ln, c, n)
    if L == "philips_intellivue":
        c, n = MDIL[p]
        return "%s^%s^MDIL" % (c, n)
    c, n = MDC[p]
    if L == "ge_carescape" and p == "ETCO2":
        c, n = "151712", "MDC_CONC_AWAY_CO2_ET"
    if L in ("mindray_benevision", GATEWAY_LAYOUT) and p.startswith("NIBP"):
        c, n = {"NIBPS": ("150301", "MDC_PRESS_CUFF_SYS"), "NIBPD": ("150302", "MDC_PRESS_CUFF_DIA"),
                "NIBPM": ("150303", "MDC_PRESS_CUFF_MEAN")}[p]
    if L == "comen" and p == "PR":
        c, n = "149522", "MDC_BLD_PULS_RATE_INV"
    if L == "spacelabs":
        if p == "RR":
            c, n = "151578", "MDC_TTHOR_RESP_RATE"
        if p == "TEMP":
            c, n = "188496", "MDC_TEMP_AXIL"
    if L == "masimo_root" and p == "RR":
        c, n = "151658", "MDC_PULS_OXIM_RESP_RATE"
    if L == "edan":
        return "%s^%s^MDC" % (n.replace("MDC_", ""), c)  # label first, code in component 2
    return "%s^%s^MDC" % (c, n)


def obx6(m, uk):
    L = m.layout
    if L == "nist_loinc" or L == "nihon_kohden":
        return UCUM[uk]
    if L == "philips_intellivue":
        return MDILU[uk]
    if L in ("comen", "edan"):
        return TEXTU[uk] if not (L == "edan" and uk == "degC") else "degC"
    return MDCU[uk]


ORDER = ("HR", "PVC", "SPO2", "PR", "PI", "RR", "ABPS", "ABPD", "ABPM", "ABPPR", "CVP", "NIBPS", "NIBPD", "NIBPM",
         "TEMP", "TEMP2", "ETCO2")
VMD = {"ABPPR": (13, ""), "CVP": (13, ""), "TEMP2": (9, ""), "HR": (5, "69798^MDC_DEV_ECG_VMD"), "PVC": (5, "69798^MDC_DEV_ECG_VMD"), "SPO2": (3, "69642^MDC_DEV_ANALY_SAT_O2_VMD"),
       "PR": (3, "69642^MDC_DEV_ANALY_SAT_O2_VMD"), "PI": (3, "69642^MDC_DEV_ANALY_SAT_O2_VMD"),
       "RR": (6, "70666^MDC_DEV_ANALY_RESP_RATE_VMD"), "ABPS": (13, "69854^MDC_DEV_METER_PRESS_BLD_VMD"),
       "ABPD": (13, ""), "ABPM": (13, ""), "NIBPS": (14, "69854^MDC_DEV_METER_PRESS_BLD_VMD"), "NIBPD": (14, ""),
       "NIBPM": (14, ""), "TEMP": (9, "69838^MDC_DEV_METER_TEMP_VMD"), "ETCO2": (7, "70682^MDC_DEV_ANALY_CONC_GAS_MULTI_PARAM_VMD")}


class Renderer:
    def __init__(self, m, tz_min, seed):
        self.m = m
        self.tz = tz_min
        self.rng = R(seed, "render", m.idx)
        self.params = [p for p in ORDER if (p in m.ch or (p in ("ABPS", "ABPD", "ABPM") and "ABP" in m.ch)
                                            or (p[:4] == "NIBP" and "NIBP" in m.ch))]
        self.cache = {}
        L = m.layout
        self.fs = {}
        for n, p in enumerate(self.params):
            mis_variants = {}
            for mis in (None, p):
                uk, conv = unit_of(m, p, mis)
                mis_variants[mis] = (obx6(m, uk), conv, uk)
            sub = VMD.get(p, (1, ""))[0]
            if L in ("mindray_benevision", GATEWAY_LAYOUT):
                subid = "1.%d.1.%s" % (sub, obx3(m, p).split("^")[0])
            elif L in ("ge_carescape", "nist_loinc", "draeger_infinity", "spacelabs"):
                subid = "1.%d.1.%d" % (sub, n + 1)
            else:
                subid = ""
            self.fs[p] = (obx3(m, p), subid, mis_variants)
        self.seq = 0

    def msh(self, r):
        m = self.m
        ts = hl7ts(r["dev"], self.tz, m.tz)
        c = r["ctl"]
        L = m.layout
        if r["typ"] == "QBP":
            return ("MSH|^~\\&|MINDRAY_D-SERIES^%s^EUI-64||CIS||%s||QBP^ZV1^QBP_Q21|Q%d|P|2.6|||AL|NE||UNICODE UTF-8"
                    % (r.get("eui") or m.eui, ts, c))
        eui = r.get("eui") or m.eui
        if m.ctl == "ge":
            cid = "%08d%s" % (c, eui[-4:])
        elif m.ctl == "hex":
            cid = "%s%012X" % (m.bed.replace("-", ""), c)
        elif m.ctl == "uuid":
            cid = "%08x-%04x-4%03x-a%03x-%012x" % (hash32(m.idx, c), c & 0xffff, (c >> 4) & 0xfff, m.idx & 0xfff,
                                                  hash32(c, m.idx) * 7919)
        elif m.ctl == "ts":
            cid = "%s%04d" % (hl7ts(r.get("ctl_dev", r["dev"]), self.tz, False), c % 10000)
        elif L == GATEWAY_LAYOUT:
            cid = "%s%09d" % (m.bed.replace("-", ""), c)
        else:
            cid = "%d" % c
        if L == "ge_carescape":
            return ("MSH|^~\\&|VSP^%s^EUI-64|GE Healthcare|||%s||ORU^R01^ORU_R01|%s|P|2.6|||NE|AL||UNICODE UTF-8|||"
                    "PCD_DEC_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO" % (eui, ts, cid))
        if L == "mindray_benevision":
            return ("MSH|^~\\&|MINDRAY_BENEVISION^%s^EUI-64||||%s||ORU^R01^ORU_R01|%s|P|2.6|||AL|NE||UNICODE UTF-8|||"
                    "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO" % (eui, ts, cid))
        if L == GATEWAY_LAYOUT:
            return ("MSH|^~\\&|MINDRAY_EGATEWAY^%s^EUI-64||||%s||ORU^R01^ORU_R01|%s|P|2.6|||AL|NE||UNICODE UTF-8|||"
                    "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO" % (m.gw_eui, ts, cid))
        if L == "philips_intellivue":
            return "MSH|^~\\&|PIIC^%s|PHILIPS|||%s||ORU^R01|%s|P|2.4|||AL|NE||8859/1" % (m.bed, ts, cid)
        if L == "nist_loinc":
            return ("MSH|^~\\&|NIST_PCD_DOR^%s^EUI-64|NIST|NIST_DOC^^|NIST|%s||ORU^R01^ORU_R01|%s|P|2.6|||NE|AL|||||"
                    "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO" % (eui, ts, cid))
        if L == "draeger_infinity":
            return "MSH|^~\\&|INFINITY^%s^EUI-64|Draeger|||%s||ORU^R01^ORU_R01|%s|P|2.6|||NE|AL" % (eui, ts, cid)
        if L == "comen":
            return "MSH|^~\\&|COMEN^%s^EUI-64||||%s||ORU^R01^ORU_R01|%s|P|2.6" % (eui, ts, cid)
        if L == "spacelabs":
            return "MSH|^~\\&|XPREZZNET^%s^EUI-64|SPACELABS|||%s||ORU^R01^ORU_R01|%s|P|2.6|||NE|AL" % (eui, ts, cid)
        if L == "edan":
            return "MSH|^~\\&|EDAN^%s|EDAN|||%s||ORU^R01|%s|P|2.6" % (eui, ts, cid)
        if L == "nihon_kohden":
            return "MSH|^~\\&|CNS-6201^%s|NIHON KOHDEN|||%s||ORU^R01^ORU_R01|%s|P|2.5|||AL|NE" % (m.bed, ts, cid)
        if L == "masimo_root":
            return "MSH|^~\\&|MASIMO^ROOT^%s|PSN|||%s||ORU^R01^ORU_R01|%s|P|2.6|||AL|NE" % (eui, ts, cid)
        raise ValueError(L)

    def pid(self, r):
        p = r["pat"]
        if p is None:
            return "PID|||||^^^^^^U"
        return "PID|||%s^^^HOSP^MR||%s^%s^^^^^L||%s|%s" % (p["mrn"], p["last"], p["first"], p["dob"], p["sex"])

    def render(self, r):
        m = self.m
        out = [self.msh(r)]
        if r["typ"] == "QBP":
            out.append("QPD|IHE PDQ Query^IHE PDQ Query^IHE|Q%d|@PID.3.1^%s" % (r["ctl"], (r["pat"] or {}).get("mrn", "")))
            out.append("RCP|I|1^RD")
            return "\r".join(out) + "\r"
        out.append(self.pid(r))
        out.append("PV1||I|%s^^%s" % (m.unit, m.bed))
        ts = hl7ts(r["dev"], self.tz, m.tz)
        L = m.layout
        eui = r.get("eui") or m.eui
        out.append("OBR|1|%s^%s|%s^%s|182777000^monitoring of patient^SCT|||%s" % (r["ctl"], m.id.upper(), r["ctl"],
                                                                                   m.id.upper(), ts))
        n = 0
        eq = ""
        if L in ("ge_carescape", "nist_loinc", "spacelabs", "mindray_benevision", GATEWAY_LAYOUT, "comen",
                 "masimo_root"):
            eq = "%s^^%s^EUI-64" % (eui, eui) if L != "ge_carescape" else "%s^B40_GE" % eui
        elif L == "draeger_infinity":
            eq = "%s^DRAEGER_M540" % eui[-8:]
        if L == "ge_carescape":
            n += 1
            # CARESCAPE puts the bed label in the MDS row's OBX-18
            out.append("OBX|%d||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||%s" % (n, m.bed))
        elif L in ("nist_loinc", "mindray_benevision", GATEWAY_LAYOUT):
            n += 1
            out.append("OBX|%d||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||%s" % (n, eq))
        st = {"ge_carescape": "R", "mindray_benevision": "", GATEWAY_LAYOUT: "", "philips_intellivue": "F",
              "nist_loinc": "R", "draeger_infinity": "F", "comen": "F", "spacelabs": "R", "edan": "F",
              "nihon_kohden": "F", "masimo_root": "F"}[L]
        v = r["v"]
        nibp = r["nibp"]
        last_vmd = None
        for p in self.params:
            c3, subid, mv = self.fs[p]
            o14 = ""
            if p.startswith("NIBP"):
                if nibp is None:
                    continue
                style = m.nibp_style
                if style == "fresh" and not (r["t"] - nibp[3] < 300):
                    continue
                x = nibp[{"NIBPS": 0, "NIBPD": 1, "NIBPM": 2}[p]]
                tm = nibp[3]
                if style == "restamp":
                    tm = r["t"]
                dev_tm = tm + (r["dev"] - r["t"])
                o14 = hl7ts(dev_tm, self.tz, m.tz)
            else:
                if p not in v:
                    continue
                x = v[p]
            if L == "ge_carescape":
                vm, vname = VMD.get(p, (1, ""))
                if vname and vm != last_vmd:
                    n += 1
                    out.append("OBX|%d||%s^MDC|1.%d.0.0|||||||X" % (n, vname, vm))
                    last_vmd = vm
            o6, conv, uk = mv[r["mis"] if r["mis"] == p else None]
            if x is None:
                ph = m.ph
                if p == "TEMP" and L == "nihon_kohden":
                    ph = "-99.9"
                if ph == "omit":
                    continue
                n += 1
                if ph == "emptyX":
                    out.append("OBX|%d|NM|%s|%s||%s|||||X" % (n, c3, subid, o6))
                elif ph == "empty":
                    out.append("OBX|%d|NM|%s|%s||%s|||||%s" % (n, c3, subid, o6, st))
                else:
                    out.append("OBX|%d|NM|%s|%s|%s|%s|||||%s|||%s|||||%s" % (n, c3, subid, ph, o6, st, o14, eq))
                continue
            if conv is not None:
                x = conv(x)
            n += 1
            out.append("OBX|%d|NM|%s|%s|%s|%s|||||%s|||%s|||||%s" % (n, c3, subid, fmt(p, x, uk), o6, st, o14, eq))
        return "\r".join(x.rstrip("|") for x in out) + "\r"


def hash32(a, b):
    x = (a * 0x9E3779B1 + b * 0x85EBCA77) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x2C1B3C6D) & 0xFFFFFFFF
    return x ^ (x >> 12)


def placeholder_present(m, r):
    return any(x is None for q, x in r["v"].items()) and m.ph not in ("omit",)


# ---------------------------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------------------------

def parse_start(s):
    s = s.rstrip("Z")
    return float(calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")))


def rfc3339(sec):
    whole = int(sec)
    ns = int(round((sec - whole) * 1e9))
    if ns >= 1000000000:
        whole += 1
        ns -= 1000000000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + ".%09dZ" % ns


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--monitors", type=int, default=150)
    ap.add_argument("--hours", type=float, default=4.0)
    ap.add_argument("--start", default="2026-01-15T06:00:00Z")
    ap.add_argument("--tz-minutes", type=int, default=0,
                    help="the site's UTC offset in minutes (MSH-7 local time; GE-style stamps carry no offset)")
    ap.add_argument("--no-forge", action="store_true",
                    help="write the unforged twin: the same messages and arrivals, no forgery written")
    a = ap.parse_args(argv)
    if a.monitors < 1 or a.hours < 0.5:
        ap.error("--monitors must be positive and --hours at least 0.5 (a forged span and what precedes it must fit)")
    generate(a.seed, a.out, a.monitors, a.hours, parse_start(a.start), a.tz_minutes, not a.no_forge)


def generate(seed, out, n, hours, start, tz_min=0, forged=True):
    """Write a corpus to out (forged=False: its unforged twin, every monitor clean)."""
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        if f.startswith("mon-") and f.endswith(".hl7"):
            os.remove(os.path.join(out, f))
    T = hours * 3600.0
    START[0] = start
    mons, groups = plan_monitors(seed, n, hours)
    lab_f = open(os.path.join(out, "labels.jsonl"), "w")
    mon_lines = []
    ep_id = 0
    for g in groups:
        file_recs = []
        gw_eui = "00A037FFFE%06X" % (R(seed, "gw", g[0]).randrange(1 << 24))
        for j in g:
            m = configure(seed, mons[j], hours, start)
            m.gw_eui = gw_eui
            recs = simulate(m, T)
            m.info = {}
            if m.status == "manipulated" and not forged:
                recs, m.param, m.detail = unforged(m, recs, R(seed, "forge", m.idx))
            elif m.status == "manipulated":
                frng = R(seed, "forge", m.idx)
                for r in recs:
                    r["orig"] = (dict(r["v"]), r["nibp"], r["dev"], r["pat"])
                param, detail = forge(m, recs, frng)
                unmark_unchanged(m, recs)
                ep_id += 1
                m.episode = ep_id
                m.param, m.detail = param, detail
            recs = transport(m, recs, R(seed, "net", m.idx))
            for r in recs:
                r["t"] += m.t_start
                r["dev"] += m.t_start
                r["arr"] += m.t_start
                if r["nibp"] is not None:
                    s_, d_, mm, tm = r["nibp"]
                    r["nibp"] = (s_, d_, mm, tm + m.t_start)
                r["mon"] = m
            file_recs.append(recs)
        merged = [r for recs in file_recs for r in recs]
        merged.sort(key=lambda r: r["arr"])
        for a_, b_ in zip(merged, merged[1:]):
            if b_["arr"] <= a_["arr"]:
                b_["arr"] = a_["arr"] + 0.0005
        fname = mons[g[0]].file
        rends = {}
        stats = {}
        with open(os.path.join(out, fname), "w", newline="") as fh:
            buf = []
            for pos, r in enumerate(merged, 1):
                m = r["mon"]
                rd = rends.get(m.idx)
                if rd is None:
                    rd = rends[m.idx] = Renderer(m, tz_min, seed)
                buf.append(rd.render(r))
                buf.append("\n")
                ev = set(r["ev"])
                if m.gateway:
                    ev.add("gateway")
                if m.nibp_style == "restamp" and r["nibp"] is not None:
                    ev.add("cuff_restamp")
                if placeholder_present(m, r):
                    ev.add("placeholder")
                if not m.tz and tz_min != 0:
                    ev.add("no_tz_offset")
                lab = {"file": fname, "message": pos, "monitor": m.id, "arrival": rfc3339(r["arr"])}
                s = stats.setdefault(m.idx, {"n": 0, "first": None, "last": None, "t0": None, "t1": None})
                s["n"] += 1
                if r["lab"]:
                    kind, param, strength = r["lab"]
                    lab.update(label=kind, parameter=param, episode=m.episode, strength=strength)
                    if s["first"] is None:
                        s["first"], s["t0"] = pos, lab["arrival"]
                    s["last"], s["t1"] = pos, lab["arrival"]
                else:
                    lab.update(label="clean", parameter="", episode=0)
                lab["events"] = ",".join(sorted(ev))
                lab_f.write(json.dumps(lab, separators=(",", ":")) + "\n")
                if len(buf) > 4000:
                    fh.write("".join(buf))
                    buf = []
            fh.write("".join(buf))
        for j in g:
            m = mons[j]
            s = stats[m.idx]
            d = {"id": m.id, "file": m.file, "device": m.eui if not m.gateway else m.gw_eui, "class": m.cls,
                 "care": m.care, "layout": m.layout, "cadence_s": m.cad, "hours": hours,
                 "status": m.status if forged else "clean",
                 "messages": s["n"], "channels": sorted(m.ch), "etco2_unit": m.etco2_unit if "ETCO2" in m.ch else "",
                 "temp_unit": m.temp_unit if "TEMP" in m.ch else "", "nibp_mode": m.nibp_mode,
                 "nibp_every_min": m.nibp_every, "placeholder": m.ph, "clock_skew_s": m.skew,
                 "gateway": m.gateway, "bed": m.bed,
                 "conditions": sorted({e.name for e in m.events})}
            if m.status == "manipulated" and not forged:
                d.update(planned_kind=m.kind, planned_strength=m.strength, planned_parameter=m.param,
                         detail="(unforged twin: no forgery written)")
            elif m.status == "manipulated":
                d.update(kind=m.kind, parameter=m.param, strength=m.strength, episode=m.episode,
                         episode_first=s["first"], episode_last=s["last"], episode_start=s["t0"],
                         episode_end=s["t1"], detail=m.detail)
            mon_lines.append(d)
    lab_f.close()
    mon_lines.sort(key=lambda d: d["id"])
    with open(os.path.join(out, "monitors.jsonl"), "w") as fh:
        for d in mon_lines:
            fh.write(json.dumps(d, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
