"""Tests of the corpus7 generator: files, labels, every kind, the unforged twin, determinism, the scorer.

    cd test/bench/corpus7 && HL7LOAD=/tmp/c7-hl7load python3 -m unittest -q

Small runs (45 monitors x 0.75 h). HL7LOAD names an `hl7load` binary (go build -o /tmp/c7-hl7load ./cmd/hl7load);
without it the scorer test is skipped.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402

SEED, MONITORS, HOURS = 7, 45, 0.75


def run(out, *extra, workers=2):
    gen.main(["--seed", str(SEED), "--out", out, "--monitors", str(MONITORS), "--hours", str(HOURS),
              "--workers", str(workers)] + list(extra))


def read_corpus(d):
    with open(os.path.join(d, "monitors.jsonl")) as f:
        mons = [json.loads(l) for l in f]
    with open(os.path.join(d, "labels.jsonl")) as f:
        labels = [json.loads(l) for l in f]
    files = {}
    for f in sorted(os.listdir(d)):
        if f.endswith(".hl7"):
            with open(os.path.join(d, f), "rb") as fh:
                data = fh.read()
            assert data.endswith(b"\n")
            files[f] = data[:-1].split(b"\n")
    return mons, labels, files


def fields(msg, seg):
    for s in msg.split(b"\r"):
        if s.startswith(seg + b"|"):
            return s.split(b"|")
    return None


class Corpus7(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="corpus7-test-")
        cls.a = os.path.join(cls.tmp, "a")
        cls.b = os.path.join(cls.tmp, "b")
        cls.twin = os.path.join(cls.tmp, "twin")
        run(cls.a, workers=2)
        run(cls.b, workers=1)
        run(cls.twin, "--no-forge", workers=2)
        cls.mons, cls.labels, cls.files = read_corpus(cls.a)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_files_and_framing(self):
        per_file = {}
        for l in self.labels:
            per_file.setdefault(l["file"], []).append(l)
        self.assertEqual(set(per_file), set(self.files))
        self.assertEqual({m["file"] for m in self.mons}, set(self.files))
        for f, ls in per_file.items():
            msgs = self.files[f]
            self.assertEqual(len(msgs), len(ls), f)
            self.assertEqual([l["message"] for l in ls], list(range(1, len(ls) + 1)))
            last = None
            for l, msg in zip(ls, msgs):
                self.assertTrue(msg.startswith(b"MSH|^~\\&|"), (f, l["message"]))
                self.assertTrue(msg.endswith(b"\r"), (f, l["message"]))
                self.assertNotIn(b"\n", msg)
                msg.decode("utf-8")
                arr = datetime.strptime(l["arrival"][:26], "%Y-%m-%dT%H:%M:%S.%f")
                if last:
                    self.assertGreaterEqual(arr, last, (f, l["message"]))
                last = arr
                pid = fields(msg, b"PID")
                if pid is not None:
                    self.assertTrue(pid[18].startswith(b"V"), (f, l["message"]))
                    self.assertTrue(pid[3])
                pv1 = fields(msg, b"PV1")
                if pv1 is not None:
                    self.assertEqual(pv1[19], pid[18])
                for seg in msg.split(b"\r")[:-1]:
                    self.assertRegex(seg[:4].decode(), r"^[A-Z][A-Z0-9]{2}\|")
                    if seg.startswith(b"OBX|"):
                        f = seg.split(b"|")
                        self.assertLessEqual(len(f), 19)
                        if len(f) > 11:
                            self.assertIn(f[11], (b"", b"R", b"F", b"X"))
                        if len(f) > 14 and f[14]:
                            self.assertRegex(f[14].decode(), r"^\d{14}(\.\d{3})?([+-]\d{4})?$")
                        if len(f) > 18:
                            self.assertTrue(f[18].endswith(b"^EUI-64") or f[18].endswith(b"_GE"))
                        v = f[5].decode()
                        if v:
                            float(v)
                            self.assertEqual(f[2], b"NM")

    def test_labels_and_monitors_consistent(self):
        by_mon = {}
        for l in self.labels:
            by_mon.setdefault(l["monitor"], []).append(l)
        self.assertEqual(set(by_mon), {m["id"] for m in self.mons})
        clean = [m for m in self.mons if m["status"] == "clean"]
        self.assertGreaterEqual(len(clean), MONITORS // 3)
        self.assertLessEqual(len(clean), MONITORS // 3 + 2)
        eps = set()
        for m in self.mons:
            ls = by_mon[m["id"]]
            self.assertEqual(len(ls), m["messages"], m["id"])
            self.assertIn(m["class"], ("adult", "paediatric", "neonatal"))
            if m["status"] == "clean":
                self.assertTrue(all(l["episode"] == 0 and l["label"] == "clean" for l in ls), m["id"])
                continue
            self.assertIn(m["kind"], gen.KINDS)
            self.assertTrue(m["detail"])
            self.assertNotIn(m["episode"], eps)
            eps.add(m["episode"])
            inside = [l for l in ls if l["episode"]]
            self.assertTrue(inside, m["id"])
            self.assertEqual(inside[0]["message"], m["episode_first"])
            self.assertEqual(inside[-1]["message"], m["episode_last"])
            self.assertEqual(inside[0]["arrival"], m["episode_start"])
            self.assertEqual(inside[-1]["arrival"], m["episode_end"])
            for l in inside:
                self.assertEqual((l["label"], l["episode"], l["strength"]), (m["kind"], m["episode"], m["strength"]))
            # contiguous among this monitor's messages
            pos = [i for i, l in enumerate(ls) if l["episode"]]
            self.assertEqual(pos, list(range(pos[0], pos[-1] + 1)))
        # events name genuine conditions on a good share of messages
        self.assertGreater(sum(1 for l in self.labels if l.get("events")), len(self.labels) // 2)

    def test_every_kind_present(self):
        kinds = {m["kind"] for m in self.mons if m["status"] == "manipulated"}
        self.assertEqual(kinds, set(gen.KINDS))
        self.assertTrue(any(m.get("strength") == "subtle" for m in self.mons))
        self.assertTrue(any(m.get("strength") == "blatant" for m in self.mons))
        layouts = {m["layout"] for m in self.mons}
        self.assertGreaterEqual(len(layouts), 5)
        self.assertTrue({"adult", "neonatal"} <= {m["class"] for m in self.mons})
        gw = [m for m in self.mons if m.get("gateway")]
        self.assertGreaterEqual(len(gw), 3)
        self.assertEqual(len({m["file"] for m in gw}), 1)

    def test_unforged_twin_equal_outside_episodes(self):
        tm, tl, tf = read_corpus(self.twin)
        self.assertEqual(set(tf), set(self.files))
        self.assertTrue(all(m["status"] == "clean" for m in tm))
        self.assertTrue(all(l["episode"] == 0 for l in tl))
        by_key = {(l["file"], l["message"]): l for l in self.labels}
        differ = 0
        for f, msgs in self.files.items():
            self.assertEqual(len(msgs), len(tf[f]), f)
            for i, (x, y) in enumerate(zip(msgs, tf[f]), 1):
                l = by_key[(f, i)]
                if l["episode"] == 0:
                    self.assertEqual(x, y, (f, i))
                elif x != y:
                    differ += 1
        for m in self.mons:
            if m["status"] == "manipulated":
                f = m["file"]
                self.assertNotEqual(self.files[f][m["episode_first"] - 1], tf[f][m["episode_first"] - 1], m["id"])
                self.assertNotEqual(self.files[f][m["episode_last"] - 1], tf[f][m["episode_last"] - 1], m["id"])
        self.assertGreater(differ, 0)
        tarr = [(l["file"], l["message"], l["arrival"], l["monitor"]) for l in tl]
        self.assertEqual(tarr, [(l["file"], l["message"], l["arrival"], l["monitor"]) for l in self.labels])

    def test_deterministic_across_workers(self):
        for name in ["labels.jsonl", "monitors.jsonl"] + sorted(self.files):
            with open(os.path.join(self.a, name), "rb") as x, open(os.path.join(self.b, name), "rb") as y:
                self.assertEqual(x.read(), y.read(), name)

    def test_forgeries_do_what_they_say(self):
        for m in self.mons:
            if m["status"] != "manipulated":
                continue
            msgs = self.files[m["file"]]
            ep = msgs[m["episode_first"] - 1:m["episode_last"]]
            if m["kind"] == "duplicate_control_id":
                ctrl = fields(msgs[m["episode_first"] - 1], b"MSH")[9]
                dev = fields(msgs[m["episode_first"] - 1], b"MSH")[2]
                earlier = [x for x in msgs[:m["episode_first"] - 1]
                           if fields(x, b"MSH")[9] == ctrl and fields(x, b"MSH")[2] == dev]
                self.assertTrue(earlier, m["id"])
                self.assertNotEqual(earlier[-1], msgs[m["episode_first"] - 1])
            if m["kind"] in ("time_backwards", "time_future"):
                t = fields(ep[0], b"MSH")[6][:14]
                prev = [x for x in msgs[:m["episode_first"] - 1] if fields(x, b"MSH")[2] == fields(ep[0], b"MSH")[2]]
                if prev:
                    p = fields(prev[-1], b"MSH")[6][:14]
                    self.assertTrue(t < p if m["kind"] == "time_backwards" else t > p, m["id"])
            if m["kind"] == "identity_switch":
                pid_in = fields(ep[0], b"PID")[3]
                before = [fields(x, b"PID")[3] for x in msgs[:m["episode_first"] - 1]
                          if fields(x, b"MSH")[2] == fields(ep[0], b"MSH")[2]]
                self.assertTrue(before and before[-1] != pid_in, m["id"])

    def test_scorer_reads_it(self):
        hl7load = os.environ.get("HL7LOAD")
        if not hl7load:
            self.skipTest("HL7LOAD not set")
        findings = os.path.join(self.tmp, "findings.jsonl")
        with open(findings, "w") as f:
            for m in self.mons:
                if m["status"] == "manipulated":
                    f.write(json.dumps({"file": m["file"], "message": m["episode_first"], "rule": "test"}) + "\n")
        out = subprocess.run([hl7load, "corpus", "score", "--dir", self.a, "--findings", findings, "--json"],
                             check=True, capture_output=True, text=True).stdout
        s = json.loads(out)
        n = sum(1 for m in self.mons if m["status"] == "manipulated")
        self.assertEqual(s["episodes"], n)
        self.assertEqual(s["detected"], n)
        self.assertEqual(s["clean_flagged"], 0)
        self.assertEqual(s["unmatched"], 0)
        self.assertEqual({k["kind"] for k in s["kinds"] if k["episodes"]}, set(gen.KINDS))
        self.assertAlmostEqual(s["clean_hours"], HOURS * sum(1 for m in self.mons if m["status"] == "clean"))


if __name__ == "__main__":
    unittest.main()
