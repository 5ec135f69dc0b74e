"""Tests of the sixth blind corpus generator (small runs: 45 monitors x 0.75 h).

    cd test/bench/corpus6 && HL7LOAD=/tmp/c6-hl7load python3 -m unittest -q

HL7LOAD names an hl7load binary (go build -o /tmp/c6-hl7load ./cmd/hl7load); without it the scorer test is
skipped.
"""
import collections
import filecmp
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


def run(out, seed=1, *extra):
    subprocess.run([sys.executable, GEN, "--seed", str(seed), "--out", out, "--monitors", str(MONITORS),
                    "--hours", str(HOURS)] + list(extra), check=True, stderr=subprocess.DEVNULL)


def messages(path):
    with open(path, encoding="utf-8", newline="") as f:
        data = f.read()
    assert data.endswith("\n")
    return data[:-1].split("\n")


class Corpus6(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="corpus6-test.")
        cls.a = os.path.join(cls.tmp, "a")
        cls.b = os.path.join(cls.tmp, "b")
        cls.twin = os.path.join(cls.tmp, "twin")
        run(cls.a)
        run(cls.b, 1, "--workers", "1")
        run(cls.twin, 1, "--no-forge")
        with open(os.path.join(cls.a, "labels.jsonl")) as f:
            cls.labels = [json.loads(l) for l in f]
        with open(os.path.join(cls.a, "monitors.jsonl")) as f:
            cls.mons = [json.loads(l) for l in f]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_determinism(self):
        names = sorted(os.listdir(self.a))
        self.assertEqual(names, sorted(os.listdir(self.b)))
        for n in names:
            self.assertTrue(filecmp.cmp(os.path.join(self.a, n), os.path.join(self.b, n), shallow=False), n)
        other = os.path.join(self.tmp, "seed2")
        run(other, 2)
        self.assertFalse(filecmp.cmp(os.path.join(self.a, "labels.jsonl"), os.path.join(other, "labels.jsonl"),
                                     shallow=False))

    def test_files_well_formed(self):
        files = sorted(f for f in os.listdir(self.a) if f.endswith(".hl7"))
        self.assertEqual(len(files), MONITORS)
        for fn in files:
            for msg in messages(os.path.join(self.a, fn)):
                self.assertTrue(msg.startswith("MSH|^~\\&|"), fn)
                self.assertTrue(msg.endswith("\r"), fn)
                segs = msg[:-1].split("\r")
                if "|QBP^ZV1" in segs[0]:  # a monitor's own patient query (Mindray layout)
                    self.assertEqual([s[:3] for s in segs], ["MSH", "QPD", "RCP"])
                    continue
                self.assertEqual([s[:3] for s in segs[:4]], ["MSH", "PID", "PV1", "OBR"])
                for s in segs:
                    self.assertRegex(s[:4], r"^[A-Z][A-Z0-9]{2}\|$")
                    self.assertNotIn("\n", s)
                msh = segs[0].split("|")
                self.assertTrue(msh[8].startswith("ORU^R01"))  # MSH-9 (MSH-1 is the separator itself)
                self.assertTrue(msh[6][:8].isdigit())  # MSH-7
                self.assertTrue(msh[9])  # MSH-10

    def test_labels_match_messages(self):
        per = collections.Counter(l["file"] for l in self.labels)
        mons = {m["file"]: m for m in self.mons}
        for fn, n in per.items():
            self.assertEqual(n, len(messages(os.path.join(self.a, fn))), fn)
            self.assertEqual(n, mons[fn]["messages"], fn)
        last = {}
        for l in self.labels:
            self.assertEqual(l["message"], last.get(l["file"], 0) + 1)
            last[l["file"]] = l["message"]
            self.assertIn(l["label"], gen.KINDS + ["clean"])
            self.assertEqual(l["label"] == "clean", l["episode"] == 0)
            if l["episode"]:
                self.assertIn(l["strength"], ("subtle", "blatant"))
        for fn in per:
            arr = [l["arrival"] for l in self.labels if l["file"] == fn]
            self.assertEqual(arr, sorted(arr), fn)  # messages are in arrival order

    def test_monitors(self):
        need = ["id", "file", "device", "class", "layout", "cadence_s", "hours", "status", "messages", "channels",
                "etco2_unit", "nibp_mode", "nibp_every_min", "placeholder", "clock_skew_s", "conditions"]
        for m in self.mons:
            for k in need:
                self.assertIn(k, m)
            if m["status"] == "manipulated":
                for k in ("kind", "parameter", "strength", "episode", "episode_first", "episode_last",
                          "episode_start", "episode_end", "detail"):
                    self.assertIn(k, m, m["id"])
        clean = sum(m["status"] == "clean" for m in self.mons)
        self.assertEqual(clean, MONITORS // 3)
        self.assertEqual({m["class"] for m in self.mons}, {"adult", "neonatal"})
        self.assertGreaterEqual(len({m["layout"] for m in self.mons}), 4)

    def test_every_kind(self):
        kinds = collections.Counter(m["kind"] for m in self.mons if m["status"] == "manipulated")
        self.assertEqual(set(kinds), set(gen.KINDS))
        self.assertEqual(set(kinds.values()), {2})
        eps = {l["episode"]: l for l in self.labels if l["episode"]}
        self.assertEqual(len(eps), 30)
        subtle = sum(1 for l in eps.values() if l["strength"] == "subtle")
        self.assertEqual(subtle, 15)  # the second of each kind's pair (j % 5 in (1, 3)); two in five at 150

    def test_episodes_change_what_they_say(self):
        """Against the same corpus generated with forgery off, exactly the labelled messages differ."""
        by_file = collections.defaultdict(set)
        for l in self.labels:
            if l["episode"]:
                by_file[l["file"]].add(l["message"])
        for m in self.mons:
            fn = m["file"]
            a = messages(os.path.join(self.a, fn))
            t = messages(os.path.join(self.twin, fn))
            self.assertEqual(len(a), len(t), fn)
            diff = {i + 1 for i, (x, y) in enumerate(zip(a, t)) if x != y}
            self.assertEqual(diff, by_file.get(fn, set()), fn)
            if m["status"] == "manipulated":
                self.assertTrue(diff, fn)

    def test_clean_traps_named(self):
        evs = collections.Counter()
        for l in self.labels:
            for e in l.get("events", "").split(","):
                if e:
                    evs[e] += 1
        for e in ("af", "motion", "probe_off", "nibp_stat"):
            self.assertIn(e, evs)

    def test_clean_anomalies_are_named(self):
        """On clean monitors every reused control ID, backwards MSH-7 and identity change carries the genuine
        condition that explains it in its label's events."""
        import datetime as dt

        def secs(ts):
            core = ts.split("+")[0].split("-")[0]
            s = dt.datetime.strptime(core[:14], "%Y%m%d%H%M%S").replace(tzinfo=dt.timezone.utc).timestamp()
            return s + (float("0" + core[14:]) if len(core) > 14 else 0) + (5 * 3600 if "-0500" in ts else 0)

        by_file = collections.defaultdict(list)
        for l in self.labels:
            by_file[l["file"]].append(l)
        for m in self.mons:
            if m["status"] != "clean":
                continue
            seen, last_t, last_pid = {}, None, None
            for msg, lab in zip(messages(os.path.join(self.a, m["file"])), by_file[m["file"]]):
                ev = set(lab.get("events", "").split(","))
                segs = msg.split("\r")
                msh = segs[0].split("|")
                if msh[8].startswith("QBP"):
                    continue
                cid = msh[9]
                if cid in seen and seen[cid] != msg:
                    self.assertIn("ctrlid_reused", ev, (m["file"], lab["message"]))
                seen[cid] = msg
                t = secs(msh[6])
                if last_t is not None and t < last_t:
                    self.assertTrue(ev & {"ntp_step", "reboot"}, (m["file"], lab["message"]))
                last_t = t
                pid = segs[1]
                if last_pid is not None and pid != last_pid:
                    self.assertTrue(ev & {"admit", "identified"}, (m["file"], lab["message"]))
                last_pid = pid

    def test_scorer_reads_it(self):
        hl7load = os.environ.get("HL7LOAD") or shutil.which("hl7load")
        if not hl7load:
            self.skipTest("HL7LOAD not set")
        empty = os.path.join(self.tmp, "empty.jsonl")
        open(empty, "w").close()
        out = subprocess.run([hl7load, "corpus", "score", "--dir", self.a, "--findings", empty, "--json"],
                             check=True, capture_output=True, text=True).stdout
        s = json.loads(out)
        self.assertEqual(s["episodes"], 30)
        self.assertEqual(s["detected"], 0)
        self.assertEqual(s["clean_monitors"], MONITORS // 3)
        self.assertAlmostEqual(s["clean_hours"], MONITORS // 3 * HOURS)


if __name__ == "__main__":
    unittest.main()
