"""Tests of the corpus8 generator: files and labels, every kind, the unforged twin, determinism, the scorer.

    cd test/bench/corpus8 && HL7LOAD=/tmp/c7-hl7load python3 -m unittest -q

Small runs (45 monitors x 0.75 h); the scorer test runs only when HL7LOAD names an hl7load binary.
"""
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "gen.py")
sys.path.insert(0, HERE)
import gen  # noqa: E402

MONITORS, HOURS = 45, 0.75


def run(out, seed=7, workers=2, extra=()):
    subprocess.run([sys.executable, GEN, "--seed", str(seed), "--out", out, "--monitors", str(MONITORS),
                    "--hours", str(HOURS), "--workers", str(workers)] + list(extra),
                   check=True, stderr=subprocess.DEVNULL)


def messages(path):
    with open(path, newline="") as f:
        data = f.read()
    assert data.endswith("\r\n"), path
    return data[:-1].split("\n")  # each message ends with CR then LF


def load(d):
    with open(os.path.join(d, "labels.jsonl")) as f:
        labels = [json.loads(line) for line in f]
    with open(os.path.join(d, "monitors.jsonl")) as f:
        mons = [json.loads(line) for line in f]
    return labels, mons


class Corpus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="c8test.")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)  # also when a generator run fails
        cls.a = os.path.join(cls.tmp, "a")
        cls.b = os.path.join(cls.tmp, "b")
        cls.twin = os.path.join(cls.tmp, "twin")
        run(cls.a, workers=2)
        run(cls.b, workers=1)
        run(cls.twin, workers=2, extra=["--no-forge"])
        cls.labels, cls.mons = load(cls.a)

    def test_files_and_labels(self):
        byfile = collections.defaultdict(list)
        for lab in self.labels:
            byfile[lab["file"]].append(lab)
        files = sorted(f for f in os.listdir(self.a) if f.endswith(".hl7"))
        self.assertEqual(sorted(byfile), files)
        monids = {m["id"]: m for m in self.mons}
        self.assertEqual(len(monids), MONITORS)
        count = collections.Counter()
        last_arrival = {}
        for f, labs in byfile.items():
            msgs = messages(os.path.join(self.a, f))
            self.assertEqual(len(msgs), len(labs), f)
            for i, (lab, msg) in enumerate(zip(labs, msgs), 1):
                self.assertEqual(lab["message"], i)
                self.assertTrue(msg.startswith("MSH|^~\\&|"), msg[:40])
                self.assertRegex(msg.split("\r")[0].split("|")[8], r"^(ORU\^R01|QBP\^Q22)")
                self.assertIn(lab["monitor"], monids)
                self.assertEqual(monids[lab["monitor"]]["file"], f)
                self.assertGreaterEqual(lab["arrival"], last_arrival.get(f, ""))
                last_arrival[f] = lab["arrival"]
                count[lab["monitor"]] += 1
                for seg in msg.split("\r")[:-1]:
                    p = seg.split("|")
                    if p[0] == "OBX" and p[2] == "NM" and p[5] != "":
                        float(p[5])
        clean = [m for m in self.mons if m["status"] == "clean"]
        self.assertEqual(len(clean), MONITORS // 3)
        for m in self.mons:
            self.assertEqual(m["messages"], count[m["id"]], m["id"])
            self.assertIn(m["class"], ("adult", "paediatric", "neonatal"))
        eps = collections.defaultdict(list)
        for lab in self.labels:
            if lab["episode"]:
                eps[lab["episode"]].append(lab)
                self.assertIn(lab["strength"], ("subtle", "blatant"))
            else:
                self.assertEqual(lab["label"], "clean")
        for m in self.mons:
            if m["status"] == "clean":
                self.assertNotIn("kind", m)
                continue
            labs = eps[m["episode"]]
            self.assertTrue(labs, m["id"])
            self.assertTrue(all(x["label"] == m["kind"] and x["monitor"] == m["id"] for x in labs))
            self.assertEqual(m["episode_first"], labs[0]["message"])
            self.assertEqual(m["episode_last"], labs[-1]["message"])
            self.assertEqual(m["episode_start"], labs[0]["arrival"])
            self.assertTrue(m["detail"])

    def test_every_kind(self):
        kinds = collections.Counter(m["kind"] for m in self.mons if m["status"] == "manipulated")
        self.assertEqual(set(kinds), set(gen.KINDS))
        self.assertLessEqual(max(kinds.values()) - min(kinds.values()), 1)
        subtle = {m["kind"] for m in self.mons if m.get("strength") == "subtle"}
        self.assertEqual(subtle, set(gen.KINDS))
        self.assertGreaterEqual(len({m["layout"] for m in self.mons}), 5)
        self.assertEqual({m["class"] for m in self.mons} >= {"adult", "neonatal"}, True)

    def test_unforged_twin(self):
        tl, tm = load(self.twin)
        self.assertEqual(len(tl), len(self.labels))
        self.assertTrue(all(x["label"] == "clean" for x in tl))
        self.assertTrue(all(m["status"] == "clean" for m in tm))
        changed = collections.Counter()
        cache = {}
        for lab in self.labels:
            f = lab["file"]
            if f not in cache:
                cache[f] = (messages(os.path.join(self.a, f)), messages(os.path.join(self.twin, f)))
            fa, ft = cache[f]
            a, t = fa[lab["message"] - 1], ft[lab["message"] - 1]
            if lab["episode"] == 0:
                self.assertEqual(a, t, (f, lab["message"]))
            elif a != t:
                changed[lab["episode"]] += 1
        for m in self.mons:
            if m["status"] == "manipulated":
                self.assertGreater(changed[m["episode"]], 0, (m["id"], m["kind"], m["detail"]))

    def test_determinism(self):
        for f in sorted(os.listdir(self.a)):
            with open(os.path.join(self.a, f), "rb") as x, open(os.path.join(self.b, f), "rb") as y:
                self.assertEqual(x.read(), y.read(), f)
        other = os.path.join(self.tmp, "other")
        run(other, seed=8, workers=2)
        with open(os.path.join(self.a, "labels.jsonl")) as x, open(os.path.join(other, "labels.jsonl")) as y:
            self.assertNotEqual(x.read(), y.read())

    def test_scorer_reads_it(self):
        hl7load = os.environ.get("HL7LOAD")
        if not hl7load:
            self.skipTest("HL7LOAD not set")
        findings = os.path.join(self.tmp, "findings.jsonl")
        with open(findings, "w") as f:  # one finding on the first message of each episode
            seen = set()
            for lab in self.labels:
                if lab["episode"] and lab["episode"] not in seen:
                    seen.add(lab["episode"])
                    f.write(json.dumps({"file": lab["file"], "message": lab["message"], "rule": "test"}) + "\n")
        out = subprocess.run([hl7load, "corpus", "score", "--dir", self.a, "--findings", findings, "--json"],
                             check=True, capture_output=True, text=True).stdout
        s = json.loads(out)
        self.assertEqual(s["episodes"], MONITORS - MONITORS // 3)
        self.assertEqual(s["recall"], 1)
        self.assertEqual(s["clean_flagged"], 0)
        self.assertEqual({k["kind"] for k in s["kinds"]}, set(gen.KINDS))
        self.assertAlmostEqual(s["clean_hours"], (MONITORS // 3) * HOURS)


if __name__ == "__main__":
    unittest.main()
