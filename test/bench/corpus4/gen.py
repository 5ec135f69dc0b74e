#!/usr/bin/env python3
"""corpus4: a fourth, blind, labelled vital-sign corpus generator for hl7gate (issue 14).

Models the measurement, not just the number: beats (R-R intervals with respiratory sinus
arrhythmia, ectopics, AF, bigeminy, pacing, SVT), pleth pulses (that motion drops or doubles),
breaths on an impedance channel (with cardiogenic artefact when breathing is shallow), etCO2 per
breath, arterial-line beats (flush, zeroing, sampling, damping, transducer height), NIBP cuff
cycles; the displayed numbers are derived the way monitors do (averaging over beats or seconds,
display update quantisation, rounding). See README.md for the model, the attacks and sources.

Python 3 standard library only.  Usage:
    gen.py --seed N --out DIR [--monitors 150] [--hours 4] [--start ISO] [--no-forge]
"""
import argparse
import bisect
import datetime as dt
import hashlib
import json
import math
import os
import random
import sys

KINDS = ["spike", "frozen", "replay", "drift", "too_smooth", "duplicate_control_id", "step",
         "unit_mislabel", "out_of_range", "hr_pr_mismatch", "bp_inconsistent", "time_backwards",
         "time_future", "identity_switch", "nibp_cadence"]

DEFAULT_START = "2026-03-02T06:00:00Z"

# Channels carried in a record's value dict (internal units: /min, %, mmHg, degC).
INT_CH = ("HR", "PR", "SPO2", "RR", "ABPS", "ABPD", "ABPM", "ETCO2")

# ---------------------------------------------------------------- vendor layouts
# code, label, unit per channel and layout.  "mdc": IHE PCD-01 with IEEE 11073 codes (Draeger
# Infinity-style gateway); "nk": LOINC + UCUM (Nihon Kohden-style gateway); "ivue": Philips
# MDIL hex codes (IntelliVue-style: partition-code hex of the MDC code); "spc": vendor mnemonics,
# non-UCUM units (Spacelabs-style).
MDC = {
    "HR": ("147842^MDC_ECG_HEART_RATE^MDC", "264864^MDC_DIM_BEAT_PER_MIN^MDC", "1.1.1.147842"),
    "PR": ("149530^MDC_PULS_OXIM_PULS_RATE^MDC", "264864^MDC_DIM_BEAT_PER_MIN^MDC", "1.2.1.149530"),
    "SPO2": ("150456^MDC_PULS_OXIM_SAT_O2^MDC", "262688^MDC_DIM_PERCENT^MDC", "1.2.1.150456"),
    "RR": ("151562^MDC_RESP_RATE^MDC", "264928^MDC_DIM_RESP_PER_MIN^MDC", "1.3.1.151562"),
    "ETCO2": ("151708^MDC_AWAY_CO2_ET^MDC", "266016^MDC_DIM_MMHG^MDC", "1.4.1.151708"),
    "ABPS": ("150033^MDC_PRESS_BLD_ART_SYS^MDC", "266016^MDC_DIM_MMHG^MDC", "1.5.1.150033"),
    "ABPD": ("150034^MDC_PRESS_BLD_ART_DIA^MDC", "266016^MDC_DIM_MMHG^MDC", "1.5.1.150034"),
    "ABPM": ("150035^MDC_PRESS_BLD_ART_MEAN^MDC", "266016^MDC_DIM_MMHG^MDC", "1.5.1.150035"),
    "TEMP": ("150364^MDC_TEMP_BODY^MDC", "268192^MDC_DIM_DEGC^MDC", "1.6.1.150364"),
    "NBPS": ("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "266016^MDC_DIM_MMHG^MDC", "1.7.1.150021"),
    "NBPD": ("150022^MDC_PRESS_BLD_NONINV_DIA^MDC", "266016^MDC_DIM_MMHG^MDC", "1.7.1.150022"),
    "NBPM": ("150023^MDC_PRESS_BLD_NONINV_MEAN^MDC", "266016^MDC_DIM_MMHG^MDC", "1.7.1.150023"),
}
MDC_KPA = "268800^MDC_DIM_KILO_PASCAL^MDC"
MDC_DEGF = "266560^MDC_DIM_FAHR^MDC"
NK = {
    "HR": ("8867-4^Heart rate^LN", "/min"), "PR": ("8889-8^Heart rate by Pulse oximetry^LN", "/min"),
    "SPO2": ("59408-5^SpO2^LN", "%"), "RR": ("9279-1^Respiratory rate^LN", "/min"),
    "ETCO2": ("19889-5^etCO2^LN", "mm[Hg]"), "ABPS": ("ART-S^ART systolic^NK", "mm[Hg]"),
    "ABPD": ("ART-D^ART diastolic^NK", "mm[Hg]"), "ABPM": ("ART-M^ART mean^NK", "mm[Hg]"),
    "TEMP": ("8310-5^Body temperature^LN", "Cel"), "NBPS": ("8480-6^NIBP systolic^LN", "mm[Hg]"),
    "NBPD": ("8462-4^NIBP diastolic^LN", "mm[Hg]"), "NBPM": ("8478-0^NIBP mean^LN", "mm[Hg]"),
}


def _mdil(ch):
    code = int(MDC[ch][0].split("^")[0])
    unit = int(MDC[ch][1].split("^")[0])
    lab = {"HR": "HR", "PR": "Pulse", "SPO2": "SpO2", "RR": "Resp", "ETCO2": "etCO2", "ABPS": "ABPs",
           "ABPD": "ABPd", "ABPM": "ABPm", "TEMP": "T1", "NBPS": "NBPs", "NBPD": "NBPd", "NBPM": "NBPm"}[ch]
    ulab = {264864: "bpm", 262688: "%", 264928: "rpm", 266016: "mmHg", 268192: "\u00b0C"}[unit]
    ulab = ulab.replace("\u00b0", "")  # ASCII only
    return ("%04x-%04x^%s^MDIL" % (code >> 16, code & 0xFFFF, lab),
            "%04x-%04x^%s^MDIL" % (unit >> 16, unit & 0xFFFF, ulab))


IVUE = {ch: _mdil(ch) for ch in MDC}
SPC = {
    "HR": ("HR^Heart Rate^SL", "bpm"), "PR": ("SPO2-R^Pulse Rate SpO2^SL", "bpm"),
    "SPO2": ("SPO2-%^SpO2^SL", "%"), "RR": ("RESP^Respiration^SL", "rpm"),
    "ETCO2": ("CO2-EX^End Tidal CO2^SL", "mmHg"), "ABPS": ("ART-S^Arterial Sys^SL", "mmHg"),
    "ABPD": ("ART-D^Arterial Dia^SL", "mmHg"), "ABPM": ("ART-M^Arterial Mean^SL", "mmHg"),
    "TEMP": ("TEMP1^Temperature 1^SL", "C"), "NBPS": ("NIBP-S^NIBP Sys^SL", "mmHg"),
    "NBPD": ("NIBP-D^NIBP Dia^SL", "mmHg"), "NBPM": ("NIBP-M^NIBP Mean^SL", "mmHg"),
}

LAYOUTS = {
    # name: (device MSH-3 stem, vendor, placeholder, hr beats averaged, SpO2 averaging s,
    #        RR method, ABP averaging s, NIBP reporting, buffers during outages, ID counter reset at reboot)
    "mdc": dict(pr_n=8, dev="INFINITY_DELTA", vendor="Draeger-style", ph="8388607", hr_n=12, spo2_s=8, rr="mean8",
                abp_s=4, nibp="repeat_time", buffer=True, cid_reset=False, hr_upd=1.0),
    "nk": dict(pr_n=6, dev="NK_BSM6000", vendor="NihonKohden-style", ph="omit", hr_n=8, spo2_s=10, rr="count30",
               abp_s=6, nibp="fresh_only", buffer=False, cid_reset=True, hr_upd=2.0),
    "ivue": dict(pr_n=10, dev="IntelliVue_MX800", vendor="Philips-style", ph="empty_x", hr_n=12, spo2_s=12, rr="mean8",
                 abp_s=5, nibp="repeat_time", buffer=True, cid_reset=False, hr_upd=1.0),
    "spc": dict(pr_n=8, dev="ULTRAVIEW_SL", vendor="Spacelabs-style", ph="-999", hr_n=16, spo2_s=6, rr="count20",
                abp_s=8, nibp="repeat_notime", buffer=False, cid_reset=True, hr_upd=2.0),
}
LAYOUTS["mr"] = dict(pr_n=8, dev="MINDRAY_BENEVIEW", vendor="Mindray-style", ph="-100", hr_n=10, spo2_s=8,
                     rr="count30", abp_s=5, nibp="repeat_time", buffer=False, cid_reset=False, hr_upd=1.0)
LAYOUT_NAMES = ["mdc", "nk", "ivue", "spc", "mr"]
LAYOUT_W = [0.24, 0.22, 0.22, 0.22, 0.10]
# OBX-4 ordinals (MDS.VMD.channel.metric) of the Draeger-style layout (GE B40-like); the Mindray-style
# layout ends OBX-4 with the MDC code instead.
ORD = {"HR": "1.1.1.1", "PR": "1.2.1.2", "SPO2": "1.2.1.1", "RR": "1.3.1.1", "ETCO2": "1.4.1.1",
       "ABPS": "1.5.1.1", "ABPD": "1.5.1.2", "ABPM": "1.5.1.3", "TEMP": "1.6.1.1", "NBPS": "1.7.1.1",
       "NBPD": "1.7.1.2", "NBPM": "1.7.1.3"}
CUFF = {"NBPS": "150301^MDC_PRESS_CUFF_SYS^MDC", "NBPD": "150302^MDC_PRESS_CUFF_DIA^MDC",
        "NBPM": "150303^MDC_PRESS_CUFF_MEAN^MDC"}
SITES = [("Europe", 60), ("US-East", -300), ("Japan", 540)]
CADENCES = [1, 2, 5, 10, 15, 30, 60]
CAD_W = [0.01, 0.03, 0.12, 0.3, 0.22, 0.2, 0.12]

FIRST = ["ANNA", "BEN", "CARLA", "DAVID", "EMMA", "FELIX", "GRACE", "HUGO", "IDA", "JONAS", "KAREN", "LEON",
         "MARIA", "NOAH", "OLGA", "PAUL", "RITA", "SAM", "TANJA", "UWE", "VERA", "WILL", "YUKI", "ZOE", "HARUTO",
         "AOI", "LIAM", "OLIVIA", "MATEO", "SOFIA"]
LAST = ["MUELLER", "SCHMIDT", "TANAKA", "SUZUKI", "SMITH", "JOHNSON", "GARCIA", "BROWN", "WEBER", "WAGNER",
        "SATO", "KOBAYASHI", "MILLER", "DAVIS", "BECKER", "HOFFMANN", "ITO", "WATANABE", "LOPEZ", "MARTIN",
        "KLEIN", "WOLF", "NAKAMURA", "YAMAMOTO", "WILSON", "TAYLOR", "FISCHER", "KOCH", "MOORE", "CLARK"]


def sub_rng(seed, *parts):
    h = hashlib.sha256(("corpus4|%d|" % seed + "|".join(str(p) for p in parts)).encode()).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


# ---------------------------------------------------------------- monitors
def make_population(seed, n_mon, hours):
    rng = sub_rng(seed, "population")
    n_manip = n_mon - round(n_mon / 3)
    order = list(range(n_mon))
    rng.shuffle(order)
    manip_of = {}
    for i, mi in enumerate(sorted(order[:n_manip])):
        manip_of[mi] = (KINDS[i % len(KINDS)], "blatant" if i % 2 == 0 else "subtle")
    mons = []
    for mi in range(n_mon):
        r = sub_rng(seed, "monitor", mi)
        kind, strength = manip_of.get(mi, (None, None))
        mons.append(make_monitor(r, mi, hours, kind, strength))
    return mons


def make_monitor(r, mi, hours, kind, strength):
    u = r.random()
    age = "adult" if u < 0.66 else ("paediatric" if u < 0.82 else "neonatal")
    layout = r.choices(LAYOUT_NAMES, LAYOUT_W)[0]
    if kind == "duplicate_control_id" and layout == "mr":
        layout = "mdc"  # its MSH-10 is always 1: no reuse to forge
    cad = r.choices(CADENCES, CAD_W)[0]
    site, tz = SITES[{"mdc": 0, "nk": 2, "ivue": 0, "spc": 1, "mr": 2}[layout] if r.random() < 0.7 else r.randrange(3)]
    chans = ["HR", "PR", "SPO2", "RR"]
    art = r.random() < (0.55 if age == "adult" else 0.3)
    ventilated = r.random() < (0.4 if age == "adult" else 0.3)
    co2 = ventilated or r.random() < 0.25
    temp = r.random() < 0.7
    nibp = (not art) or r.random() < 0.6
    need = {"bp_inconsistent": "bp", "nibp_cadence": "nibp", "unit_mislabel": "co2_or_temp",
            "hr_pr_mismatch": None}.get(kind)
    if need == "nibp":
        nibp = True
    if need == "bp" and not (art or nibp):
        nibp = True
    if kind == "unit_mislabel":
        if strength == "blatant":
            co2 = True
        else:
            temp = True
    if kind == "step" and strength == "blatant":
        art = True
    if art:
        chans += ["ABPS", "ABPD", "ABPM"]
    if co2:
        chans.append("ETCO2")
    if temp:
        chans.append("TEMP")
    if nibp:
        chans += ["NBPS", "NBPD", "NBPM"]
    kpa = co2 and layout in ("nk", "mdc", "mr") and site != "US-East" and r.random() < 0.5
    nibp_every = r.choice([5, 10, 15, 15, 30, 30, 60]) if nibp else 0
    if kind == "nibp_cadence":
        nibp_every = r.choice([15, 30, 60])
    dev_serial = "%012X" % r.getrandbits(48)
    return dict(
        idx=mi, id="m%04d" % (mi + 1), file="mon-%04d.hl7" % (mi + 1), age=age,
        cls="neonatal" if age == "neonatal" else "adult", layout=layout, cadence=cad, site=site, tz=tz,
        hours=hours, chans=chans, art=art, ventilated=ventilated, co2=co2, temp=temp, nibp=nibp,
        etco2_unit="kPa" if kpa else "mmHg", nibp_every=nibp_every,
        nibp_mode="auto" if nibp else "off", kind=kind, strength=strength,
        clock_skew=round(r.choice([0, 0, 0.4, -1.2, 2.5, -7, 15, -40, 75]) + r.uniform(-0.3, 0.3), 3),
        drift_ppm=r.uniform(-20, 20), serial=dev_serial,
        eui="%06XFFFE%06X" % (r.getrandbits(24), r.getrandbits(24)),
        unit={"adult": "ICU", "paediatric": "PICU", "neonatal": "NICU"}[age],
        bed="%02d" % (mi % 24 + 1), cid0=r.randrange(1, 90000),
    )


# ---------------------------------------------------------------- patients
def make_patient(r, age, ventilated):
    if age == "adult":
        p = dict(hr=r.uniform(58, 98), map=r.uniform(72, 98), pp=r.uniform(38, 62), rr=r.uniform(11, 21),
                 sao2=r.uniform(93.5, 98.8), etco2=r.uniform(33, 43), temp=r.uniform(36.3, 37.4),
                 rsa=r.uniform(0.01, 0.06), hrv=r.uniform(0.01, 0.03), age_y=r.randint(19, 91))
    elif age == "paediatric":
        p = dict(hr=r.uniform(80, 130), map=r.uniform(60, 78), pp=r.uniform(30, 45), rr=r.uniform(18, 32),
                 sao2=r.uniform(94.5, 99.2), etco2=r.uniform(34, 42), temp=r.uniform(36.4, 37.5),
                 rsa=r.uniform(0.03, 0.09), hrv=r.uniform(0.015, 0.035), age_y=r.randint(1, 14))
    else:
        p = dict(hr=r.uniform(125, 165), map=r.uniform(32, 48), pp=r.uniform(18, 28), rr=r.uniform(35, 60),
                 sao2=r.uniform(90.5, 97.5), etco2=r.uniform(36, 48), temp=r.uniform(36.5, 37.4),
                 rsa=r.uniform(0.005, 0.02), hrv=r.uniform(0.015, 0.035), age_y=0)
    u = r.random()
    if age == "adult" and u < 0.12:
        p["rhythm"] = "af"
    elif age == "adult" and u < 0.18:
        p["rhythm"] = "paced"
        p["pace"] = r.choice([60, 70, 70, 80])
        p["hr"] = min(p["hr"], p["pace"] - 5)
    elif age == "adult" and u < 0.22:
        p["rhythm"] = "bigeminy"
    else:
        p["rhythm"] = "sinus"
    p["pvc"] = r.choice([0.0, 0.002, 0.005, 0.01, 0.03]) if age != "neonatal" else r.choice([0.0, 0.001])
    p["vent_rate"] = (r.choice([12, 14, 16, 18, 20]) if age == "adult" else r.choice([20, 24, 30, 40])) if ventilated else 0
    p["sex"] = r.choice("MF")
    p["first"] = r.choice(FIRST)
    p["last"] = r.choice(LAST)
    p["mrn"] = "%08d" % r.randrange(10 ** 7, 10 ** 8)
    p["dob"] = "%04d%02d%02d" % (2026 - p["age_y"], r.randint(1, 12), r.randint(1, 28))
    p["shallow_thr"] = r.uniform(0.35, 0.5)
    return p


# ---------------------------------------------------------------- genuine conditions (events)
def ev(name, t0, t1, ramp=0.0, **fx):
    return dict(name=name, t0=t0, t1=t1, ramp=max(ramp, 1e-6), fx=fx)


def make_events(r, m, T):
    """Genuine conditions over [0, T) seconds: physiology, artefacts, device and ADT events."""
    age, E = m["age"], []
    adult = age == "adult"

    def at(lo=0.02, hi=0.95):
        return r.uniform(lo, hi) * T

    n_phys = r.randint(2, 5)
    pool = ["sleep", "fever", "sedation", "motion", "motion", "probe_off", "suction", "cough", "brady", "leads_off"]
    if adult:
        pool += ["sepsis", "haemorrhage", "vasopressor", "beta_blocker", "opioid", "af_onset", "svt"]
    else:
        pool += ["crying", "crying", "opioid", "svt"]
    if age == "neonatal":
        pool += ["abd", "abd", "abd"]
    if m["ventilated"]:
        pool += ["vent_rate", "vent_rate"]
    if m["art"]:
        pool += ["art_flush", "art_zero", "art_sample", "art_damp", "art_height", "art_height"]
    if m["temp"]:
        pool += ["temp_probe_off"]
    if m["nibp"]:
        pool += ["nibp_stat", "nibp_manual", "nibp_interval"]
    for _ in range(n_phys):
        name = r.choice(pool)
        t0 = at()
        if name == "sleep":
            E.append(ev("sleep", t0, t0 + r.uniform(3600, 3 * 3600), 600, hr=-0.07, map=-5, rr=-2, sao2=-0.8, rsa=1.6))
        elif name == "fever":
            d = r.uniform(1.0, 2.0)
            E.append(ev("fever", t0, t0 + r.uniform(2, 5) * 3600, 3600, temp=d, hr=0.1 * d, rr=3 * d, etco2=1))
        elif name == "sepsis":
            E.append(ev("sepsis", t0, T * 3, r.uniform(3600, 7200), hr=0.3, map=-r.uniform(12, 22), rr=8,
                        temp=1.3, sao2=-2, pp=0.15))
        elif name == "haemorrhage":
            t1 = t0 + r.uniform(1800, 5400)
            E.append(ev("haemorrhage", t0, t1, r.uniform(1200, 2400), hr=0.4, map=-r.uniform(15, 28), pp=-0.3, rr=5))
        elif name == "sedation":
            E.append(ev("sedation", t0, t0 + r.uniform(1800, 3600), r.uniform(120, 300), hr=-0.1, map=-r.uniform(8, 18),
                        rr=-4, shallow=0.6, etco2=4, sao2=-1))
        elif name == "vasopressor":
            E.append(ev("vasopressor", t0, T * 3, r.uniform(400, 900), map=r.uniform(12, 25), hr=-0.05))
        elif name == "beta_blocker":
            E.append(ev("beta_blocker", t0, T * 3, r.uniform(900, 1800), hr=-0.25, map=-6))
        elif name == "opioid":
            E.append(ev("opioid", t0, t0 + r.uniform(3600, 7200), r.uniform(200, 600), rr=-0.4, etco2=8, sao2=-2,
                        shallow=0.5, hr=-0.05))
        elif name == "af_onset":
            E.append(ev("af", t0, t0 + r.uniform(1800, 7200), 30, hr=r.uniform(0.3, 0.7), rhythm="af", map=-5))
        elif name == "svt":
            rate = r.uniform(170, 215) if adult else r.uniform(220, 270)
            E.append(ev("svt", t0, t0 + r.uniform(60, 900), 3, rhythm="svt", rate=rate, map=-8))
        elif name == "brady":
            E.append(ev("brady", t0, t0 + r.uniform(60, 600), 20, hr=-0.4, map=-10))
        elif name == "motion":
            E.append(ev("motion", t0, t0 + r.uniform(60, 420), 1, motion=1, hr=0.08))
        elif name == "leads_off":
            E.append(ev("leads_off", t0, t0 + r.uniform(30, 300), 1, leads_off=1))
        elif name == "probe_off":
            E.append(ev("probe_off", t0, t0 + r.uniform(40, 900), 1, probe_off=1))
        elif name == "suction":
            E.append(ev("suction", t0, t0 + r.uniform(60, 180), 20, hr=(0.15 if age != "neonatal" else -0.35),
                        sao2=-r.uniform(4, 10), motion=1, cough=1, map=8))
        elif name == "cough":
            E.append(ev("cough", t0, t0 + r.uniform(20, 90), 2, cough=1, motion=1, hr=0.1))
        elif name == "crying":
            E.append(ev("crying", t0, t0 + r.uniform(120, 900), 20, hr=0.25, rr=15, motion=1, sao2=-2, map=6, crying=1))
        elif name == "abd":
            for _k in range(r.randint(2, 6)):
                ta = at()
                d = r.uniform(15, 40)
                E.append(ev("apnoea", ta, ta + d, 2, apnoea=1))
                E.append(ev("bradycardia", ta + d * 0.6, ta + d + r.uniform(10, 30), 5, hr=-0.45))
                E.append(ev("desaturation", ta + d * 0.5, ta + d + r.uniform(20, 50), 8, sao2=-r.uniform(8, 20)))
        elif name == "vent_rate":
            E.append(ev("vent_rate_change", t0, T * 3, 0.5, vent=r.choice([-6, -4, 4, 6, 8])))
        elif name == "art_flush":
            for _k in range(r.randint(1, 4)):
                tf = at()
                E.append(ev("art_flush", tf, tf + r.uniform(2, 6), 0.1, flush=1))
        elif name == "art_zero":
            E.append(ev("art_zero", t0, t0 + r.uniform(15, 60), 0.1, zero=1))
        elif name == "art_sample":
            E.append(ev("art_sample", t0, t0 + r.uniform(25, 90), 0.1, sample=1))
        elif name == "art_damp":
            E.append(ev("art_damped", t0, t0 + r.uniform(1200, 5400), 300, damp=0.5))
        elif name == "art_height":
            off = r.choice([-1, 1]) * r.uniform(6, 15)  # 0.74 mmHg per cm, transducer 8-20 cm off
            E.append(ev("transducer_height", t0, t0 + r.uniform(900, 4 * 3600), 0.5, hoff=off))
        elif name == "temp_probe_off":
            E.append(ev("temp_probe_off", t0, t0 + r.uniform(600, 2400), 300, temp_off=1))
        elif name == "nibp_stat":
            E.append(ev("nibp_stat", t0, t0 + r.uniform(240, 420), 0.1, nibp_stat=1))
        elif name == "nibp_manual":
            for _k in range(r.randint(1, 3)):
                tm = at()
                E.append(ev("nibp_manual", tm, tm + 40, 0.1, nibp_manual=1))
        elif name == "nibp_interval":
            E.append(ev("nibp_interval_change", t0, T * 3, 0.1, nibp_every=r.choice([5, 10, 15, 30])))
    # device and network events (not in the kinds' own windows; handled in sim)
    dev = []
    if r.random() < 0.35:
        t0 = at(0.1, 0.9)
        dev.append(ev("outage", t0, t0 + r.uniform(60, 900)))
    if r.random() < 0.15:
        t0 = at(0.1, 0.9)
        dev.append(ev("reboot", t0, t0 + r.uniform(60, 200)))
    if r.random() < 0.25:
        dev.append(ev("clock_step", at(0.1, 0.9), T * 3, step=r.choice([-1, 1]) * r.uniform(1.5, 45)))
    n_rt = r.choice([0, 0, 0, 1, 2, 3])
    for _ in range(n_rt):
        dev.append(ev("retransmit", at(), 0))
    adt = []
    if r.random() < 0.08:
        adt.append(ev("unidentified_admission", 0, at(0.1, 0.6)))
    elif r.random() < 0.08:
        t0 = at(0.3, 0.7)
        adt.append(ev("bed_turnover", t0, t0 + r.uniform(900, 2700)))
    return E, dev, adt


def envelope(e, t):
    if t < e["t0"] or t >= e["t1"]:
        return 0.0
    a = (t - e["t0"]) / e["ramp"]
    b = (e["t1"] - t) / e["ramp"]
    return min(1.0, a, b)


# ---------------------------------------------------------------- simulation
class Sim:
    """One monitor: genuine physiology -> beats/breaths -> displayed numbers."""

    def __init__(self, m, r, T):
        self.m, self.r, self.T = m, r, T
        self.L = LAYOUTS[m["layout"]]
        self.beats = []   # (t, rr, perfused, sys, dia)
        self.breaths = []  # (t, amp, etco2peak)
        self.bt = -1e9
        self.brt = -1e9
        self.spo2f = None
        self.ou = dict(hr=0.0, hrf=0.0, map=0.0, rr=0.0, sao2=0.0, temp=0.0, etco2=0.0)
        self.last_t = None
        self.nibp = None
        self.nibp_next = None
        self.pr_hold = None
        self.probe_t = None
        self.apnoea_since = None
        self.cardio_until = -1.0
        self.same_limb = m["nibp"] and r.random() < 0.3  # NIBP cuff on the arm with the SpO2 probe
        self.cuff = (-1.0, -1.0)

    def ou_step(self, dt_):
        r, o = self.r, self.ou
        for k, tau, sd in (("hr", 900.0, 0.05), ("hrf", 40.0, 0.02), ("map", 1200.0, 5.0), ("rr", 600.0, 0.12),
                           ("sao2", 600.0, 0.8), ("temp", 2400.0, 0.15), ("etco2", 900.0, 1.5)):
            a = math.exp(-dt_ / tau)
            o[k] = o[k] * a + sd * math.sqrt(1 - a * a) * r.gauss(0, 1)

    def state(self, p, events, t):
        """True (underlying) values and active flags at time t."""
        o = self.ou
        hr_rel, mapd, ppm, rr_add, rr_rel, sao2d, et, tempd = 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
        fl = {}
        active = []
        for e in events:
            if e["t0"] <= t < e["t1"]:
                w = envelope(e, t)
                if w <= 0:
                    continue
                active.append(e["name"])
                fx = e["fx"]
                for k, v in fx.items():
                    if k == "hr":
                        hr_rel += v * w
                    elif k == "map":
                        mapd += v * w
                    elif k == "pp":
                        ppm += v * w
                    elif k == "rr":
                        if -1 < v < 0:
                            rr_rel += v * w
                        else:
                            rr_add += v * w
                    elif k == "sao2":
                        sao2d += v * w
                    elif k == "etco2":
                        et += v * w
                    elif k == "temp":
                        tempd += v * w
                    elif k in ("rhythm", "rate"):
                        fl[k] = v
                    else:
                        fl[k] = fl.get(k, 0) + (v * w if isinstance(v, (int, float)) else 0)
        hr = p["hr"] * (1 + o["hr"] + o["hrf"] + hr_rel)
        if self.m["age"] == "neonatal":
            hr = max(hr, 60)
        else:
            hr = max(hr, 32)
        mp = p["map"] + o["map"] + mapd
        pp = p["pp"] * (1 + ppm)
        rr = max(2.0, p["rr"] * (1 + o["rr"] + rr_rel) + rr_add)
        sao2 = min(100.0, p["sao2"] + o["sao2"] + sao2d)
        temp = p["temp"] + o["temp"] + tempd
        etco2 = max(5.0, p["etco2"] + o["etco2"] + et)
        return hr, mp, pp, rr, sao2, etco2, temp, fl, active

    def gen_beats(self, p, t, W, hr, sysv, diav, fl, rr_true):
        """Extend the beat list up to time t (only the last W seconds are needed)."""
        r = self.r
        rhythm = fl.get("rhythm", p["rhythm"])
        if self.bt < t - W:
            self.bt = t - W - r.random() * 60.0 / hr
            self.beats = []
            self.prev_pvc = False
        base = 60.0 / hr
        if rhythm == "svt":
            base = 60.0 / fl.get("rate", 190)
        elif rhythm == "paced" and hr < p.get("pace", 70):
            base = 60.0 / p["pace"]
        f_resp = rr_true / 60.0
        rsa = p["rsa"] * fl.get("rsa", 1.0) if "rsa" in fl else p["rsa"]
        ppv = 2.0 + (4.0 if self.m["ventilated"] else 1.0) + 4 * fl.get("damp", 0) * 0
        damp = fl.get("damp", 0)
        hoff = fl.get("hoff", 0)
        motion = fl.get("motion", 0) > 0.5
        beats = self.beats
        bt = self.bt
        pvc_p = p["pvc"]
        while True:
            ph = math.sin(6.283185307 * f_resp * bt)
            perf = True
            s_adj = 0.0
            if rhythm == "af":
                rr = base * math.exp(r.gauss(0, 0.22))
                if rr < 0.7 * base:
                    perf = r.random() < 0.3
                    s_adj = -20
            elif rhythm == "svt":
                rr = base * (1 + r.gauss(0, 0.006))
            elif rhythm == "paced" and hr < p.get("pace", 70):
                rr = base * (1 + r.gauss(0, 0.0015))
            elif rhythm == "bigeminy":
                if self.prev_pvc:
                    rr = base * 1.35 * (1 + r.gauss(0, 0.02))
                    self.prev_pvc = False
                else:
                    rr = base * 0.65 * (1 + r.gauss(0, 0.02))
                    self.prev_pvc = True
                    perf = r.random() < 0.15
                    s_adj = -30
            else:
                if self.prev_pvc:
                    rr = base * 1.4
                    self.prev_pvc = False
                elif pvc_p and r.random() < pvc_p:
                    rr = base * 0.6
                    self.prev_pvc = True
                    perf = r.random() < 0.3
                    s_adj = -25
                else:
                    rr = base * (1 + rsa * ph + r.gauss(0, p["hrv"]))
            if not rr > 0:
                raise ValueError("corpus4: R-R interval %r at t=%.1f (hr %r)" % (rr, t, hr))
            bt += rr
            if bt > t:
                bt -= rr
                break
            s = sysv + ppv * ph + r.gauss(0, 1.3) + s_adj
            d = diav + 0.35 * ppv * ph + r.gauss(0, 0.9) + s_adj * 0.3
            if damp:
                mean = d + (s - d) / 3
                s, d = mean + (s - mean) * (1 - damp), mean + (d - mean) * (1 - damp)
            if motion and r.random() < 0.07:
                # ECG motion artefact detected as an extra QRS inside this R-R interval (no pulse)
                u = r.uniform(0.3, 0.7)
                beats.append((bt - rr * (1 - u), rr * u, False, s + hoff, d + hoff))
                rr = rr * (1 - u)
            beats.append((bt, rr, perf, s + hoff, d + hoff))
        self.bt = bt
        if len(beats) > 80:
            del beats[:-60]

    def gen_breaths(self, p, t, W, rr_true, etco2, fl):
        r = self.r
        if self.brt < t - W:
            self.brt = t - W - r.random() * 60.0 / rr_true
            self.breaths = []
        vent = p["vent_rate"] + fl.get("vent", 0) if p["vent_rate"] else 0
        if vent < 0:
            # several rate changes turned down past zero (e.g. 16 - 3 x 6): the ventilator delivers no
            # mandatory breaths and the patient breathes on its own, as at exactly zero.  A negative
            # interval would never reach t: an unbounded breath list (seed 105's m0025).
            vent = 0
        shallow = fl.get("shallow", 0)
        apnoea = fl.get("apnoea", 0) > 0.5
        brt = self.brt
        br = self.breaths
        cv = 0.12 if self.m["age"] == "adult" else 0.22
        if "sleep" in fl or fl.get("rsa", 0) > 1:
            cv *= 0.7
        while True:
            if vent:
                iv = 60.0 / vent * (1 + r.gauss(0, 0.01))
                if r.random() < 0.06:  # patient-triggered extra breath
                    iv *= r.uniform(0.4, 0.7)
                amp = 1.0
            else:
                iv = 60.0 / rr_true * math.exp(r.gauss(0, cv))
                amp = max(0.05, (1 - 0.8 * shallow) * math.exp(r.gauss(0, 0.25)))
            if apnoea and not vent:
                iv = max(iv, 12.0)
                amp = 0.05
            if not iv > 0:
                raise ValueError("corpus4: breath interval %r at t=%.1f (vent %r, rr %r)" % (iv, t, vent, rr_true))
            brt += iv
            if brt > t:
                brt -= iv
                break
            peak = etco2 * (0.55 + 0.45 * min(1.0, amp * 1.3)) + r.gauss(0, 0.7)
            br.append((brt, amp, peak))
        self.brt = brt
        if len(br) > 60:
            del br[:-40]

    def nibp_measure(self, p, t, sysv, diav, mp, fl):
        r = self.r
        if fl.get("motion", 0) > 0.5 and r.random() < 0.5:
            return None  # failed measurement (motion)
        m_ = mp + r.gauss(0, 3.0)
        s_ = sysv + r.gauss(0, 5.0) + 2
        d_ = diav + r.gauss(0, 4.0) + 3
        s_ = max(s_, m_ + 4)
        d_ = min(d_, m_ - 3)
        return (round(s_), round(d_), round(m_), t)

    def run(self, p_list, events, dev, adt):
        """Genuine records: list of dicts in arrival order."""
        m, r, T, L = self.m, self.r, self.T, self.L
        cad = m["cadence"]
        recs = []
        t = r.uniform(0, cad)
        outage = [e for e in dev if e["name"] == "outage"]
        reboot = [e for e in dev if e["name"] == "reboot"]
        turn = [e for e in adt if e["name"] == "bed_turnover"]
        unid = [e for e in adt if e["name"] == "unidentified_admission"]
        steps = sorted((e["t0"], e["fx"]["step"]) for e in dev if e["name"] == "clock_step")
        retx = sorted(e["t0"] for e in dev if e["name"] == "retransmit")
        nibp_every = m["nibp_every"] * 60.0
        self.nibp_next = r.uniform(0, nibp_every) if m["nibp"] else None
        nibp_meas = []  # pending measurement completions: (t_done,)
        cid = m["cid0"]
        hr_n = L["hr_n"]
        pr_n = L["pr_n"]
        ptt = r.uniform(0.15, 0.3) if m["age"] == "adult" else r.uniform(0.08, 0.15)
        spo2_s = L["spo2_s"]
        hr_W = max(12.0, hr_n * 60.0 / 60.0 * 1.6 + 4)
        backlog = []
        pending = set()  # device events between the previous message and this one
        self.last_sent = None
        p = p_list[0]
        pi = 0
        retx_i = 0
        temp_hold = None
        while t < T:
            # ADT: bed turnover -> second patient after a standby gap
            if turn and t >= turn[0]["t0"] and pi == 0:
                if t < turn[0]["t1"]:
                    t += cad
                    continue
                pi = 1
                p = p_list[1]
                for k in self.ou:
                    self.ou[k] = 0.0
                self.bt = self.brt = -1e9
                self.spo2f = None
                self.nibp = None
            in_reboot = any(e["t0"] <= t < e["t1"] for e in reboot)
            if in_reboot:
                t += cad
                if m["layout"] in ("nk", "spc"):
                    cid = 0
                pending.add("reboot")
                continue
            dt_ = cad if self.last_t is None else t - self.last_t
            self.last_t = t
            self.ou_step(dt_)
            hr, mp, pp, rr_true, sao2, etco2, temp, fl, active = self.state(p, events, t)
            sysv = mp + 2 * pp / 3
            diav = mp - pp / 3
            # beats
            W = max(hr_W, spo2_s + 4, L["abp_s"] + 2, 60.0 * hr_n / hr + 3)
            self.gen_beats(p, t, W, hr, sysv, diav, fl, rr_true)
            limit = t - (t % L["hr_upd"])
            bs = self.beats
            j = len(bs)
            while j > 0 and bs[j - 1][0] > limit:
                j -= 1
            vals = {}
            if j >= 2:
                n = min(hr_n, j)
                tot = 0.0
                for k in range(j - n, j):
                    tot += bs[k][1]
                hrd = 60.0 * n / tot
                vals["HR"] = hrd
            # pleth pulses -> PR, SpO2
            probe_off = fl.get("probe_off", 0) > 0.5
            if self.same_limb and self.cuff[0] <= t <= self.cuff[1]:
                probe_off = True  # the inflated cuff occludes the oximeter's arm
                active = active + ["nibp_same_limb"]
            if probe_off:
                if self.probe_t is None:
                    self.probe_t = t
                if t - self.probe_t <= 10 and self.pr_hold:
                    vals["PR"], vals["SPO2"] = self.pr_hold
                else:
                    vals["PR"] = vals["SPO2"] = None
            else:
                self.probe_t = None
                motion = fl.get("motion", 0) > 0.5
                # the oximeter sees the pulse a transit time after the R wave, with its own jitter, and
                # updates on its own clock (0.5 s after the ECG's)
                lim2 = t - ((t - 0.5) % 1.0)
                pulses = [b[0] + ptt + r.gauss(0, 0.018) for b in bs if b[2] and b[0] + ptt <= lim2]
                if motion:
                    q = []
                    for x in pulses:
                        u = r.random()
                        if u < 0.22:
                            continue
                        if u > 0.82 and q:
                            q.append((q[-1] + x) / 2)
                        q.append(x)
                    pulses = q
                pulses = pulses[-(pr_n + 1):]
                if len(pulses) >= 3:
                    pr = 60.0 * (len(pulses) - 1) / (pulses[-1] - pulses[0])
                    vals["PR"] = min(300.0, max(20.0, pr))  # the oximeter's display range
                else:
                    vals["PR"] = None
                npuls = max(1, len(pulses))
                raw = sao2 + r.gauss(0, 1.4 / math.sqrt(npuls) * (2.5 if motion else 1.0)) - (r.uniform(0, 6) if motion else 0)
                a = 1 - math.exp(-dt_ / spo2_s) if self.spo2f is not None else 1.0
                self.spo2f = raw if self.spo2f is None else self.spo2f + a * (raw - self.spo2f)
                vals["SPO2"] = min(100.0, self.spo2f)
                if vals["PR"] is not None:
                    self.pr_hold = (vals["PR"], vals["SPO2"])
            # arterial line
            if m["art"]:
                lo = limit - L["abp_s"]
                ss = dd = 0.0
                nb = 0
                for k in range(j - 1, -1, -1):
                    b = bs[k]
                    if b[0] < lo:
                        break
                    ss += b[3]
                    dd += b[4]
                    nb += 1
                if nb:
                    s_, d_ = ss / nb, dd / nb
                    m_ = d_ + (s_ - d_) * 0.36
                    if fl.get("zero", 0) > 0.5:
                        s_ = d_ = m_ = 0.0
                    elif fl.get("sample", 0) > 0.5:
                        s_ = d_ = m_ = 300.0 if (int(t) // 1000) % 2 else m_
                    elif fl.get("flush", 0) > 0.5:
                        s_, d_, m_ = 300.0, max(d_, 200.0), 260.0
                    elif fl.get("cough", 0) > 0.5 and r.random() < 0.5:
                        s_ += r.uniform(10, 40)
                        m_ += r.uniform(3, 12)
                    vals["ABPS"], vals["ABPD"], vals["ABPM"] = s_, d_, m_
                else:
                    vals["ABPS"] = vals["ABPD"] = vals["ABPM"] = None
            # breaths -> RR (impedance), etCO2
            rmode = L["rr"]
            Wr = 30.0 if rmode != "count20" else 20.0
            self.gen_breaths(p, t, max(Wr, 40.0), rr_true, etco2, fl)
            brs = self.breaths
            det = [b for b in brs if b[0] > t - Wr and (b[1] >= p["shallow_thr"] or p["vent_rate"])]
            # shallow breathing: the detector may lock onto the cardiogenic oscillation (slow hearts only; the
            # respiration filter removes faster ones)
            cardio = False
            if fl.get("shallow", 0) > 0.3 and not p["vent_rate"] and len(det) < 3 and hr < 115:
                if t >= self.cardio_until and r.random() < min(1.0, dt_ / 240.0):
                    self.cardio_until = t + r.uniform(30, 180)  # a lock lasts half a minute to 3 minutes
                cardio = t < self.cardio_until
            if cardio:
                # the detector locks onto the cardiogenic oscillation: it counts heartbeats
                det_t = [b[0] for b in bs[:j] if b[0] > t - 10]
            else:
                det_t = [b[0] for b in det]
            if fl.get("cough", 0) > 0.5 or fl.get("crying", 0) > 0.5:
                det_t = sorted(det_t + [t - r.uniform(0, Wr) for _ in range(r.randint(0, 4))])
            if rmode.startswith("mean"):
                dd_ = det_t[-9:]
                vals["RR"] = 60.0 * (len(dd_) - 1) / (dd_[-1] - dd_[0]) if len(dd_) >= 3 else 0.0
            else:
                span = 10.0 if cardio else Wr
                vals["RR"] = len([x for x in det_t if x > t - span]) * 60.0 / span
            if fl.get("leads_off", 0) > 0.5:
                vals["HR"] = None  # ECG leads off: no HR, and no impedance RR (same electrodes)
                vals["RR"] = None
            if m["co2"]:
                pk = [b[2] for b in brs if b[0] > t - 12]
                vals["ETCO2"] = max(pk) if pk else 0.0
            if m["temp"]:
                if fl.get("temp_off", 0) > 0:
                    temp = temp - fl["temp_off"] * (temp - 31.0) * 0.7
                vals["TEMP"] = temp
            # NIBP cuff cycles
            fresh = False
            if m["nibp"]:
                ev_every = None
                for e in events:
                    if e["name"] == "nibp_interval_change" and t >= e["t0"]:
                        ev_every = e["fx"]["nibp_every"] * 60.0
                every = ev_every or nibp_every
                stat = fl.get("nibp_stat", 0) > 0.5
                manual = fl.get("nibp_manual", 0) > 0.5
                if stat and (self.nibp is None or t - self.nibp[3] > r.uniform(40, 70)):
                    self.nibp_next = min(self.nibp_next, t)
                if manual and (self.nibp is None or t - self.nibp[3] > 60):
                    self.nibp_next = min(self.nibp_next, t)
                if t >= self.nibp_next:
                    dur = r.uniform(25, 45) if m["age"] != "neonatal" else r.uniform(15, 30)
                    mres = self.nibp_measure(p, self.nibp_next + dur, sysv, diav, mp, fl)
                    self.cuff = (self.nibp_next + 5, self.nibp_next + dur)
                    if mres is None:
                        self.nibp_next = t + r.uniform(30, 60)  # retry after a failed cycle
                    else:
                        # the result appears once the cuff cycle is over
                        nibp_meas.append(mres)
                        k0 = self.nibp_next
                        self.nibp_next = k0 + every if not stat else k0 + r.uniform(45, 70)
                        if self.nibp_next <= t:
                            self.nibp_next = t + every
                while nibp_meas and nibp_meas[0][3] <= t:
                    self.nibp = nibp_meas.pop(0)
                    fresh = True
            # device clock
            skew = m["clock_skew"] + t * m["drift_ppm"] * 1e-6
            for ts_, st in steps:
                if t >= ts_:
                    skew += st
            jitter = r.uniform(0.0, 0.05)
            ts = t + skew + jitter
            cid += 1
            ident = p
            if unid and t < unid[0]["t1"]:
                ident = dict(p, first="UNKNOWN", last="TRAUMA%s" % m["bed"], mrn="T%07d" % (int(p["mrn"]) % 10 ** 7),
                             dob="", sex="U")
            evs = [a for a in active if a not in ("nibp_interval_change",)]
            for ts_, st in steps:
                if self.last_sent is not None and self.last_sent < ts_ <= t:
                    pending.add("clock_step")
            self.last_sent = t
            evs += sorted(pending)
            pending = set()
            if unid and t < unid[0]["t1"]:
                evs.append("unidentified_patient")
            elif unid and t < unid[0]["t1"] + 900:
                evs.append("patient_identified")
            if turn and pi == 1 and t < turn[0]["t1"] + 1800:
                evs.append("bed_turnover")
            if p["rhythm"] != "sinus" and not any(x in evs for x in ("af", "svt")):
                evs.append(p["rhythm"])
            if p["vent_rate"]:
                evs.append("ventilated")
            lat = r.uniform(0.004, 0.08) + (r.expovariate(5.0) if r.random() < 0.05 else 0)
            rec = dict(t=t, ts=ts, arr=t + jitter + lat, cid=cid, pid=(ident["mrn"], ident["last"], ident["first"],
                       ident["dob"], ident["sex"]), v=vals, nibp=self.nibp, fresh=fresh, ev=evs, mis=None,
                       tshift=0.0, dup=-1)
            for ch in INT_CH:
                if ch in vals and vals[ch] is not None and ch != "ETCO2":
                    vals[ch] = int(round(vals[ch]))
            if "SPO2" in vals and vals["SPO2"] is not None:
                vals["SPO2"] = min(100, vals["SPO2"])
            # outage: buffered (delivered late in a burst) or lost
            out = None
            for e in outage:
                if e["t0"] <= t < e["t1"]:
                    out = e
            if out is not None:
                if L["buffer"] and t > out["t1"] - 300:
                    backlog.append(rec)
                else:
                    pending.add("outage")
                t += cad
                continue
            if backlog:
                base_arr = rec["arr"] - 0.2
                for i_, b in enumerate(backlog):
                    b["arr"] = base_arr - 0.05 * (len(backlog) - i_) + 0.001
                    b["ev"] = b["ev"] + ["backlog_flush"]
                    recs.append(b)
                backlog = []
            recs.append(rec)
            # retransmission after a lost ACK: the same message again
            while retx_i < len(retx) and retx[retx_i] <= t:
                retx_i += 1
                dup = dict(rec, arr=rec["arr"] + min(cad * 0.6, r.uniform(0.5, 5.0)), dup=len(recs) - 1,
                           ev=rec["ev"] + ["retransmission"])
                recs.append(dup)
            t += cad
        for i_ in range(1, len(recs)):  # arrival strictly increasing
            if recs[i_]["arr"] <= recs[i_ - 1]["arr"]:
                recs[i_]["arr"] = recs[i_ - 1]["arr"] + 0.001
        return recs


# ---------------------------------------------------------------- rendering
def fmt_ts(epoch, layout, tz_min, ms=False):
    if layout == "ivue":
        d = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
        return d.strftime("%Y%m%d%H%M%S") + ".%03d+0000" % (d.microsecond // 1000)
    d = dt.datetime.fromtimestamp(epoch + tz_min * 60, dt.timezone.utc)
    s = d.strftime("%Y%m%d%H%M%S")
    if layout in ("mdc", "mr"):
        sign = "+" if tz_min >= 0 else "-"
        return s + "%s%02d%02d" % (sign, abs(tz_min) // 60, abs(tz_min) % 60)
    return s


class Renderer:
    def __init__(self, m, epoch0):
        self.m = m
        self.e0 = epoch0
        self.lay = m["layout"]
        self.L = LAYOUTS[self.lay]
        lim = {"adult": dict(HR=(50, 120), SPO2=(90, 100), RR=(8, 30), ABPS=(90, 160), ABPD=(40, 90),
                             ABPM=(60, 110), ETCO2=(25, 50), PR=(50, 120), TEMP=(35, 38.5)),
               "paediatric": dict(HR=(70, 160), SPO2=(92, 100), RR=(14, 40), ABPS=(75, 130), ABPD=(35, 80),
                                  ABPM=(50, 95), ETCO2=(25, 50), PR=(70, 160), TEMP=(35, 38.5)),
               "neonatal": dict(HR=(100, 200), SPO2=(88, 97), RR=(25, 80), ABPS=(40, 80), ABPD=(20, 55),
                                ABPM=(28, 60), ETCO2=(25, 55), PR=(100, 200), TEMP=(36, 38))}[m["age"]]
        self.lim = lim
        self.cache = {}

    def val(self, ch, v, mis):
        """Displayed text of a value and its unit key (alternate unit when mislabelled)."""
        if ch == "TEMP":
            if mis and "TEMP" in mis:
                return "%.1f" % (v * 9 / 5 + 32)
            return "%.1f" % v
        if ch == "ETCO2":
            kpa = self.m["etco2_unit"] == "kPa"
            if mis and "ETCO2" in mis:
                kpa = not kpa
            return "%.1f" % (v * 0.13332) if kpa else "%d" % round(v)
        return "%d" % v

    def render(self, rec):
        m, lay, L = self.m, self.lay, self.L
        ts = rec["ts"] + rec["tshift"] + self.e0
        tz = m["tz"]
        st = fmt_ts(ts, lay, tz)
        cid = self.cid(rec["cid"])
        mrn, last, first, dob, sex = rec["pid"]
        v = rec["v"]
        mis = rec["mis"]
        segs = []
        if lay == "mdc":
            segs.append("MSH|^~\\&|%s^%s^EUI-64|DRAEGER|CIS|%s|%s||ORU^R01^ORU_R01|%s|P|2.6|||NE|AL||UNICODE UTF-8|||"
                        "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO" % (L["dev"], m["eui"], m["unit"], st, cid))
            segs.append("PID|||%s^^^HOSP^MR||%s^%s^^^^^L||%s|%s" % (mrn, last, first, dob, sex))
            segs.append("PV1||I|%s^^%s" % (m["unit"], m["bed"]))
            segs.append("OBR|1|%s^%s|%s^%s|182777000^monitoring of patient^SCT|||%s" % (cid, L["dev"], cid, L["dev"], st))
            segs.append("OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0||||||X|||||||%s^EUI-64" % m["eui"])
        elif lay == "mr":
            segs.append("MSH|^~\\&|%s^%s^EUI-64|||%s|%s||ORU^R01^ORU_R01|1|P|2.6|||AL|NE||UNICODE UTF-8|||"
                        "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO" % (L["dev"], m["eui"], m["unit"], st))
            segs.append("PID|||%s^^^^MR||%s^%s||%s|%s" % (mrn, last, first, dob, sex))
            segs.append("PV1||I|%s^%s^%s" % (m["unit"], m["bed"], m["bed"]))
            segs.append("OBR|1|||182777000^monitoring of patient^SCT|||%s" % st)
        elif lay == "nk":
            segs.append("MSH|^~\\&|%s^%s|NKGATEWAY|HIS|%s|%s||ORU^R01|%s|P|2.5|||AL|NE" % (L["dev"], m["serial"], m["unit"], st, cid))
            segs.append("PID|1||%s||%s^%s||%s|%s" % (mrn, last, first, dob, sex))
            segs.append("PV1|1|I|%s^%s^%s" % (m["unit"], m["bed"], "A"))
            segs.append("OBR|1|||VITALS^Vital signs^L|||%s" % st)
        elif lay == "ivue":
            segs.append("MSH|^~\\&|%s^%s|PIIC|CIS|%s|%s||ORU^R01|%s|P|2.3" % (L["dev"], m["serial"], m["unit"], st, cid))
            segs.append("PID|||%s||%s^%s||%s|%s" % (mrn, last, first, dob, sex))
            segs.append("PV1||I|%s^%s^%s" % (m["unit"], m["bed"], m["bed"]))
            segs.append("OBR|||||||%s" % st)
        else:
            segs.append("MSH|^~\\&|%s|%s|ICUCENTRAL|HOSP|%s||ORU^R01|%s|P|2.4" % (L["dev"], m["unit"] + m["bed"], st, cid))
            segs.append("PID|||%s||%s^%s||%s|%s" % (mrn, last, first, dob, sex))
            segs.append("PV1||I|%s^^%s" % (m["unit"], m["bed"]))
            segs.append("OBR|1||%s|VS^Vital Signs^SL|||%s" % (cid, st))
        n = 1 if lay == "mdc" else 0
        for ch in m["chans"]:
            if ch.startswith("NBP"):
                continue
            o = self.obx(n + 1, ch, v.get(ch), mis, st, None)
            if o:
                n += 1
                segs.append(o)
        nb = rec["nibp"]
        if m["nibp"] and nb is not None and (L["nibp"] != "fresh_only" or rec["fresh"]):
            mt = fmt_ts(nb[3] + self.e0 + rec["tshift"] + (rec["ts"] - rec["t"]), lay, tz)
            for ch, x in zip(("NBPS", "NBPD", "NBPM"), nb[:3]):
                n += 1
                segs.append(self.obx(n, ch, x, mis, st, mt if L["nibp"] != "repeat_notime" else None))
        return "\r".join(segs) + "\r"

    def cid(self, c):
        lay = self.lay
        if lay == "mdc":
            return "%d" % c
        if lay == "nk":
            return "%08d" % c
        if lay == "ivue":
            return "%s%06X" % (self.m["serial"][-4:], c)
        return "%d" % c

    def obx(self, n, ch, x, mis, st, mt):
        lay = self.lay
        if x is None:
            ph = self.L["ph"]
            if ph == "omit":
                return ""
        if ch == "ETCO2":
            unit_kpa = self.m["etco2_unit"] == "kPa"
        if lay == "mr":
            code, unit, sid = MDC[ch]
            code = CUFF.get(ch, code)
            if ch == "ETCO2" and unit_kpa:
                unit = MDC_KPA
            if x is None:
                return "OBX|%d|NM|%s|%s|-100|%s|||||X" % (n, code, sid, unit)
            return "OBX|%d|NM|%s|%s|%s|%s|||||R|||%s" % (n, code, sid, self.val(ch, x, mis), unit, mt or st)
        if lay == "mdc":
            code, unit, sid = MDC[ch]
            sid = ORD[ch]
            if ch == "ETCO2" and unit_kpa:
                unit = MDC_KPA
            if x is None:
                return "OBX|%d|NM|%s|%s|8388607|%s|||||X|||%s||||%s^EUI-64" % (n, code, sid, unit, st, self.m["eui"])
            txt = self.val(ch, x, mis)
            return "OBX|%d|NM|%s|%s|%s|%s|%s|%s|||R|||%s||||%s^EUI-64" % (
                n, code, sid, txt, unit, self.rng(ch), self.flag(ch, x), mt or st, self.m["eui"])
        if lay == "nk":
            code, unit = NK[ch]
            if ch == "ETCO2" and unit_kpa:
                unit = "kPa"
            txt = self.val(ch, x, mis)
            return "OBX|%d|NM|%s||%s|%s|%s|%s|||F%s" % (n, code, txt, unit, self.rng(ch), self.flag(ch, x),
                                                       ("|||" + mt) if mt else "")
        if lay == "ivue":
            code, unit = IVUE[ch]
            if x is None:
                return "OBX|%d|NM|%s||||||||X" % (n, code)
            return "OBX|%d|NM|%s||%s|%s|||||F%s" % (n, code, self.val(ch, x, mis), unit, ("|||" + mt) if mt else "")
        code, unit = SPC[ch]
        txt = "-999" if x is None else self.val(ch, x, mis)
        return "OBX|%d|NM|%s||%s|%s|%s|%s|||%s" % (n, code, txt, unit, self.rng(ch), "" if x is None else self.flag(ch, x),
                                               "X" if x is None else "R")

    def rng(self, ch):
        lm = self.lim.get(ch)
        if lm is None:
            return ""
        if ch == "TEMP":
            return "%.1f-%.1f" % lm
        if ch == "ETCO2" and self.m["etco2_unit"] == "kPa":
            return "%.1f-%.1f" % (lm[0] * 0.13332, lm[1] * 0.13332)
        return "%d-%d" % lm

    def flag(self, ch, x):
        lm = self.lim.get(ch)
        if lm is None or x is None:
            return ""
        if x < lm[0]:
            return "L"
        if x > lm[1]:
            return "H"
        return "N"


# ---------------------------------------------------------------- manipulations
def copy_rec(rec):
    d = dict(rec)
    d["v"] = dict(rec["v"])
    return d


EARLY = [False]  # set by build_monitor when an attack found no room at its usual place (short records)


def pick_start(r, recs, lo=0.15, hi=0.75):
    if EARLY[0]:
        lo, hi = 0.02, 0.3
    t_end = recs[-1]["t"]
    t0 = recs[0]["t"] + r.uniform(lo, hi) * (t_end - recs[0]["t"])
    ts = [x["t"] for x in recs]
    n = len(recs)
    return min(n - 1, max(min(1, n - 1), min(n - 2, bisect.bisect_left(ts, t0))))


def pick_valid(r, recs, ch, lo=0.15, hi=0.75):
    for _ in range(60):
        i = pick_start(r, recs, lo, hi)
        if recs[i]["v"].get(ch) not in (None, 0):
            return i
    return pick_start(r, recs, lo, hi)


def span_n(m, minutes):
    return max(1, int(round(minutes * 60.0 / m["cadence"])))


def idx_until(recs, i0, seconds):
    t1 = recs[i0]["t"] + seconds
    j = i0
    while j + 1 < len(recs) and recs[j + 1]["t"] < t1:
        j += 1
    return j


def manipulate(m, r, G, other_pid):
    """Returns (manipulated records, parameter, detail)."""
    kind, strong = m["kind"], m["strength"] == "blatant"
    M = [copy_rec(x) for x in G]
    n = len(M)
    chans = m["chans"]
    adult = m["age"] != "neonatal"
    det = {}

    def has(ch):
        return ch in chans

    def setv(i, ch, val):
        if M[i]["v"].get(ch) is not None:
            M[i]["v"][ch] = val

    if kind == "spike":
        ch = r.choice([c for c in ("HR", "SPO2", "RR") if has(c)])
        i0 = pick_valid(r, M, ch)
        k = r.randint(1, 3) if strong else r.randint(1, 2)
        for i in range(i0, min(n, i0 + k)):
            x = M[i]["v"].get(ch)
            if x is None:
                continue
            if ch == "HR":
                if strong:
                    setv(i, "HR", r.choice([r.randint(205, 260), r.randint(18, 28)]) if adult else r.randint(260, 300))
                else:
                    d = r.choice([-1, 1]) * r.randint(30, 45)
                    setv(i, "HR", max(30, x + d))
                    if M[i]["v"].get("PR") is not None:
                        M[i]["v"]["PR"] = max(30, M[i]["v"]["PR"] + d)
            elif ch == "SPO2":
                setv(i, "SPO2", r.randint(55, 72) if strong else max(70, x - r.randint(7, 11)))
            else:
                setv(i, "RR", r.randint(48, 70) if strong else x + r.randint(10, 16))
        det = dict(messages=k)
        return M, ch.lower(), det
    if kind == "frozen":
        ch = r.choice([c for c in ("HR", "RR", "ABPM") + (() if strong else ("ETCO2",)) if has(c)])
        i0 = pick_valid(r, M, ch)
        i1 = idx_until(M, i0, 60 * (r.uniform(20, 40) if strong else r.uniform(10, 20)))
        group = ["ABPS", "ABPD", "ABPM"] if ch == "ABPM" else [ch]
        hold = {c: M[i0]["v"].get(c) for c in group}
        for i in range(i0, i1 + 1):
            for c in group:
                if hold[c] is None:
                    continue
                x = hold[c]
                if not strong and r.random() < 0.15:
                    x = x + r.choice([-1, 1])
                setv(i, c, x)
        return M, {"ABPM": "abp"}.get(ch, ch.lower()), dict(minutes=round((M[i1]["t"] - M[i0]["t"]) / 60, 1))
    if kind == "replay":
        L_min = r.uniform(15, 30) if strong else r.uniform(10, 20)
        back = r.uniform(60, 180) if strong else r.uniform(30, 120)
        i0 = pick_start(r, M, 0.55, 0.8)
        back = max(60.0, min(back * 60, M[i0]["t"] - 60))
        i1 = idx_until(M, i0, L_min * 60)
        ts = [x["t"] for x in G]
        s0 = max(0, bisect.bisect_left(ts, M[i0]["t"] - back))
        if not strong:
            # a careful attacker replays a calm stretch: the fewest transient conditions in the source
            chronic = {"ventilated", "af", "paced", "bigeminy", "sepsis", "vasopressor", "beta_blocker", "fever",
                       "transducer_height", "art_damped", "vent_rate_change", "sleep"}
            best = None
            for _ in range(12):
                b_ = max(60.0, min(r.uniform(30, 120) * 60, M[i0]["t"] - 60))
                c0 = max(0, bisect.bisect_left(ts, M[i0]["t"] - b_))
                noisy = sum(1 for x in G[c0:c0 + (i1 - i0 + 1)] if set(x["ev"]) - chronic)
                if best is None or noisy < best[0]:
                    best = (noisy, c0, b_)
            _, s0, back = best
        off = {}
        if not strong:
            for c, x in G[i0]["v"].items():
                y = G[s0]["v"].get(c)
                if x is not None and y is not None and c not in ("SPO2",):
                    off[c] = x - y
        for k, i in enumerate(range(i0, i1 + 1)):
            s = min(s0 + k, i0 - 1)
            src = G[s]
            nv = dict(src["v"])
            for c in list(nv):
                if nv[c] is None:
                    continue
                if not strong:
                    o = off.get(c, 0)
                    if c == "TEMP":
                        nv[c] = nv[c] + o + r.choice([0, 0, 0.1, -0.1])
                    elif c == "ETCO2":
                        nv[c] = nv[c] + o + r.uniform(-0.6, 0.6)
                    else:
                        nv[c] = int(nv[c] + o + (r.choice([-1, 1]) if r.random() < 0.3 else 0))
            M[i]["v"] = nv
            if strong:
                M[i]["nibp"] = src["nibp"]
                M[i]["fresh"] = src["fresh"]
        return M, "all", dict(minutes=round(L_min, 1), from_minutes_earlier=round(back / 60, 1))
    if kind == "drift":
        opts = [c for c in ("HR", "ABPM", "SPO2", "RR", "TEMP") if has(c)]
        ch = r.choice(opts)
        i0 = pick_valid(r, M, ch, 0.15, 0.55)
        ramp = 60 * (r.uniform(15, 30) if strong else r.uniform(40, 60))
        hold = 60 * (r.uniform(5, 15) if strong else r.uniform(5, 10))
        back = 0 if strong else 60 * r.uniform(10, 20)
        mag = {"HR": (35, 18), "ABPM": (-30, -14), "SPO2": (-9, -4), "RR": (14, 7), "TEMP": (1.8, 0.8)}[ch][0 if strong else 1]
        if ch == "HR" and not adult:
            mag *= 1.5
        t0 = M[i0]["t"]
        i1 = idx_until(M, i0, ramp + hold + back)
        for i in range(i0, i1 + 1):
            u = M[i]["t"] - t0
            f = min(1.0, u / ramp) if u < ramp + hold else max(0.0, 1 - (u - ramp - hold) / max(back, 1))
            d = mag * f
            if ch == "ABPM":
                for c in ("ABPS", "ABPD", "ABPM"):
                    x = G[i]["v"].get(c)
                    if x is not None:
                        M[i]["v"][c] = int(round(x + d * (1.15 if c == "ABPS" else 1.0)))
            elif ch == "TEMP":
                x = G[i]["v"].get(c := "TEMP")
                if x is not None:
                    M[i]["v"][c] = x + d
            else:
                x = G[i]["v"].get(ch)
                if x is not None:
                    M[i]["v"][ch] = int(round(min(100, x + d) if ch == "SPO2" else x + d))
                if ch == "HR" and not strong and G[i]["v"].get("PR") is not None:
                    M[i]["v"]["PR"] = int(round(G[i]["v"]["PR"] + d))
        return M, {"ABPM": "abp"}.get(ch, ch.lower()), dict(magnitude=mag, ramp_min=round(ramp / 60, 1))
    if kind == "too_smooth":
        ch = r.choice([c for c in ("HR", "RR", "ABPM") if has(c)])
        group = ["ABPS", "ABPD", "ABPM"] if ch == "ABPM" else [ch]
        if ch == "HR" and not strong:
            group = ["HR", "PR"]  # careful: the pulse rate is smoothed alike
        i0 = pick_valid(r, M, ch)
        i1 = idx_until(M, i0, 60 * (r.uniform(30, 60) if strong else r.uniform(25, 45)))
        K = 30 if strong else r.randint(4, 6)
        for c in group:
            hist = [G[i]["v"].get(c) for i in range(max(0, i0 - K), i0)]
            hist = [x for x in hist if x is not None]
            ema = sum(hist) / len(hist) if hist else None
            for i in range(i0, i1 + 1):
                x = G[i]["v"].get(c)
                if x is None:
                    continue
                if strong:
                    ema = x if ema is None else ema + (x - ema) / K
                    M[i]["v"][c] = int(round(ema))
                else:
                    hist.append(x)
                    w = hist[-K:]
                    M[i]["v"][c] = int(round(sum(w) / len(w)))
        return M, {"ABPM": "abp"}.get(ch, ch.lower()), dict(window=K)
    if kind == "duplicate_control_id":
        i0 = pick_start(r, M, 0.5, 0.9)
        if strong:
            k = r.randint(5, 12)
            back = span_n(m, r.uniform(2, 10))
        else:
            k = 1
            back = span_n(m, r.uniform(30, 150))
        back = min(back, i0 - 1)
        for j, i in enumerate(range(i0, min(n, i0 + k))):
            M[i]["cid"] = G[i - back]["cid"]
        return M, "msh10", dict(messages=k, reused_from_messages_earlier=back)
    if kind == "step":
        if strong:
            ch = "ABPM" if has("ABPM") else r.choice([c for c in ("RR", "HR") if has(c)])
        else:
            ch = r.choice([c for c in ("ABPM", "RR", "HR", "SPO2") if has(c)])
        mag = {"ABPM": (r.choice([-1, 1]) * r.uniform(25, 35), r.choice([-1, 1]) * r.uniform(10, 14)),
               "RR": (r.uniform(9, 13), r.uniform(5, 7)), "HR": (r.choice([-1, 1]) * r.uniform(28, 35), r.uniform(12, 16)),
               "SPO2": (-6, -r.uniform(3, 4))}[ch][0 if strong else 1]
        i0 = pick_valid(r, M, ch)
        i1 = idx_until(M, i0, 60 * (r.uniform(20, 40) if strong else r.uniform(15, 30)))
        group = ["ABPS", "ABPD", "ABPM"] if ch == "ABPM" else [ch]
        if ch == "HR" and not strong:
            group = ["HR", "PR"]  # careful: the pulse rate steps alike
        for i in range(i0, i1 + 1):
            for c in group:
                x = G[i]["v"].get(c)
                if x is not None:
                    M[i]["v"][c] = int(round(min(100, x + mag) if c == "SPO2" else x + mag))
        return M, {"ABPM": "abp"}.get(ch, ch.lower()), dict(magnitude=round(mag, 1))
    if kind == "unit_mislabel":
        ch = "ETCO2" if (strong or not has("TEMP")) and has("ETCO2") else "TEMP"
        i0 = pick_valid(r, M, ch)
        i1 = idx_until(M, i0, 60 * (r.uniform(20, 40) if strong else r.uniform(5, 10)))
        for i in range(i0, i1 + 1):
            if M[i]["v"].get(ch) is not None and not (ch == "ETCO2" and M[i]["v"][ch] <= 0):
                M[i]["mis"] = (ch,)
        return M, ch.lower(), dict(shown_in={"ETCO2": "kPa" if m["etco2_unit"] == "mmHg" else "mmHg", "TEMP": "degF"}[ch],
                                   labelled=m["etco2_unit"] if ch == "ETCO2" else "Cel")
    if kind == "out_of_range":
        if strong:
            ch = r.choice([c for c in ("RR", "RR", "HR") if has(c)])
            i0 = pick_valid(r, M, ch)
            k = r.randint(5, 15)
            for i in range(i0, min(n, i0 + k)):
                setv(i, ch, r.randint(160, 200) if ch == "RR" else r.randint(320, 380))
        else:
            ch = r.choice([c for c in ("SPO2", "RR", "TEMP", "HR") if has(c)])
            i0 = pick_valid(r, M, ch)
            k = r.randint(1, 3)
            for i in range(i0, min(n, i0 + k)):
                if ch == "SPO2":
                    setv(i, ch, r.choice([101, 102]))
                elif ch == "RR":
                    setv(i, ch, r.randint(110, 135) if adult else r.randint(150, 170))
                elif ch == "TEMP":
                    setv(i, ch, r.uniform(43.6, 44.8))
                else:
                    setv(i, ch, r.randint(255, 290) if adult else r.randint(320, 350))
        return M, ch.lower(), dict(messages=k)
    if kind == "hr_pr_mismatch":
        i0 = pick_valid(r, M, "PR")
        i1 = idx_until(M, i0, 60 * (r.uniform(15, 25) if strong else r.uniform(8, 15)))
        d = r.choice([-1, 1]) * (r.uniform(42, 50) if strong else r.uniform(30, 35))
        t0 = M[i0]["t"]
        for i in range(i0, i1 + 1):
            x = G[i]["v"].get("PR")
            if x is None:
                continue
            f = 1.0 if strong else min(1.0, (M[i]["t"] - t0) / 90.0 + 0.3)
            M[i]["v"]["PR"] = int(round(max(25, x + d * f)))
        return M, "pr", dict(offset=round(d))
    if kind == "bp_inconsistent":
        nibp_seen = any(x["nibp"] is not None for x in G)
        abp_seen = has("ABPM") and any(x["v"].get("ABPS") is not None for x in G)
        use_abp = abp_seen and (not nibp_seen or r.random() < 0.5)
        i0 = pick_valid(r, M, "ABPS") if use_abp else pick_start(r, M)
        if use_abp:
            i1 = idx_until(M, i0, 60 * (r.uniform(10, 20) if strong else r.uniform(3, 6)))
            for i in range(i0, i1 + 1):
                v = M[i]["v"]
                if v.get("ABPS") is None:
                    continue
                s, d_, mm = v["ABPS"], v["ABPD"], v["ABPM"]
                if strong:
                    v["ABPS"], v["ABPD"] = d_, s + r.randint(0, 3)
                else:
                    v["ABPM"] = d_ - r.randint(3, 7)
            return M, "abp", dict(minutes=round((M[i1]["t"] - M[i0]["t"]) / 60, 1))
        # NIBP: the next one (subtle) or two to three (blatant) measurements after i0
        firsts = []
        for i in range(n):
            nb = G[i]["nibp"]
            if nb is not None and (not firsts or firsts[-1][1] != nb):
                firsts.append((i, nb))
        need = 3 if strong else 1
        if not firsts:
            # no measurement yet: the attacker reports one of its own, inconsistent
            s, d_, mm = (118, 64, 82) if adult else (58, 32, 41)
            nb = (d_ - 2, s + 8, mm, M[i0]["t"] - 2.0) if strong else (s, d_, d_ - 4, M[i0]["t"] - 2.0)
            for i in range(i0, n):
                M[i]["nibp"] = nb
                M[i]["fresh"] = i == i0
            return M, "nibp", dict(measurements=1)
        later = [k for k, (i, nb) in enumerate(firsts) if i >= i0]
        k0 = later[0] if later else max(0, len(firsts) - need)
        targets = {}
        for i, nb in firsts[k0:k0 + need]:
            s, d_, mm, mt = nb
            targets[nb] = (d_ - 2, s + r.randint(5, 15), mm, mt) if strong else (s, d_, d_ - r.randint(3, 6), mt)
        for i in range(firsts[k0][0] if firsts else n, n):
            nb = G[i]["nibp"]
            if nb in targets:
                M[i]["nibp"] = targets[nb]
        return M, "nibp", dict(measurements=len(targets))
    if kind in ("time_backwards", "time_future"):
        i0 = pick_start(r, M)
        if kind == "time_backwards":
            if strong:
                k, sh = r.randint(5, 15), -r.uniform(3600, 6 * 3600)
            else:
                k, sh = r.randint(2, 5), -r.uniform(30, 120) - m["cadence"]
        else:
            if strong:
                k, sh = r.randint(5, 15), r.uniform(3600, 24 * 3600)
            else:
                k, sh = r.randint(5, 20), r.uniform(180, 600)
        for i in range(i0, min(n, i0 + k)):
            M[i]["tshift"] = sh
        return M, "msh7", dict(messages=k, shift_s=round(sh, 1))
    if kind == "identity_switch":
        i0 = pick_start(r, M)
        i1 = idx_until(M, i0, 60 * (r.uniform(15, 40) if strong else r.uniform(5, 15)))
        for i in range(i0, i1 + 1):
            M[i]["pid"] = other_pid
        return M, "pid", dict(minutes=round((M[i1]["t"] - M[i0]["t"]) / 60, 1))
    if kind == "nibp_cadence":
        i0 = pick_start(r, M)
        i1 = idx_until(M, i0, 60 * (r.uniform(10, 20) if strong else r.uniform(10, 14)))
        last = None
        for i in range(i0 - 1, -1, -1):
            if G[i]["nibp"] is not None:
                last = G[i]["nibp"]
                break
        if last is None:
            last = (120, 70, 87, M[i0]["t"] - 600) if adult else (55, 30, 40, M[i0]["t"] - 600)
        s, d_, mm, _ = last
        t_last_meas = M[i0]["t"]
        gap = 0 if strong else 60 * r.uniform(2.5, 4)
        cur = None
        for i in range(i0, i1 + 1):
            t = M[i]["t"]
            fresh = False
            if cur is None or t - t_last_meas >= gap:
                j = r.randint(-3, 3)
                cur = (s + j + r.randint(-2, 2), d_ + r.randint(-2, 2), mm + j // 2 + r.randint(-1, 1), t - 1.0)
                t_last_meas = t
                fresh = True
            M[i]["nibp"] = cur
            M[i]["fresh"] = fresh
        return M, "nibp", dict(every_s=round(gap or m["cadence"], 1))
    raise ValueError(kind)


# ---------------------------------------------------------------- main
def iso_ms(epoch):
    d = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (d.microsecond // 1000)


def parse_start(s):
    d = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.timezone.utc)
    return d.timestamp()


def build_monitor(seed, m, e0, T, forge=True):
    """One monitor's genuine records and texts, and (if manipulated) the sent texts and the episode.
    With forge=False the unforged twin: the attack is planned and placed as usual but its texts are
    the genuine ones (attacks neither insert nor drop messages), and `planned` says what was dealt."""
    r = sub_rng(seed, "sim", m["idx"])
    pats = [make_patient(r, m["age"], m["ventilated"]), make_patient(r, m["age"], m["ventilated"])]
    events, dev, adt = make_events(r, m, T)
    G = Sim(m, r, T).run(pats, events, dev, adt)
    rend = Renderer(m, e0)
    gtxt = [rend.render(x) for x in G]
    info = {}
    ep_first = ep_last = None
    texts = gtxt
    if m["kind"] is not None:
        mr = sub_rng(seed, "attack", m["idx"])
        op = make_patient(mr, m["age"], False)
        other = (op["mrn"], op["last"], op["first"], op["dob"], op["sex"])
        if m["strength"] == "subtle":
            other = (op["mrn"], op["last"], op["first"], op["dob"], pats[0]["sex"])
        for attempt in range(20):
            EARLY[0] = attempt >= 10
            M, param, detail = manipulate(m, mr, G, other)
            EARLY[0] = False
            for i, x in enumerate(M):  # retransmissions carry the (manipulated) original's content
                if x["dup"] >= 0:
                    src = M[x["dup"]]
                    M[i] = dict(src, arr=x["arr"], ev=x["ev"], dup=x["dup"])
            texts = []
            ep_first = ep_last = None
            for i, x in enumerate(M):
                tx = gtxt[i] if _same(x, G[i]) else rend.render(x)
                texts.append(tx)
                if tx != gtxt[i]:
                    if ep_first is None:
                        ep_first = i
                    ep_last = i
            if ep_first is not None:
                break
        if ep_first is None:
            # only in records too short for the attack (e.g. --hours 0.25): the monitor stays clean
            print("corpus4: %s: no room for %s in %d messages; left clean" % (m["id"], m["kind"], len(G)),
                  file=sys.stderr)
            m["kind"] = m["strength"] = None
            return dict(G=G, gtxt=gtxt, texts=gtxt, info={}, ep_first=None, ep_last=None)
        info = dict(kind=m["kind"], parameter=param, strength=m["strength"], episode=0,
                    episode_first=ep_first + 1, episode_last=ep_last + 1,
                    episode_start=iso_ms(G[ep_first]["arr"] + e0), episode_end=iso_ms(G[ep_last]["arr"] + e0),
                    detail=" ".join("%s=%s" % kv for kv in detail.items()))
        if not forge:
            planned = dict(planned_kind=m["kind"], planned_strength=m["strength"], planned_parameter=param,
                           detail="(unforged twin: no forgery written)")
            return dict(G=G, gtxt=gtxt, texts=gtxt, info={}, planned=planned, ep_first=None, ep_last=None)
    return dict(G=G, gtxt=gtxt, texts=texts, info=info, ep_first=ep_first, ep_last=ep_last)


def generate(seed, out, n_mon=150, hours=4.0, start=DEFAULT_START, forge=True):
    """Write a corpus to out (forge=False: its unforged twin, every monitor clean)."""
    os.makedirs(out, exist_ok=True)
    e0 = parse_start(start)
    T = hours * 3600.0
    mons = make_population(seed, n_mon, hours)
    lab = open(os.path.join(out, "labels.jsonl"), "w")
    mj = open(os.path.join(out, "monitors.jsonl"), "w")
    episode = 0
    totals = dict(messages=0, bytes=0)
    for m in mons:
        bm = build_monitor(seed, m, e0, T, forge)
        G, texts, info, ep_first, ep_last = bm["G"], bm["texts"], bm["info"], bm["ep_first"], bm["ep_last"]
        status = "manipulated" if info else "clean"
        if info:
            episode += 1
            info["episode"] = episode
        with open(os.path.join(out, m["file"]), "w", newline="") as f:
            f.write("\n".join(texts) + "\n")
            totals["bytes"] += sum(len(x) + 1 for x in texts)
        totals["messages"] += len(texts)
        conds = set()
        for i, x in enumerate(G):
            row = dict(file=m["file"], message=i + 1, monitor=m["id"], arrival=iso_ms(x["arr"] + e0))
            evs = ",".join(x["ev"])
            conds.update(x["ev"])
            if ep_first is not None and ep_first <= i <= ep_last:
                row.update(label=m["kind"], parameter=info["parameter"], episode=info["episode"], strength=m["strength"])
            else:
                row.update(label="clean", parameter="", episode=0)
            row["events"] = evs
            lab.write(json.dumps(row, separators=(",", ":")) + "\n")
        mrow = dict(id=m["id"], file=m["file"], device=LAYOUTS[m["layout"]]["dev"], vendor=LAYOUTS[m["layout"]]["vendor"],
                    **{"class": m["cls"]}, age_group=m["age"], layout=m["layout"], cadence_s=m["cadence"], hours=hours,
                    status=status, messages=len(G), channels=[c.lower() for c in m["chans"]],
                    etco2_unit=m["etco2_unit"] if m["co2"] else "", nibp_mode=m["nibp_mode"],
                    nibp_every_min=m["nibp_every"], placeholder=LAYOUTS[m["layout"]]["ph"],
                    clock_skew_s=m["clock_skew"], tz_offset_min=m["tz"], site=m["site"],
                    conditions=sorted(conds))
        mrow.update(info)
        mrow.update(bm.get("planned", {}))
        mj.write(json.dumps(mrow, separators=(",", ":")) + "\n")
    lab.close()
    mj.close()
    return totals


def _same(a, b):
    return (a["v"] == b["v"] and a["cid"] == b["cid"] and a["pid"] == b["pid"] and a["nibp"] == b["nibp"]
            and a["fresh"] == b["fresh"] and a["mis"] == b["mis"] and a["tshift"] == b["tshift"] and a["ts"] == b["ts"])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--monitors", type=int, default=150)
    ap.add_argument("--hours", type=float, default=4.0)
    ap.add_argument("--start", default=DEFAULT_START)
    ap.add_argument("--no-forge", action="store_true",
                    help="write the unforged twin: the same messages and arrivals, no forgery written")
    a = ap.parse_args(argv)
    tot = generate(a.seed, a.out, a.monitors, a.hours, a.start, not a.no_forge)
    print("corpus4: seed %d: %d monitors, %d messages, %.1f MB in %s%s" % (
        a.seed, a.monitors, tot["messages"], tot["bytes"] / 1e6, a.out, " (unforged twin)" if a.no_forge else ""),
        file=sys.stderr)


if __name__ == "__main__":
    main()
