"""Tests of the fifth blind corpus generator: python3 -m unittest (in test/bench/corpus5).

With HL7LOAD=/path/to/hl7load set, also checks that `hl7load corpus score` reads the corpus.
"""

import calendar
import collections
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402

MONITORS, HOURS = 45, 0.75


def build(seed, out, monitors=MONITORS, hours=HOURS, *extra):
    gen.main(["--seed", str(seed), "--out", out, "--monitors", str(monitors), "--hours", str(hours)] + list(extra))


def read_corpus(d):
    with open(os.path.join(d, "monitors.jsonl")) as fh:
        mons = [json.loads(l) for l in fh]
    with open(os.path.join(d, "labels.jsonl")) as fh:
        labels = [json.loads(l) for l in fh]
    msgs = {}
    for f in sorted(os.listdir(d)):
        if f.endswith(".hl7"):
            with open(os.path.join(d, f), "rb") as fh:
                msgs[f] = fh.read()
    return mons, labels, msgs


def digest(d):
    h = hashlib.sha256()
    for f in sorted(os.listdir(d)):
        h.update(f.encode())
        with open(os.path.join(d, f), "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()


def fields(seg):
    return seg.split("|")


def hl7_epoch(ts):
    """MSH-7 to epoch seconds (a missing offset is read as UTC, the default site zone)."""
    base, off = ts[:14], 0
    if len(ts) > 14 and ts[14] in "+-":
        off = (int(ts[15:17]) * 60 + int(ts[17:19])) * (1 if ts[14] == "+" else -1)
    return calendar.timegm(time.strptime(base, "%Y%m%d%H%M%S")) - off * 60


def rfc_epoch(s):
    return calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")) + float("0" + s[19:-1])


class Corpus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="corpus5-test-")
        cls.dir = os.path.join(cls.tmp, "c")
        t0 = time.process_time()
        build(3, cls.dir)
        cls.cpu = time.process_time() - t0
        cls.mons, cls.labels, cls.msgs = read_corpus(cls.dir)
        cls.twin = os.path.join(cls.tmp, "twin")
        build(3, cls.twin, MONITORS, HOURS, "--no-forge")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def split(self, f):
        data = self.msgs[f]
        self.assertTrue(data.endswith(b"\r\n"), f)
        return [m.decode("utf-8") for m in data[:-1].split(b"\n")]

    def test_files_and_framing(self):
        files = {m["file"] for m in self.mons}
        self.assertEqual(files, set(self.msgs))
        for f in self.msgs:
            for m in self.split(f):
                self.assertTrue(m.startswith("MSH|^~\\&|"), m[:40])
                self.assertTrue(m.endswith("\r"))
                self.assertNotIn("\n", m)
                for seg in m[:-1].split("\r"):
                    self.assertRegex(seg[:4], r"^[A-Z][A-Z0-9]{2}\|")
                msh = fields(m.split("\r")[0])
                self.assertRegex(msh[6], r"^\d{14}([+-]\d{4})?$")  # MSH-7
                self.assertIn(msh[8].split("^")[0], ("ORU", "QBP"))  # MSH-9
                self.assertTrue(msh[9])  # MSH-10

    def test_labels_match_files(self):
        per_file = collections.OrderedDict()
        for l in self.labels:
            per_file.setdefault(l["file"], []).append(l)
        self.assertEqual(list(per_file), sorted(per_file))  # contiguous, in file order
        for f, ls in per_file.items():
            self.assertEqual([l["message"] for l in ls], list(range(1, len(ls) + 1)))
            self.assertEqual(len(ls), len(self.split(f)))
            arr = [rfc_epoch(l["arrival"]) for l in ls]
            self.assertTrue(all(b > a for a, b in zip(arr, arr[1:])), f)
            self.assertRegex(ls[0]["arrival"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")

    def test_monitors(self):
        ids = [m["id"] for m in self.mons]
        self.assertEqual(len(ids), MONITORS)
        self.assertEqual(len(set(ids)), MONITORS)
        keys = ("id", "file", "device", "class", "layout", "cadence_s", "hours", "status", "messages", "channels",
                "etco2_unit", "nibp_mode", "nibp_every_min", "placeholder", "clock_skew_s", "conditions")
        count = collections.Counter(l["monitor"] for l in self.labels)
        for m in self.mons:
            for k in keys:
                self.assertIn(k, m)
            self.assertEqual(m["messages"], count[m["id"]])
            self.assertTrue(1 <= m["cadence_s"] <= 60)
            if m["status"] == "manipulated":
                for k in ("kind", "parameter", "strength", "episode", "episode_first", "episode_last",
                          "episode_start", "episode_end", "detail"):
                    self.assertIn(k, m)
        clean = sum(m["status"] == "clean" for m in self.mons)
        self.assertEqual(clean, round(MONITORS / 3))
        self.assertGreater(len({m["layout"] for m in self.mons}), 5)
        self.assertEqual({m["class"] for m in self.mons} >= {"adult", "neonatal"}, True)

    def test_every_kind_and_labels_consistent(self):
        mons = {m["id"]: m for m in self.mons}
        eps = collections.defaultdict(list)
        for l in self.labels:
            m = mons[l["monitor"]]
            self.assertIn("events", l)
            if l["label"] == "clean":
                self.assertEqual(l["episode"], 0)
                self.assertNotIn("strength", l)
                continue
            self.assertEqual(m["status"], "manipulated")
            self.assertEqual(l["label"], m["kind"])
            self.assertEqual(l["episode"], m["episode"])
            self.assertEqual(l["strength"], m["strength"])
            self.assertIn(l["strength"], ("subtle", "blatant"))
            eps[l["episode"]].append(l)
        kinds = {m["kind"] for m in self.mons if m["status"] == "manipulated"}
        self.assertEqual(kinds, set(gen.KINDS))
        for m in self.mons:
            if m["status"] != "manipulated":
                continue
            ls = eps[m["episode"]]
            self.assertTrue(ls, m["id"])
            self.assertEqual({l["monitor"] for l in ls}, {m["id"]})
            self.assertEqual(ls[0]["message"], m["episode_first"])
            self.assertEqual(ls[-1]["message"], m["episode_last"])
            self.assertEqual(ls[0]["arrival"], m["episode_start"])
        self.assertEqual(len(eps), len({m["episode"] for m in self.mons if m["status"] == "manipulated"}))

    def test_forgeries_changed_what_they_say(self):
        mons = {m["id"]: m for m in self.mons}
        by_file = collections.defaultdict(dict)
        for f in self.msgs:
            for i, msg in enumerate(self.split(f), 1):
                by_file[f][i] = msg
        seen = collections.defaultdict(set)
        for l in self.labels:
            msg = by_file[l["file"]][l["message"]]
            msh = fields(msg.split("\r")[0])
            key = (l["monitor"], msh[2].split("^")[0])
            if l["label"] == "duplicate_control_id":
                self.assertIn(msh[9], seen[l["monitor"]], "an injected message reuses an earlier MSH-10")
            if msh[8].startswith("ORU"):
                seen[l["monitor"]].add(msh[9])
            skew = abs(mons[l["monitor"]]["clock_skew_s"]) + 60
            if l["label"] == "time_future":
                self.assertGreater(hl7_epoch(msh[6]) - rfc_epoch(l["arrival"]), 300 - skew + 60)
            if l["label"] == "time_backwards":
                self.assertLess(hl7_epoch(msh[6]) - rfc_epoch(l["arrival"]), -30 + skew)

    def test_subtle_share_and_clean_third(self):
        mons, _ = gen.plan_monitors(1001, 150, 4)  # the plan only: no corpus is generated
        man = [m for m in mons if m.status == "manipulated"]
        self.assertEqual(len(mons) - len(man), 50)
        c = collections.Counter(m.kind for m in man)
        self.assertEqual(set(c), set(gen.KINDS))
        self.assertLessEqual(max(c.values()) - min(c.values()), 1)
        sub = sum(m.strength == "subtle" for m in man) / len(man)
        self.assertTrue(0.33 <= sub <= 0.47, sub)

    def test_events_present(self):
        ev = collections.Counter()
        for l in self.labels:
            for e in l["events"].split(","):
                if e:
                    ev[e] += 1
        for e in ("probe_off", "motion", "sleep", "art_flush"):
            self.assertIn(e, ev)

    def test_deterministic(self):
        d2 = os.path.join(self.tmp, "again")
        build(3, d2)
        self.assertEqual(digest(self.dir), digest(d2))
        d3 = os.path.join(self.tmp, "other")
        build(4, d3, monitors=12, hours=0.5)
        self.assertNotEqual(digest(self.dir), digest(d3))

    def test_unforged_twin(self):
        """The twin has the same files, messages and arrivals; every message labelled clean in the forged corpus
        has the same bytes and events there; each episode's first message differs; every label and monitor is
        clean, the dealt kind kept; where messages were injected the twin holds an earlier message again."""
        tm, tl, tmsgs = read_corpus(self.twin)
        self.assertEqual(set(tmsgs), set(self.msgs))
        self.assertTrue(all(m["status"] == "clean" and "episode" not in m for m in tm))
        self.assertTrue(all(l["label"] == "clean" and l["episode"] == 0 for l in tl))
        key = ("file", "message", "monitor", "arrival")
        self.assertEqual([tuple(l[k] for k in key) for l in tl], [tuple(l[k] for k in key) for l in self.labels])
        for m, t in zip(self.mons, tm):
            self.assertEqual((t["id"], t["messages"], t.get("planned_kind"), t.get("planned_strength")),
                             (m["id"], m["messages"], m.get("kind"), m.get("strength")))
        forged = {f: self.split(f) for f in self.msgs}
        twin = {f: [x.decode("utf-8") for x in data[:-1].split(b"\n")] for f, data in tmsgs.items()}
        for l, t in zip(self.labels, tl):
            x, y = forged[l["file"]][l["message"] - 1], twin[l["file"]][l["message"] - 1]
            if l["episode"] == 0:
                self.assertEqual((x, l["events"]), (y, t["events"]), (l["file"], l["message"]))
            elif l["label"] == "duplicate_control_id" and x != y:
                self.assertIn(y, twin[l["file"]][:l["message"] - 1], (l["file"], l["message"]))
                self.assertIn("retransmission", t["events"])
        for m in self.mons:
            if m["status"] == "manipulated":
                i = m["episode_first"] - 1
                self.assertNotEqual(forged[m["file"]][i], twin[m["file"]][i], m["id"])

    def test_unforged_twin_deterministic(self):
        d2 = os.path.join(self.tmp, "twin-again")
        build(3, d2, MONITORS, HOURS, "--no-forge")
        self.assertEqual(digest(self.twin), digest(d2))

    @unittest.skipUnless(os.environ.get("HL7LOAD"), "HL7LOAD=/path/to/hl7load not set")
    def test_scorer_reads_it(self):
        hl7load = os.environ["HL7LOAD"]
        empty = os.path.join(self.tmp, "empty.jsonl")
        open(empty, "w").close()
        out = subprocess.run([hl7load, "corpus", "score", "--dir", self.dir, "--findings", empty, "--json"],
                             check=True, capture_output=True, text=True).stdout
        s = json.loads(out)
        n_ep = sum(m["status"] == "manipulated" for m in self.mons)
        self.assertEqual(s["episodes"], n_ep)
        self.assertEqual(s["detected"], 0)
        self.assertEqual(s["clean_monitors"], sum(m["status"] == "clean" for m in self.mons))
        every = os.path.join(self.tmp, "every.jsonl")
        with open(every, "w") as fh:
            for l in self.labels:
                if l["episode"]:
                    fh.write(json.dumps({"file": l["file"], "message": l["message"], "rule": "oracle"}) + "\n")
        out = subprocess.run([hl7load, "corpus", "score", "--dir", self.dir, "--findings", every, "--json"],
                             check=True, capture_output=True, text=True).stdout
        s = json.loads(out)
        self.assertEqual(s["detected"], n_ep)
        self.assertEqual(s["recall"], 1.0)
        self.assertEqual(s["clean_flagged"], 0)
        self.assertEqual(s["manipulated_clean_flagged"], 0)
        self.assertEqual(s["unmatched"], 0)


if __name__ == "__main__":
    unittest.main()
