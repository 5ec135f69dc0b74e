"""Tests of the corpus2 generator: determinism, file/label consistency, HL7
parseability and coverage of the 15 kinds. Run from this directory with
/usr/bin/python3 -m unittest (python3-hl7 is needed for the parse test)."""

import collections
import filecmp
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402


def read_corpus(d):
    with open(os.path.join(d, "monitors.jsonl")) as f:
        mons = [json.loads(l) for l in f]
    with open(os.path.join(d, "labels.jsonl")) as f:
        labels = [json.loads(l) for l in f]
    msgs = {}
    for m in mons:
        with open(os.path.join(d, m["file"]), newline="") as f:
            text = f.read()
        assert text.endswith("\r\n"), m["file"]
        msgs[m["file"]] = text[:-1].split("\n")
    return mons, labels, msgs


class Corpus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="corpus2-test-")
        cls.a = os.path.join(cls.tmp, "a")
        # 45 monitors: 30 manipulated, every kind twice.
        gen.generate(3, cls.a, monitors=45, hours=0.75)
        cls.mons, cls.labels, cls.msgs = read_corpus(cls.a)
        cls.twin = os.path.join(cls.tmp, "twin")
        gen.generate(3, cls.twin, monitors=45, hours=0.75, forge=False)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_deterministic_by_seed(self):
        b = os.path.join(self.tmp, "b")
        c = os.path.join(self.tmp, "c")
        gen.generate(3, b, monitors=45, hours=0.75)
        gen.generate(4, c, monitors=45, hours=0.75)
        names = sorted(os.listdir(self.a))
        self.assertEqual(names, sorted(os.listdir(b)))
        match, mismatch, errors = filecmp.cmpfiles(self.a, b, names, shallow=False)
        self.assertEqual((mismatch, errors), ([], []))
        self.assertFalse(filecmp.cmp(os.path.join(self.a, "labels.jsonl"), os.path.join(c, "labels.jsonl"),
                                     shallow=False))

    def test_unforged_twin(self):
        """The twin has the same files, messages, arrivals and events; outside the episodes the same bytes;
        inside, each episode differs somewhere, and on its first message unless its kind may write the genuine
        value there (a frozen value held from it, a straight line or a ramp starting at it); every label and
        monitor is clean, the dealt kind kept."""
        tm, tl, tmsgs = read_corpus(self.twin)
        self.assertEqual(set(tmsgs), set(self.msgs))
        self.assertTrue(all(m["status"] == "clean" and "episode" not in m for m in tm))
        self.assertTrue(all(l["label"] == "clean" and l["episode"] == 0 for l in tl))
        key = ("file", "message", "monitor", "arrival")
        self.assertEqual([tuple(l[k] for k in key) + (l.get("events"),) for l in tl],
                         [tuple(l[k] for k in key) + (l.get("events"),) for l in self.labels])
        for m, t in zip(self.mons, tm):
            self.assertEqual((t["id"], t["messages"], t.get("planned_kind"), t.get("planned_strength")),
                             (m["id"], m["messages"], m.get("kind"), m.get("strength")))
        for l in self.labels:
            x, y = self.msgs[l["file"]][l["message"] - 1], tmsgs[l["file"]][l["message"] - 1]
            if l["episode"] == 0:
                self.assertEqual(x, y, (l["file"], l["message"]))
        for m in self.mons:
            if m["status"] != "manipulated":
                continue
            f, a, b = m["file"], m["episode_first"] - 1, m["episode_last"]
            self.assertNotEqual(self.msgs[f][a:b], tmsgs[f][a:b], m["id"])
            if m["kind"] not in ("frozen", "too_smooth", "drift"):
                self.assertNotEqual(self.msgs[f][a], tmsgs[f][a], m["id"])

    def test_unforged_twin_deterministic(self):
        b = os.path.join(self.tmp, "twin-b")
        gen.generate(3, b, monitors=45, hours=0.75, forge=False)
        names = sorted(os.listdir(self.twin))
        self.assertEqual(names, sorted(os.listdir(b)))
        _, mismatch, errors = filecmp.cmpfiles(self.twin, b, names, shallow=False)
        self.assertEqual((mismatch, errors), ([], []))

    def test_labels_match_files(self):
        by_file = collections.defaultdict(list)
        order = []
        for l in self.labels:
            if l["file"] not in by_file:
                order.append(l["file"])
            by_file[l["file"]].append(l)
        files = []
        for m in self.mons:
            if m["file"] not in files:
                files.append(m["file"])
        self.assertEqual(order, files)
        self.assertTrue(any(m["gateway"] for m in self.mons))
        device = {m["id"]: m["device"] for m in self.mons}
        for f in files:
            rows = by_file[f]
            self.assertEqual(len(rows), len(self.msgs[f]), f)
            self.assertEqual([r["message"] for r in rows], list(range(1, len(rows) + 1)))
            arrivals = [r["arrival"] for r in rows]
            self.assertEqual(arrivals, sorted(arrivals), f)
            for r, text in zip(rows, self.msgs[f]):
                self.assertEqual(text.split("|", 3)[2], device[r["monitor"]])
        for m in self.mons:
            rows = [r for r in by_file[m["file"]] if r["monitor"] == m["id"]]
            self.assertEqual(len(rows), m["messages"])
            in_ep = [k for k, r in enumerate(rows) if r["episode"]]
            if m["status"] == "clean":
                self.assertEqual(in_ep, [])
                self.assertTrue(all(r["label"] == "clean" for r in rows))
                continue
            self.assertTrue(in_ep, m["id"])
            self.assertEqual(in_ep, list(range(in_ep[0], in_ep[-1] + 1)), m["id"])  # one stretch
            ep = [rows[k] for k in in_ep]
            self.assertEqual(ep[0]["message"], m["episode_first"])
            self.assertEqual(ep[-1]["message"], m["episode_last"])
            self.assertEqual(ep[0]["arrival"], m["episode_start"])
            self.assertEqual(ep[-1]["arrival"], m["episode_end"])
            for r in ep:
                self.assertEqual((r["label"], r["episode"], r["strength"], r["parameter"]),
                                 (m["kind"], m["episode"], m["strength"], m["parameter"]))

    def test_hl7_parses(self):
        import hl7
        for f, msgs in self.msgs.items():
            for text in msgs:
                msg = hl7.parse(text)
                self.assertEqual(str(msg.segment("MSH")[9]), "ORU^R01^ORU_R01")
                self.assertEqual(str(msg.segment("MSH")[12]), "2.6")
                self.assertTrue(str(msg.segment("MSH")[10]))
                obx = msg.segments("OBX")
                self.assertGreaterEqual(len(obx), 3)
                for seg in obx:
                    if str(seg[2]) == "NM":
                        self.assertTrue(str(seg[14]), f)  # observation time
                        self.assertTrue(str(seg[18]), f)  # equipment

    def test_control_ids(self):
        # A reused MSH-10 is either a byte-identical retransmission or the manipulation.
        rows = {(l["file"], l["message"]): l for l in self.labels}
        for f, msgs in self.msgs.items():
            seen = {}
            for i, text in enumerate(msgs, 1):
                msh = text.split("\r", 1)[0].split("|")
                ctrl = (msh[2], msh[9])  # per device
                if ctrl in seen and msgs[seen[ctrl] - 1] != text:
                    self.assertEqual(rows[(f, i)]["label"], "duplicate_control_id", (f, i))
                elif ctrl in seen:
                    self.assertIn("retransmission", rows[(f, i)].get("events", ""))
                seen.setdefault(ctrl, i)

    def test_every_kind(self):
        kinds = collections.Counter(m["kind"] for m in self.mons if m["status"] == "manipulated")
        self.assertEqual(sorted(kinds), sorted(gen.KINDS))
        self.assertEqual(set(kinds.values()), {2})
        self.assertEqual(sum(1 for m in self.mons if m["status"] == "clean"), 15)

    def test_population_plan(self):
        specs = gen.plan_population(11, 150)
        kinds = collections.Counter(s.kind for s in specs if s.kind)
        self.assertEqual(sum(kinds.values()), 100)
        self.assertLessEqual(max(kinds.values()) - min(kinds.values()), 1)
        subtle = sum(1 for s in specs if s.strength == "subtle")
        self.assertTrue(36 <= subtle <= 44, subtle)
        neo = sum(1 for s in specs if s.neonate)
        self.assertTrue(30 <= neo <= 60, neo)
        self.assertTrue({s.cadence for s in specs} <= {c for c, _ in gen.CADENCES})


if __name__ == "__main__":
    unittest.main()
