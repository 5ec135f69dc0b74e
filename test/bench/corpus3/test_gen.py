"""Tests of the corpus3 generator: file format, HL7 v2 parseability,
determinism per seed, episode labels covering exactly the changed messages,
clean monitors untouched. Run from this directory:
/usr/bin/python3 -m unittest (HL7LOAD=path/to/hl7load adds the scorer check)."""

import filecmp
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

SEED, MONITORS, HOURS = 3, 45, 1.0
TS = re.compile(r"^\d{14}(\.\d{1,4})?([+-]\d{4})?$")
PLACEHOLDERS = {"-100", "-999", "8388607"}


def parse_hl7(text):
    """A minimal HL7 v2 parser: segments by CR, fields by MSH-1, components
    by MSH-2's first character. Returns [(name, fields)] with fields[i]
    the HL7 field i (MSH-1 is the separator itself); raises ValueError."""
    if not text.startswith("MSH") or len(text) < 8:
        raise ValueError("no MSH")
    fs, enc = text[3], text[4:8]
    if fs != "|" or enc != "^~\\&":
        raise ValueError("delimiters %r %r" % (fs, enc))
    if not text.endswith("\r") or "\n" in text:
        raise ValueError("segment terminators")
    segs = []
    for seg in text[:-1].split("\r"):
        if not re.match(r"^[A-Z][A-Z0-9]{2}\|", seg):
            raise ValueError("bad segment %r" % seg[:20])
        parts = seg.split(fs)
        fields = [parts[0], fs] + parts[1:] if parts[0] == "MSH" else parts
        if parts[0] == "MSH" and fields[2] != enc:
            raise ValueError("MSH-2")
        segs.append((parts[0], fields))
    return segs


def read_corpus(d):
    with open(os.path.join(d, "monitors.jsonl")) as f:
        mons = [json.loads(x) for x in f]
    with open(os.path.join(d, "labels.jsonl")) as f:
        labels = [json.loads(x) for x in f]
    msgs = {}
    for m in mons:
        with open(os.path.join(d, m["file"]), newline="") as f:
            text = f.read()
        msgs[m["file"]] = text
    return mons, labels, msgs


class CorpusTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="corpus3-test-")
        cls.a = os.path.join(cls.dir, "a")
        gen.generate(SEED, cls.a, MONITORS, HOURS)
        cls.mons, cls.labels, cls.files = read_corpus(cls.a)
        cls.twin = os.path.join(cls.dir, "twin")
        gen.generate(SEED, cls.twin, MONITORS, HOURS, forge=False)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_files_and_labels(self):
        by_file = {}
        for lab in self.labels:
            by_file.setdefault(lab["file"], []).append(lab)
        self.assertEqual(len(self.mons), MONITORS)
        for m in self.mons:
            text = self.files[m["file"]]
            self.assertTrue(text.endswith("\r\n"), m["file"])
            msgs = text[:-1].split("\n")
            labs = by_file[m["file"]]
            self.assertEqual(len(msgs), m["messages"])
            self.assertEqual(len(labs), len(msgs))
            self.assertEqual([x["message"] for x in labs], list(range(1, len(msgs) + 1)))
            arrivals = [x["arrival"] for x in labs]
            self.assertEqual(arrivals, sorted(arrivals), m["file"])
            for x in labs:
                self.assertEqual(x["monitor"], m["id"])
                self.assertRegex(x["arrival"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            inside = [x for x in labs if x["episode"]]
            if m["status"] == "clean":
                self.assertEqual(inside, [])
                self.assertTrue(all(x["label"] == "clean" for x in labs))
                continue
            self.assertEqual(inside[0]["message"], m["episode_first"])
            self.assertEqual(inside[-1]["message"], m["episode_last"])
            self.assertEqual(len(inside), m["episode_last"] - m["episode_first"] + 1)
            for x in inside:
                self.assertEqual((x["label"], x["episode"], x["strength"], x["parameter"]),
                                 (m["kind"], m["episode"], m["strength"], m["parameter"]))
            for x in labs:
                if not x["episode"]:
                    self.assertEqual((x["label"], x["parameter"]), ("clean", ""))

    def test_every_message_parses(self):
        for m in self.mons:
            for text in self.files[m["file"]][:-1].split("\n"):
                segs = parse_hl7(text)
                names = [s[0] for s in segs]
                self.assertEqual(names[:4], ["MSH", "PID", "PV1", "OBR"])
                self.assertTrue(set(names[4:]) <= {"OBX"})
                msh = segs[0][1]
                self.assertIn(msh[9].split("^")[:2], (["ORU", "R01"],))
                self.assertTrue(msh[10])
                self.assertEqual(msh[12], m["hl7_version"])
                self.assertRegex(msh[7], TS)
                for i, (name, f) in enumerate(segs[4:], 1):
                    self.assertEqual(f[1], str(i))
                    if len(f) > 14 and f[14]:
                        self.assertRegex(f[14], TS)
                    if f[2] != "NM":
                        continue
                    if f[11] == "X":
                        self.assertEqual(f[5], "")
                    elif f[5] not in PLACEHOLDERS:
                        float(f[5])

    def test_genuine_pressures_ordered(self):
        # (systolic, diastolic) codes of each layout's cuff and arterial rows.
        pairs = [("150033", "150034"), ("150021", "150022"), ("150301", "150302"), ("0002-4a11", "0002-4a12"),
                 ("0002-4a05", "0002-4a06"), ("76215-3", "76213-8"), ("8480-6", "8462-4")]
        n = 0
        for m in self.mons:
            if m["status"] != "clean":
                continue
            for text in self.files[m["file"]][:-1].split("\n"):
                vals = {f[3].split("^")[0]: f[5] for name, f in parse_hl7(text) if name == "OBX" and f[2] == "NM"}
                for s, d in pairs:
                    if vals.get(s, "") not in ("",) and vals.get(s) not in PLACEHOLDERS:
                        self.assertLessEqual(float(vals[d]), float(vals[s]), (m["id"], text[:60]))
                        n += 1
        self.assertGreater(n, 1000)

    def test_all_kinds_both_strengths(self):
        seen = {(m["kind"], m["strength"]) for m in self.mons if m["status"] == "manipulated"}
        for k in gen.KINDS:
            self.assertIn((k, "blatant"), seen)
            self.assertIn((k, "subtle"), seen)
        self.assertEqual(sum(m["status"] == "clean" for m in self.mons), MONITORS // 3)

    def test_deterministic_per_seed(self):
        b = os.path.join(self.dir, "b")
        gen.generate(SEED, b, MONITORS, HOURS)
        names = sorted(os.listdir(self.a))
        self.assertEqual(names, sorted(os.listdir(b)))
        _, mismatch, errors = filecmp.cmpfiles(self.a, b, names, shallow=False)
        self.assertEqual((mismatch, errors), ([], []))
        c = os.path.join(self.dir, "c")
        gen.generate(SEED + 1, c, 3, 0.2)
        self.assertFalse(filecmp.cmp(os.path.join(self.a, "mon-0001.hl7"), os.path.join(c, "mon-0001.hl7"),
                                     shallow=False))

    def test_episode_is_exactly_the_changed_messages(self):
        t0 = gen.time.mktime(gen.time.strptime(gen.DEFAULT_START, "%Y-%m-%dT%H:%M:%SZ")) - gen.time.timezone
        slots = gen.assignment(SEED, MONITORS)
        for idx, (kind, strength) in enumerate(slots):
            m = self.mons[idx]
            written = self.files[m["file"]][:-1].split("\n")
            _, genuine, _, _ = gen.build_monitor(SEED, idx, HOURS, t0, kind, strength, manipulated=False)
            if kind is None:
                self.assertEqual([g[0] for g in genuine], written, m["id"])
                continue
            _, manip, _, _ = gen.build_monitor(SEED, idx, HOURS, t0, kind, strength)
            self.assertEqual([x[0] for x in manip], written)
            kept = [x for x in manip if not x[4]]
            self.assertEqual(len(kept), len(genuine), m["id"])
            for x, g in zip(kept, genuine):
                self.assertEqual(x[2], x[0] != g[0], m["id"])      # changed <=> text differs
                self.assertEqual(x[1], g[1])                       # same arrival
            changed = [i + 1 for i, x in enumerate(manip) if x[2] or x[4]]
            self.assertTrue(changed, m["id"])
            self.assertEqual((changed[0], changed[-1]), (m["episode_first"], m["episode_last"]), m["id"])

    def test_unforged_twin(self):
        """The twin has the same files, messages and arrivals; outside the episodes the same bytes; inside,
        each episode's first message differs; every label and monitor is clean; and where the forgery
        injected a message the twin holds a genuine retransmission (the same bytes as a message before it)."""
        tm, tl, tf = read_corpus(self.twin)
        self.assertEqual(set(tf), set(self.files))
        self.assertTrue(all(m["status"] == "clean" and "episode" not in m for m in tm))
        self.assertTrue(all(lab["label"] == "clean" and lab["episode"] == 0 for lab in tl))
        self.assertEqual([(x["file"], x["message"], x["arrival"], x["monitor"]) for x in tl],
                         [(x["file"], x["message"], x["arrival"], x["monitor"]) for x in self.labels])
        for m, t in zip(self.mons, tm):
            self.assertEqual((t["id"], t["messages"], t.get("planned_kind"), t.get("planned_strength")),
                             (m["id"], m["messages"], m.get("kind"), m.get("strength")))
        for m in self.mons:
            forged, twin = self.files[m["file"]][:-1].split("\n"), tf[m["file"]][:-1].split("\n")
            self.assertEqual(len(forged), len(twin), m["id"])
            first, last = m.get("episode_first", 0), m.get("episode_last", -1)
            for i, (x, y) in enumerate(zip(forged, twin), 1):
                if not first <= i <= last:
                    self.assertEqual(x, y, (m["id"], i))
            if m["status"] != "manipulated":
                continue
            self.assertNotEqual(forged[first - 1], twin[first - 1], m["id"])
            if m["kind"] == "duplicate_control_id" and m["strength"] == "blatant":
                for i in range(first - 1, last):
                    if forged[i] != twin[i]:
                        self.assertIn(twin[i], twin[:i], (m["id"], i + 1))

    def test_unforged_twin_deterministic(self):
        b = os.path.join(self.dir, "twin-b")
        gen.generate(SEED, b, MONITORS, HOURS, forge=False)
        names = sorted(os.listdir(self.twin))
        self.assertEqual(names, sorted(os.listdir(b)))
        _, mismatch, errors = filecmp.cmpfiles(self.twin, b, names, shallow=False)
        self.assertEqual((mismatch, errors), ([], []))

    def test_scorer_reads_it(self):
        binary = os.environ.get("HL7LOAD")
        if not binary:
            self.skipTest("HL7LOAD not set")
        out = subprocess.run([binary, "corpus", "score", "--dir", self.a, "--findings", os.devnull, "--json"],
                             check=True, capture_output=True, text=True).stdout
        s = json.loads(out)
        self.assertEqual(s["episodes"], MONITORS - MONITORS // 3)
        self.assertEqual(s["detected"], 0)
        self.assertEqual(s["clean_monitors"], MONITORS // 3)


if __name__ == "__main__":
    unittest.main()
