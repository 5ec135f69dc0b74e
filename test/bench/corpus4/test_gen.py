"""Tests of the fourth blind corpus generator (python3 -m unittest in this directory).

Files and labels agree; every message parses as HL7 v2 (a small parser of our own); all 15 kinds in
both strengths are assigned at the default size; same seed same bytes, other seed other bytes;
outside its episode a manipulated monitor sends exactly its genuine stream, and a clean monitor
sends its genuine stream; the project's scorer (env HL7LOAD, an hl7load binary) reads the corpus
and detects nothing with no findings.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402

SEED = 11
MONITORS = 36
HOURS = 1.0


def parse_hl7(msg):
    """A small HL7 v2 parser: returns [(segment id, [fields])]; raises ValueError."""
    if not msg.startswith("MSH"):
        raise ValueError("does not start with MSH")
    if not msg.endswith("\r"):
        raise ValueError("last segment not ended by CR")
    fs = msg[3]
    enc = msg[4:8]
    if fs != "|" or enc != "^~\\&":
        raise ValueError("delimiters %r %r" % (fs, enc))
    segs = []
    for raw in msg[:-1].split("\r"):
        if not re.fullmatch(r"[A-Z][A-Z0-9]{2}", raw[:3]) or (len(raw) > 3 and raw[3] != fs):
            raise ValueError("bad segment %r" % raw[:20])
        if "\n" in raw:
            raise ValueError("LF inside a segment")
        f = raw.split(fs)
        if f[0] == "MSH":
            f = ["MSH", fs] + f[1:]  # MSH-1 is the separator itself
        segs.append((f[0], f))
    return segs


def field(f, n, comp=None):
    x = f[n] if n < len(f) else ""
    if comp is None:
        return x
    c = x.split("^")
    return c[comp - 1] if comp - 1 < len(c) else ""


def read_corpus(d):
    with open(os.path.join(d, "monitors.jsonl")) as f:
        mons = [json.loads(l) for l in f]
    with open(os.path.join(d, "labels.jsonl")) as f:
        labels = [json.loads(l) for l in f]
    files = {}
    for m in mons:
        with open(os.path.join(d, m["file"]), newline="") as f:
            data = f.read()
        assert data.endswith("\n")
        files[m["file"]] = data[:-1].split("\n")
    return mons, labels, files


class Corpus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="corpus4-test-")
        cls.dir = os.path.join(cls.tmp, "a")
        gen.generate(SEED, cls.dir, MONITORS, HOURS)
        cls.mons, cls.labels, cls.files = read_corpus(cls.dir)
        cls.twin = os.path.join(cls.tmp, "twin")
        gen.generate(SEED, cls.twin, MONITORS, HOURS, forge=False)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_files_and_labels(self):
        want = ["mon-%04d.hl7" % (i + 1) for i in range(MONITORS)]
        self.assertEqual(sorted(f for f in os.listdir(self.dir) if f.endswith(".hl7")), want)
        by_file = {}
        for l in self.labels:
            by_file.setdefault(l["file"], []).append(l)
            for k in ("file", "message", "monitor", "arrival", "label", "parameter", "episode", "events"):
                self.assertIn(k, l)
            self.assertRegex(l["arrival"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            if l["episode"]:
                self.assertIn(l["strength"], ("subtle", "blatant"))
                self.assertIn(l["label"], gen.KINDS)
            else:
                self.assertEqual(l["label"], "clean")
        self.assertEqual(list(by_file), want)  # file order
        eps = set()
        for m in self.mons:
            for k in ("id", "file", "device", "class", "layout", "cadence_s", "hours", "status", "messages",
                      "channels", "etco2_unit", "nibp_mode", "nibp_every_min", "placeholder", "clock_skew_s",
                      "conditions"):
                self.assertIn(k, m)
            rows = by_file[m["file"]]
            self.assertEqual(len(rows), len(self.files[m["file"]]))
            self.assertEqual(len(rows), m["messages"])
            self.assertEqual([r["message"] for r in rows], list(range(1, len(rows) + 1)))
            self.assertTrue(all(r["monitor"] == m["id"] for r in rows))
            arr = [r["arrival"] for r in rows]
            self.assertEqual(arr, sorted(arr), m["file"])
            lab = [i + 1 for i, r in enumerate(rows) if r["episode"]]
            if m["status"] == "clean":
                self.assertEqual(lab, [])
                continue
            self.assertEqual(m["status"], "manipulated")
            self.assertNotIn(m["episode"], eps)
            eps.add(m["episode"])
            self.assertEqual(lab, list(range(m["episode_first"], m["episode_last"] + 1)))
            for i in lab:
                r = rows[i - 1]
                self.assertEqual((r["label"], r["episode"], r["strength"], r["parameter"]),
                                 (m["kind"], m["episode"], m["strength"], m["parameter"]))
            self.assertEqual(rows[lab[0] - 1]["arrival"], m["episode_start"])
            self.assertEqual(rows[lab[-1] - 1]["arrival"], m["episode_end"])
        clean = sum(1 for m in self.mons if m["status"] == "clean")
        self.assertEqual(clean, round(MONITORS / 3))

    def test_every_message_parses(self):
        for m in self.mons:
            for n, msg in enumerate(self.files[m["file"]], 1):
                where = "%s:%d" % (m["file"], n)
                try:
                    segs = parse_hl7(msg)
                except ValueError as e:
                    self.fail("%s: %s" % (where, e))
                names = [s for s, _ in segs]
                self.assertEqual(names[:2], ["MSH", "PID"], where)
                self.assertIn("OBR", names, where)
                msh = segs[0][1]
                self.assertEqual(field(msh, 9, 1), "ORU", where)
                self.assertEqual(field(msh, 9, 2), "R01", where)
                self.assertRegex(field(msh, 7), r"^\d{14}(\.\d{3})?([+-]\d{4})?$", where)
                self.assertTrue(field(msh, 10), where)
                self.assertEqual(field(msh, 3, 1), m["device"], where)
                ids = []
                for s, f in segs:
                    if s != "OBX":
                        continue
                    ids.append(int(f[1]))
                    if field(f, 2) == "NM":
                        v = field(f, 5)
                        if v != "":
                            float(v)
                        else:
                            self.assertEqual(field(f, 11), "X", where)
                self.assertEqual(ids, list(range(1, len(ids) + 1)), where)

    def test_kinds_and_strengths_at_default_size(self):
        for seed in (SEED, 999):
            mons = gen.make_population(seed, 150, 4.0)
            got = {(m["kind"], m["strength"]) for m in mons if m["kind"]}
            self.assertEqual(got, {(k, s) for k in gen.KINDS for s in ("blatant", "subtle")})
            self.assertEqual(sum(1 for m in mons if m["kind"] is None), 50)
        got = {m["kind"] for m in self.mons if m["status"] == "manipulated"}
        self.assertEqual(got, set(gen.KINDS))

    def test_genuine_streams(self):
        e0 = gen.parse_start(gen.DEFAULT_START)
        pop = gen.make_population(SEED, MONITORS, HOURS)
        for m, mj in zip(pop, self.mons):
            bm = gen.build_monitor(SEED, m, e0, HOURS * 3600)
            sent = self.files[m["file"]]
            genuine = [t for t in bm["gtxt"]]
            self.assertEqual(len(sent), len(genuine))
            if mj["status"] == "clean":
                self.assertEqual(sent, genuine, m["file"])
                continue
            a, b = mj["episode_first"] - 1, mj["episode_last"] - 1
            self.assertEqual(sent[:a], genuine[:a], m["file"])
            self.assertEqual(sent[b + 1:], genuine[b + 1:], m["file"])
            self.assertNotEqual(sent[a], genuine[a], m["file"])
            self.assertNotEqual(sent[b], genuine[b], m["file"])

    def test_unforged_twin(self):
        """The twin has the same files, messages and arrivals; outside the episodes the same bytes; each
        episode's first and last message differ; every label and monitor is clean, the dealt kind kept."""
        tm, tl, tf = read_corpus(self.twin)
        self.assertEqual(set(tf), set(self.files))
        self.assertTrue(all(m["status"] == "clean" and "episode" not in m for m in tm))
        self.assertTrue(all(l["label"] == "clean" and l["episode"] == 0 for l in tl))
        key = ("file", "message", "monitor", "arrival", "events")
        self.assertEqual([tuple(l[k] for k in key) for l in tl], [tuple(l[k] for k in key) for l in self.labels])
        for m, t in zip(self.mons, tm):
            self.assertEqual((t["id"], t["messages"], t.get("planned_kind"), t.get("planned_strength")),
                             (m["id"], m["messages"], m.get("kind"), m.get("strength")))
            sent, twin = self.files[m["file"]], tf[m["file"]]
            self.assertEqual(len(sent), len(twin), m["file"])
            if m["status"] == "clean":
                self.assertEqual(sent, twin, m["file"])
                continue
            a, b = m["episode_first"] - 1, m["episode_last"] - 1
            self.assertEqual(sent[:a], twin[:a], m["file"])
            self.assertEqual(sent[b + 1:], twin[b + 1:], m["file"])
            self.assertNotEqual(sent[a], twin[a], m["file"])
            self.assertNotEqual(sent[b], twin[b], m["file"])

    def test_unforged_twin_deterministic(self):
        b = os.path.join(self.tmp, "twin-b")
        gen.generate(SEED, b, MONITORS, HOURS, forge=False)
        names = sorted(os.listdir(self.twin))
        self.assertEqual(names, sorted(os.listdir(b)))
        for n in names:
            with open(os.path.join(self.twin, n), "rb") as x, open(os.path.join(b, n), "rb") as y:
                self.assertEqual(x.read(), y.read(), n)

    def test_scorer_reads_it(self):
        exe = os.environ.get("HL7LOAD")
        if not exe:
            self.skipTest("HL7LOAD (an hl7load binary) not set")
        out = subprocess.run([exe, "corpus", "score", "--dir", self.dir, "--findings", "/dev/null", "--json"],
                             capture_output=True, text=True, check=True).stdout
        s = json.loads(out)
        self.assertEqual(s["detected"], 0)
        self.assertEqual(s["episodes"], sum(1 for m in self.mons if m["status"] == "manipulated"))
        self.assertEqual(s["clean_monitors"], sum(1 for m in self.mons if m["status"] == "clean"))


class VentRateDownPastZero(unittest.TestCase):
    def test_seed105_m0025_terminates(self):
        # seed 105's m0025: set rate 16, three rate changes of -6 -> -2/min.  A negative breath
        # interval never reached the current time: an unbounded breath list (24 GB, OOM).  With the
        # rate held at zero the patient breathes on its own.
        m = gen.make_population(105, 150, 4.0)[24]
        r = gen.sub_rng(105, "sim", m["idx"])
        pats = [gen.make_patient(r, m["age"], m["ventilated"]), gen.make_patient(r, m["age"], m["ventilated"])]
        events, dev, adt = gen.make_events(r, m, 4 * 3600.0)
        vent = [e["fx"]["vent"] for e in events if e["name"] == "vent_rate_change"]
        self.assertLess(pats[0]["vent_rate"] + sum(vent), 0)
        G = gen.Sim(m, r, 4 * 3600.0).run(pats, events, dev, adt)
        late = [x for x in G if x["t"] > 12000]
        self.assertTrue(late)
        self.assertTrue(all(0 < x["v"]["RR"] < 60 for x in late), [x["v"]["RR"] for x in late][:20])


class Determinism(unittest.TestCase):
    def digest(self, seed, d, hashseed):
        # a separate interpreter with its own string-hash seed: no dependence on set or hash order
        env = dict(os.environ, PYTHONHASHSEED=str(hashseed))
        subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen.py"),
                        "--seed", str(seed), "--out", d, "--monitors", "8", "--hours", "0.5"],
                       env=env, check=True, capture_output=True)
        h = hashlib.sha256()
        for f in sorted(os.listdir(d)):
            h.update(f.encode())
            with open(os.path.join(d, f), "rb") as fh:
                h.update(fh.read())
        return h.hexdigest()

    def test_same_seed_same_bytes(self):
        tmp = tempfile.mkdtemp(prefix="corpus4-det-")
        try:
            a = self.digest(5, os.path.join(tmp, "a"), 1)
            b = self.digest(5, os.path.join(tmp, "b"), 2)
            c = self.digest(6, os.path.join(tmp, "c"), 1)
            self.assertEqual(a, b)
            self.assertNotEqual(a, c)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
